package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/thresher/thresher/estimators/dynthreshold"
	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/ctxio"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

const sweepSynopsis = `Runs several threshold models on one dataset as one job (a sweep), e.g. a
sensitivity analysis over threshold variables, numbers of thresholds, trims or
grids. The sweep file (YAML or JSON) names the data, defaults for every model
field of 'thresher xthreg', and one entry per model that overrides them:

  data: testdata/hansen1999/invest.csv
  defaults:
    depvar: i
    indep: [L.q, L.q^2, L.q^3, L.d, L.q*L.d]
    rx: [L.c]
    convention: hansen
    grid: 400
    bs: [300]
  specs:
    - {label: debt, qx: L.d, thnum: 3, trim: [0.01, 0.01, 0.05]}
    - {label: cash flow, qx: L.c, thnum: 2}

Keys are the flags of 'thresher xthreg' with _ for - (save_draws), parsed and
range-checked as the flags are; a list key also takes a single value (bs: 5).
An entry with "kind: dynthreshold" is a dynamic model, whose keys are the
flags of 'thresher xthenreg' (boost, endo, ...); "kind" in the defaults sets
every entry's kind, and every key of the defaults must be an option of every
entry's kind. An entry {kind: montecarlo, label: ..., spec: study.yaml} is a
Monte Carlo study (see 'thresher montecarlo --help'): the defaults do not
apply to it and its resample designs read the sweep's data. Labels must
differ. Relative data and study paths are relative to the sweep file.

--format json writes {"results": [{"label": ..., "result": {...}}, ...]}, each
result exactly what 'thresher xthreg --format json' (or xthenreg) writes for
that model.`

// sweepEntry is one model of a sweep file.
type sweepEntry struct {
	Label string
	// Kind is the entry's model kind; Model its options.
	Kind  string
	Model sweepModel
}

// sweepModel is the model of a sweep entry: options parsed as the flags of
// the kind's command, and the job's specification of the model.
type sweepModel interface {
	register(fs *flag.FlagSet)
	specification(label string) (*pb.Specification, error)
}

// sweepKind is a model kind a sweep entry can have.
type sweepKind struct {
	// command takes the same options as flags.
	command string
	// model returns the kind's model with its defaults.
	model func() sweepModel
}

// sweepKinds are the kinds of sweep entries, by the value of "kind".
var sweepKinds = map[string]sweepKind{
	threshold.KindName: {"xthreg", func() sweepModel { m := defaultModel; return &m }},
	dynthreshold.KindName: {"xthenreg", func() sweepModel {
		m := defaultXthenreg
		return &m
	}},
	montecarlo.KindName: {"montecarlo", func() sweepModel { return &montecarloEntry{} }},
}

// sweepKindNames lists the kinds of sweepKinds for messages.
const sweepKindNames = threshold.KindName + " (thresher xthreg, the default), " + dynthreshold.KindName + " (thresher xthenreg) or " +
	montecarlo.KindName + " (a study file of thresher montecarlo)"

// parseSweep reads a sweep file: its data path as written, and its models,
// each starting from the defaults. An entry's "kind" (or the defaults',
// else threshold) says which command's flags its keys are: every model key
// is parsed as that command's flag of the same name (with "_" for "-"):
// same ranges, same messages; a key that takes a list also takes a single
// value. The defaults apply to every entry, so each of their keys must be
// an option of every entry's kind.
func parseSweep(raw []byte) (string, []sweepEntry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return "", nil, err
	}
	if len(doc.Content) == 0 {
		return "", nil, fmt.Errorf("empty; want the keys data, defaults and specs")
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return "", nil, fmt.Errorf("line %d: want the keys data, defaults and specs", root.Line)
	}
	var data string
	var defaults, specs *yaml.Node
	err := eachKey(root, func(k, v *yaml.Node) error {
		switch k.Value {
		case "data":
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: data: want a file name", v.Line)
			}
			data = v.Value
		case "defaults":
			if v.Kind != yaml.MappingNode {
				return fmt.Errorf("defaults: line %d: want a mapping of model options", v.Line)
			}
			defaults = v
		case "specs":
			specs = v
		default:
			return fmt.Errorf("line %d: unknown key %q (want data, defaults or specs)", k.Line, k.Value)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	defaultKind, err := entryKind(defaults, threshold.KindName)
	if err != nil {
		return "", nil, fmt.Errorf("defaults: %w", err)
	}
	if specs == nil || specs.Kind == yaml.SequenceNode && len(specs.Content) == 0 {
		return "", nil, fmt.Errorf("no specs")
	}
	if specs.Kind != yaml.SequenceNode {
		return "", nil, fmt.Errorf("line %d: specs: want a list of models", specs.Line)
	}
	entries := make([]sweepEntry, len(specs.Content))
	labels := make([]string, len(specs.Content))
	for i, node := range specs.Content {
		node = deref(node)
		if node.Kind != yaml.MappingNode {
			return "", nil, fmt.Errorf("spec %d: line %d: want a mapping of model options", i+1, node.Line)
		}
		e := &entries[i]
		if e.Kind, err = entryKind(node, defaultKind); err != nil {
			return "", nil, fmt.Errorf("spec %d: %w", i+1, err)
		}
		kind := sweepKinds[e.Kind]
		e.Model = kind.model()
		if defaults != nil && e.Kind != montecarlo.KindName {
			if err := applyModel(defaults, kind.command, e.Model, nil); err != nil {
				return "", nil, fmt.Errorf("defaults (for spec %d, of kind %s): %w", i+1, e.Kind, err)
			}
		}
		if err := applyModel(node, kind.command, e.Model, &e.Label); err != nil {
			return "", nil, fmt.Errorf("spec %d: %w", i+1, err)
		}
		if e.Label == "" {
			e.Label = fmt.Sprintf("spec %d", i+1)
		}
		labels[i] = e.Label
	}
	if err := model.CheckLabels("specs", labels); err != nil {
		return "", nil, err
	}
	return data, entries, nil
}

// entryKind returns the value of a mapping's "kind" key, or def without
// one.
func entryKind(m *yaml.Node, def string) (string, error) {
	if m == nil {
		return def, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k, v := m.Content[i], deref(m.Content[i+1]); k.Value == "kind" {
			if _, ok := sweepKinds[v.Value]; !ok || v.Kind != yaml.ScalarNode {
				return "", fmt.Errorf("line %d: kind: unknown kind %q (want %s)", v.Line, v.Value, sweepKindNames)
			}
			return v.Value, nil
		}
	}
	return def, nil
}

// deref returns the node an alias stands for.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// eachKey calls f for every key of a mapping, in order, with the key and
// its value. Repeated keys and merge keys are refused.
func eachKey(m *yaml.Node, f func(k, v *yaml.Node) error) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], deref(m.Content[i+1])
		switch {
		case k.Kind != yaml.ScalarNode:
			return fmt.Errorf("line %d: a key must be a name", k.Line)
		case k.Value == "<<":
			return fmt.Errorf("line %d: merge keys (<<) are not supported; 'defaults' apply to every spec", k.Line)
		case seen[k.Value]:
			return fmt.Errorf("line %d: %s is given twice", k.Line, k.Value)
		}
		seen[k.Value] = true
		if err := f(k, v); err != nil {
			return err
		}
	}
	return nil
}

// applyModel sets the model options of a mapping through the flags of
// 'thresher command' and skips its "kind" key; label, when not nil,
// receives the "label" key.
func applyModel(n *yaml.Node, command string, m sweepModel, label *string) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	m.register(fs)
	return eachKey(n, func(k, v *yaml.Node) error {
		key := k.Value
		if key == "kind" {
			return nil
		}
		f := fs.Lookup(strings.ReplaceAll(key, "_", "-"))
		if key == "label" && label != nil {
			f = &flag.Flag{Value: (*stringValue)(label)}
		}
		if f == nil || strings.Contains(key, "-") {
			return fmt.Errorf("line %d: unknown key %q (the keys are the flags of 'thresher %s' with _ for -, label and kind)", k.Line, key, command)
		}
		text, err := scalarText(v, f.Value)
		if err != nil {
			return fmt.Errorf("line %d: %s: %w", k.Line, key, err)
		}
		if err := f.Value.Set(text); err != nil {
			return fmt.Errorf("line %d: %s: invalid value %q: %w", k.Line, key, text, err)
		}
		return nil
	})
}

// scalarText returns the text of a value: a scalar, or for a list option a
// scalar or a sequence of scalars, joined with commas.
func scalarText(v *yaml.Node, value flag.Value) (string, error) {
	_, isList := value.(listValue)
	_, isNumeric := value.(numericValue)
	quoted := func(n *yaml.Node) error {
		if isNumeric && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			return fmt.Errorf("%q is quoted, which makes it text: write the number without quotes", n.Value)
		}
		return nil
	}
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
		return "", fmt.Errorf("no value")
	case v.Kind == yaml.ScalarNode:
		return v.Value, quoted(v)
	case v.Kind == yaml.SequenceNode && isList:
		items := make([]string, len(v.Content))
		for i, it := range v.Content {
			if it = deref(it); it.Kind != yaml.ScalarNode {
				return "", fmt.Errorf("item %d is not a single value", i+1)
			}
			if err := quoted(it); err != nil {
				return "", fmt.Errorf("item %d: %w", i+1, err)
			}
			items[i] = it.Value
		}
		return strings.Join(items, ","), nil
	case v.Kind == yaml.SequenceNode:
		return "", fmt.Errorf("takes a single value, not a list")
	}
	return "", fmt.Errorf("want a value or a list of values")
}

// stringValue is a free-text option.
type stringValue string

func (s *stringValue) String() string     { return string(*s) }
func (s *stringValue) Set(v string) error { *s = stringValue(v); return nil }

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep", sweepSynopsis, stderr)
	var f jobFileFlags
	f.register(fs, "sweep file", "CSV file (default: the sweep file's data)", "text or json", checkFormat)
	if err := f.parse(fs, args); err != nil {
		return err
	}
	raw, err := ctxio.ReadFile(ctx, f.spec, maxSpecBytes)
	if err != nil {
		return err
	}
	file, entries, err := parseSweep(raw)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errUsage, f.spec, err)
	}
	studiesOnly := !slices.ContainsFunc(entries, func(e sweepEntry) bool { return e.Kind != montecarlo.KindName })
	if f.data == "" && file == "" && !studiesOnly {
		return fmt.Errorf("%w: no data: set --data or 'data:' in the sweep file", errUsage)
	}
	if err := f.resolveData(file); err != nil {
		return err
	}
	specs := make([]*pb.Specification, len(entries))
	for i, e := range entries {
		if study, ok := e.Model.(*montecarloEntry); ok {
			err = study.load(ctx, f.spec)
		}
		if err == nil {
			specs[i], err = e.Model.specification(e.Label)
		}
		if err != nil {
			return fmt.Errorf("spec %d (%s): %w", i+1, e.Label, err)
		}
	}
	_, results, err := f.run(ctx, specs, newProgressLog(stderr))
	if err != nil {
		return err
	}
	registry := kinds.Builtin()
	labels := make([]string, len(entries))
	entryKinds := make([]model.Kind, len(entries))
	for i, e := range entries {
		kind, err := registry.Kind(e.Kind)
		if err != nil {
			return err
		}
		labels[i], entryKinds[i] = e.Label, kind
	}
	report, err := renderSweep(labels, entryKinds, f.format, results)
	if err != nil {
		return err
	}
	return writeOutput(ctx, f.output, stdout, report)
}

// sweepDataPath resolves a sweep file's data path: a relative one is
// relative to the sweep file's directory.
func sweepDataPath(specPath, data string) string {
	if data == "" || filepath.IsAbs(data) {
		return data
	}
	return filepath.Join(filepath.Dir(specPath), data)
}
