package montecarlo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sync"

	"github.com/thresher/thresher/estimators/dgp"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/stream"
	"github.com/thresher/thresher/estimators/threshold"
)

// KindName is the name of the Monte Carlo kind.
const KindName = "montecarlo"

// familyReplications is the task family of a design's replications.
const familyReplications = "replications"

// BootstrapSeeds is the purpose of the streams that give every replication
// of a design its own bootstrap seed (docs/montecarlo.md, "How a study
// runs").
const BootstrapSeeds stream.Purpose = "montecarlo-bootstrap-seed"

// Task sizing: a task computes whole replications, about taskSeconds of
// work at workPerSecond work units (threshold.Spec.Work, fast kernel, one
// core of the reference machine), and at most maxTaskValues values, which
// bounds a checkpoint (etcd's requests are at most 8 MiB).
const (
	taskSeconds   = 1.0
	workPerSecond = 3e7
	maxTaskValues = 1 << 16
)

// Kind is the Monte Carlo study as a model kind (package model): its
// specification is a Study, its result a Summary.
type Kind struct{}

// Name returns KindName.
func (Kind) Name() string { return KindName }

// DecodeSpec decodes a Study encoded by Study.Encode and validates it.
func (Kind) DecodeSpec(raw []byte) (model.Spec, error) {
	p, err := decodePlan(raw)
	if err != nil {
		return nil, err
	}
	return kindSpec{p}, nil
}

// WriteText writes the text report of a Summary.
func (Kind) WriteText(w io.Writer, result []byte) error {
	s, err := DecodeSummary(result)
	if err != nil {
		return err
	}
	return s.Write(w, Text)
}

// DecodeSummary decodes the JSON of a Summary.
func DecodeSummary(raw []byte) (*Summary, error) {
	var s Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("montecarlo summary: %w", err)
	}
	if len(s.Designs) == 0 {
		return nil, errors.New("montecarlo summary: no designs")
	}
	return &s, nil
}

type kindSpec struct{ p *plan }

func (s kindSpec) Encode() []byte { return s.p.study.Encode() }

// Work is the threshold kind's work of every estimator on every design's
// panel, times the replications: the Monte Carlo kind is model.Costed. A
// "resample" design's panels have the dataset's rows; the others' sizes
// are those of a first draw.
func (s kindSpec) Work(rows int) (float64, error) {
	total := 0.0
	for i, d := range s.p.designs {
		n := rows
		if d.Family != dgp.FamilyResample {
			sample, err := d.Draw(s.p.study.Seed, i, 0, nil)
			if err != nil {
				return 0, fmt.Errorf("design %d (%s): %w", i+1, d.Label, err)
			}
			n = sample.Len()
		}
		w, err := s.p.replicationWork(n)
		if err != nil {
			return 0, err
		}
		total += w * float64(s.p.study.Replications)
	}
	return total, nil
}

// replicationWork is the work of every estimator on a panel of rows
// observations.
func (p *plan) replicationWork(rows int) (float64, error) {
	total := 0.0
	for _, c := range p.configs {
		c.Depvar, c.Rx, c.Qx = "y", []string{"x"}, "q"
		spec, alg, err := c.Spec()
		if err != nil {
			return 0, err
		}
		w, err := spec.Work(rows, alg)
		if err != nil {
			return 0, err
		}
		total += w
	}
	return total, nil
}

// Prepare checks the study against the dataset, which only the "resample"
// design reads (a study of other designs runs on any dataset), by drawing
// every design's first replication, and sizes every design's tasks.
func (s kindSpec) Prepare(t *panel.Table) (model.Model, error) {
	m := &kindModel{p: s.p}
	for i, d := range s.p.designs {
		gen, err := d.Prepare(t)
		if err != nil {
			return nil, fmt.Errorf("%w: design %d (%s): %w", threshold.ErrData, i+1, d.Label, err)
		}
		sample := gen.Draw(s.p.study.Seed, i, 0)
		tr := d.Truth()
		v := variables{id: sample.Names[0], time: sample.Names[1], truth: tr}
		if err := s.p.check(i, v, sample); err != nil {
			return nil, err
		}
		l := layout{rx: len(tr.RegimeDependent)}
		for _, c := range s.p.configs {
			l.thnum = append(l.thnum, c.Thnum)
		}
		w, err := s.p.replicationWork(sample.Len())
		if err != nil {
			return nil, err
		}
		perTask := int(math.Ceil(taskSeconds * workPerSecond / w))
		perTask = max(1, min(perTask, maxTaskValues/l.len(), s.p.study.Replications))
		m.gens, m.vars = append(m.gens, gen), append(m.vars, v)
		m.layouts, m.perTask = append(m.layouts, l), append(m.perTask, perTask)
	}
	return m, nil
}

// check prepares every estimator on a design's first replication: a
// mismatch of estimator and design (e.g. the residual bootstrap on an
// unbalanced design) fails the study before any work. Data that cannot
// support the model by chance fail that replication only.
func (p *plan) check(d int, v variables, sample *dgp.Sample) error {
	table, err := sample.Table()
	if err != nil {
		return err
	}
	for e, c := range p.configs {
		spec, _, err := v.config(c, 0).Spec()
		if err == nil {
			_, err = threshold.Prepare(table, spec)
		}
		if err != nil && !errors.Is(err, threshold.ErrData) {
			return fmt.Errorf("%w: design %d (%s) with estimator %d (%s): %w", ErrSpec, d+1, p.designs[d].Label, e+1, p.labels[e], err)
		}
	}
	return nil
}

// variables are the columns of a design's samples.
type variables struct {
	id, time string
	truth    dgp.Truth
}

// config returns a configuration on the design's columns, with a bootstrap
// seed.
func (v variables) config(c threshold.Config, seed uint64) threshold.Config {
	c.ID, c.Time, c.Depvar, c.Indep, c.Rx, c.Qx = v.id, v.time, v.truth.Y, v.truth.Regressors, v.truth.RegimeDependent, v.truth.Q
	c.Seed = seed
	return c
}

// kindModel is a study prepared on its dataset.
type kindModel struct {
	p       *plan
	gens    []*dgp.Generator // per design
	vars    []variables      // per design
	layouts []layout         // per design
	perTask []int            // replications per task, per design
}

// replicationsWork is the work of a family: its design.
type replicationsWork struct {
	Design int `json:"design"`
}

// Lead runs every design's replications as one family each, all at once,
// and summarizes their records.
func (m *kindModel) Lead(ctx context.Context, r model.Runner) ([]byte, error) {
	reps := m.p.study.Replications
	records := make([][]float64, len(m.p.designs))
	errs := make([]error, len(m.p.designs))
	var wg sync.WaitGroup
	for d := range m.p.designs {
		work, err := json.Marshal(replicationsWork{Design: d})
		if err != nil {
			return nil, err
		}
		l := m.layouts[d].len()
		wg.Add(1)
		go func() {
			defer wg.Done()
			records[d], errs[d] = r.Run(ctx, model.Family{Name: familyReplications, Key: fmt.Sprintf("d%d", d), Work: work,
				N: reps * l, Shard: m.perTask[d] * l, Stage: 1, Phase: "replications", Counter: KindName, Item: l})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sum, err := m.summarize(records)
	if err != nil {
		return nil, err
	}
	return sum.JSON()
}

// summarize computes the summary from every design's records.
func (m *kindModel) summarize(records [][]float64) (*Summary, error) {
	s := &Summary{Replications: m.p.study.Replications, Seed: m.p.study.Seed}
	for d, design := range m.p.designs {
		l := m.layouts[d]
		n := l.len()
		perEstimator := make([][]estimatorRecord, len(m.p.configs))
		for rep := range m.p.study.Replications {
			recs, err := l.decode(records[d][rep*n : (rep+1)*n])
			if err != nil {
				return nil, fmt.Errorf("design %d replication %d: %w", d+1, rep, err)
			}
			for e, rec := range recs {
				perEstimator[e] = append(perEstimator[e], rec)
			}
		}
		dt := design.Truth()
		tr := truth{Thresholds: dt.Thresholds, Slopes: dt.Slopes}
		ds := DesignSummary{Label: design.Label, Family: design.Family, Effect: Num(tr.effect()),
			TrueThresholds: tr.Thresholds, TrueSlopes: tr.Slopes}
		for e, c := range m.p.configs {
			es := summarizeEstimator(m.p.labels[e], c.Thnum, tr, perEstimator[e])
			if rep := slices.IndexFunc(perEstimator[e], func(r estimatorRecord) bool { return !r.OK }); rep >= 0 {
				es.FirstFailure = m.failure(d, rep, e)
			}
			ds.Estimators = append(ds.Estimators, es)
		}
		s.Designs = append(s.Designs, ds)
	}
	return s, nil
}

// Execute computes the records of a range of replications of a design: the
// task's slots are whole records.
func (m *kindModel) Execute(ctx context.Context, t model.Task) ([]float64, error) {
	if t.Family != familyReplications {
		return nil, fmt.Errorf("%w: no task family %q in a Monte Carlo study", ErrSpec, t.Family)
	}
	var w replicationsWork
	if err := model.DecodeStrict(t.Work, &w); err != nil {
		return nil, fmt.Errorf("%w: replications task: %v", ErrSpec, err)
	}
	if w.Design < 0 || w.Design >= len(m.p.designs) {
		return nil, fmt.Errorf("%w: design %d of %d", ErrSpec, w.Design, len(m.p.designs))
	}
	l := m.layouts[w.Design]
	n := l.len()
	if t.First < 0 || t.First > t.Last || t.Last > n*m.p.study.Replications || t.First%n != 0 || t.Last%n != 0 {
		return nil, fmt.Errorf("%w: slots [%d, %d) are not whole records of %d values", ErrSpec, t.First, t.Last, n)
	}
	out := make([]float64, 0, t.Last-t.First)
	for rep := t.First / n; rep < t.Last/n; rep++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := m.replicate(w.Design, rep)
		if err != nil {
			return nil, fmt.Errorf("design %d replication %d: %w", w.Design+1, rep, err)
		}
		out = append(out, rec...)
	}
	return out, nil
}

// replicate draws one replication's panel and runs every estimator on it,
// each with its bootstrap, in this goroutine.
func (m *kindModel) replicate(design, rep int) ([]float64, error) {
	table, err := m.gens[design].Draw(m.p.study.Seed, design, rep).Table()
	if err != nil {
		return nil, err
	}
	seed := replicationSeed(m.p.study.Seed, design, rep)
	l := m.layouts[design]
	out := make([]float64, 0, l.len())
	prep := &preparations{table: table}
	for e, c := range m.p.configs {
		rec, err := estimate(m.vars[design].config(c, seed), prep, l.rx)
		if err != nil {
			return nil, fmt.Errorf("estimator %d (%s): %w", e+1, m.p.labels[e], err)
		}
		out = l.appendBlock(out, rec, c.Thnum)
	}
	return out, nil
}

// failure recomputes replication rep of design d with estimator e, which
// failed, and returns why: a record carries no text, and the replication
// is deterministic.
func (m *kindModel) failure(d, rep, e int) string {
	table, err := m.gens[d].Draw(m.p.study.Seed, d, rep).Table()
	if err == nil {
		var rec estimatorRecord
		rec, err = estimate(m.vars[d].config(m.p.configs[e], replicationSeed(m.p.study.Seed, d, rep)), &preparations{table: table}, m.layouts[d].rx)
		if err == nil {
			err = rec.Failure
		}
	}
	if err == nil {
		return fmt.Sprintf("replication %d: failed on a worker but not when recomputed", rep)
	}
	return fmt.Sprintf("replication %d: %v", rep, err)
}

// preparations prepares a replication's threshold problems once per
// specification, the bootstrap kind aside: estimators that differ only in
// it share the parsed panel, grid and fits (threshold.Problem.WithBootstrap,
// which fails as threshold.Prepare would).
type preparations struct {
	table    *panel.Table
	specs    []threshold.Spec // of problems, without their bootstrap kind
	problems []*threshold.Problem
}

// prepare returns the problem of spec on the replication's panel.
func (ps *preparations) prepare(spec threshold.Spec) (*threshold.Problem, error) {
	key := spec
	key.Bootstrap = threshold.AutoBootstrap
	for i, s := range ps.specs {
		if reflect.DeepEqual(s, key) {
			return ps.problems[i].WithBootstrap(spec.Bootstrap)
		}
	}
	p, err := threshold.Prepare(ps.table, spec)
	if err == nil {
		ps.specs, ps.problems = append(ps.specs, key), append(ps.problems, p)
	}
	return p, err
}

// estimate runs one configuration with its bootstrap on one replication's
// panel. Data that cannot support the model make a failed record, not an
// error.
func estimate(c threshold.Config, prep *preparations, rx int) (estimatorRecord, error) {
	spec, alg, err := c.Spec()
	if err != nil {
		return estimatorRecord{}, err
	}
	p, err := prep.prepare(spec)
	if errors.Is(err, threshold.ErrData) {
		return failedRecord(err), nil
	}
	if err != nil {
		return estimatorRecord{}, err
	}
	res, err := p.Estimate(threshold.Options{Algorithm: alg, Workers: 1, Lean: true})
	if errors.Is(err, threshold.ErrData) {
		return failedRecord(err), nil
	}
	if err != nil {
		return estimatorRecord{}, err
	}
	return recordOf(res, rx)
}

// Jobs returns replication rep of design d as separately submitted
// threshold jobs would run it: the panel as CSV and one configuration per
// estimator, with the bootstrap seed the study gives the replication. (The
// benchmark of studies against separate jobs runs them.)
func (s Study) Jobs(d, rep int, base *panel.Table) ([]byte, []threshold.Config, error) {
	p, err := s.plan()
	if err != nil {
		return nil, nil, err
	}
	if d < 0 || d >= len(p.designs) || rep < 0 || rep >= s.Replications {
		return nil, nil, fmt.Errorf("%w: replication %d of design %d is not in the study", ErrSpec, rep, d)
	}
	gen, err := p.designs[d].Prepare(base)
	if err != nil {
		return nil, nil, err
	}
	sample := gen.Draw(s.Seed, d, rep)
	v := variables{id: sample.Names[0], time: sample.Names[1], truth: p.designs[d].Truth()}
	seed := replicationSeed(s.Seed, d, rep)
	configs := make([]threshold.Config, len(p.configs))
	for e, c := range p.configs {
		configs[e] = v.config(c, seed)
	}
	return sample.CSV(), configs, nil
}

// replicationSeed is the bootstrap seed of replication rep of design d.
func replicationSeed(seed uint64, d, rep int) uint64 {
	return stream.New(seed, BootstrapSeeds, d, rep).Uint64()
}
