package model

import (
	"context"
	"io"

	"github.com/thresher/thresher/estimators/panel"
)

// Kind is a kind of model.
type Kind interface {
	// Name identifies the kind on the wire and in the registry.
	Name() string
	// DecodeSpec decodes and validates a specification in the kind's
	// canonical JSON encoding; unknown fields and versions are refused.
	DecodeSpec(raw []byte) (Spec, error)
	// WriteText writes the text report of a result: the JSON document that
	// Model.Lead returned, decoded into the kind's result value.
	WriteText(w io.Writer, result []byte) error
}

// Spec is a decoded, valid specification.
type Spec interface {
	// Encode returns the canonical encoding: DecodeSpec(Encode()) is an
	// equal specification, and equal specifications encode to equal bytes.
	Encode() []byte
	// Prepare validates the specification against a dataset and does the
	// work every task of the model shares. Errors concern the data or the
	// specification: retrying cannot fix them.
	Prepare(t *panel.Table) (Model, error)
}

// Schemed is implemented by a Spec that names, before any data is read,
// the columns its Prepare reads and how: a process then reads the dataset
// with panel.ReadSchema, which parses those columns as the rows stream in
// and keeps no text, instead of panel.ReadCSV's text of every column.
type Schemed interface {
	Schema() panel.Schema
}

// SchemaOf returns the union of the schemas of specs, nil when one of them
// is not Schemed (its dataset is then read whole, as text). Nil specs, of
// specifications that did not decode, are left out.
func SchemaOf(specs ...Spec) panel.Schema {
	var union panel.Schema
	for _, spec := range specs {
		if spec == nil {
			continue
		}
		s, ok := spec.(Schemed)
		if !ok {
			return nil
		}
		if union == nil {
			union = panel.Schema{}
		}
		union.Merge(s.Schema())
	}
	return union
}

// Model is a specification prepared on a dataset. It is immutable and safe
// for concurrent use: a process caches one Model per dataset and
// specification and runs many tasks on it at once.
type Model interface {
	// Lead runs the kind's procedure on the leading coordinator, computing
	// task families with r, and returns the result as a JSON document whose
	// bytes depend only on the specification and the dataset.
	Lead(ctx context.Context, r Runner) ([]byte, error)
	// Execute computes the values of one task, one per slot of its range.
	Execute(ctx context.Context, t Task) ([]float64, error)
}

// Runner computes task families for Model.Lead.
type Runner interface {
	// Run computes the N values of a family with tasks over ranges of its
	// slots and returns them in slot order.
	Run(ctx context.Context, f Family) ([]float64, error)
}

// Family is a set of tasks that together compute values 0..N-1, e.g. the
// profile of a grid search or the replications of a bootstrap.
type Family struct {
	// Name says what the tasks compute (e.g. "bootstrap"); Execute reads it
	// and it labels the workers' task metrics.
	Name string
	// Key identifies the family within its specification, the same on every
	// run of the specification: finished tasks are checkpointed under it.
	Key string
	// Work describes the family's work to Execute, in the kind's encoding.
	Work []byte
	// N is the number of values.
	N int
	// Shard fixes the number of slots per task; 0 sizes tasks from their
	// observed speed.
	Shard int
	// Stage and Phase group the family's progress (e.g. 2, "bootstrap").
	Stage int
	Phase string
	// Counter labels the values as replications in metrics (e.g. the
	// stage); empty counts them as grid candidates.
	Counter string
	// Item is the number of values of one counted item (a Monte Carlo
	// replication's record): progress and metrics count items, and tasks
	// hold whole items; 0 counts every value.
	Item int
}

// Task is one task of a family: slots [First, Last).
type Task struct {
	Family      string
	Work        []byte
	First, Last int
}

// Costed is implemented by a Spec that estimates its cost without doing any
// of it: Work returns the work of the model on a dataset of rows
// observations, in units of one observation or candidate threshold visited
// once. A Spec that does not implement it counts as no work. An invalid
// specification is an error.
type Costed interface {
	Work(rows int) (float64, error)
}
