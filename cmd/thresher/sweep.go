package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/thresher/thresher/estimators/kinds"
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
An entry {kind: montecarlo, label: ..., spec: study.yaml} is a Monte Carlo
study (see 'thresher montecarlo --help'); its only other key is label, the
defaults do not apply to it and its resample designs read the sweep's data.
Labels must differ. Relative data and study paths are relative to the sweep
file.

--format json writes {"results": [{"label": ..., "result": {...}}, ...]}, each
result exactly what 'thresher xthreg --format json' writes for that model.`

// sweepEntry is one model of a sweep file: a threshold model, or a Monte
// Carlo study when StudyPath is set.
type sweepEntry struct {
	Label string
	modelConfig
	// StudyPath is the study file of a montecarlo entry, as written.
	StudyPath string
}

// parseSweep reads a sweep file: its data path as written, and its models,
// each starting from the defaults. Every model key is parsed as the flag of
// 'thresher xthreg' of the same name (with "_" for "-"): same ranges, same
// messages; a key that takes a list also takes a single value.
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
	defaults := defaultModel
	var specs *yaml.Node
	err := eachKey(root, func(k, v *yaml.Node) error {
		switch k.Value {
		case "data":
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: data: want a file name", v.Line)
			}
			data = v.Value
		case "defaults":
			if err := applyModel(v, &defaults, nil); err != nil {
				return fmt.Errorf("defaults: %w", err)
			}
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
	if specs == nil || specs.Kind == yaml.SequenceNode && len(specs.Content) == 0 {
		return "", nil, fmt.Errorf("no specs")
	}
	if specs.Kind != yaml.SequenceNode {
		return "", nil, fmt.Errorf("line %d: specs: want a list of models", specs.Line)
	}
	entries := make([]sweepEntry, len(specs.Content))
	labels := map[string]int{}
	for i, node := range specs.Content {
		e := &entries[i]
		e.modelConfig = defaults
		if isMontecarloEntry(deref(node)) {
			e.Label, e.StudyPath, err = parseMontecarloEntry(deref(node))
		} else {
			err = applyModel(deref(node), &e.modelConfig, &e.Label)
		}
		if err != nil {
			return "", nil, fmt.Errorf("spec %d: %w", i+1, err)
		}
		if e.Label == "" {
			e.Label = fmt.Sprintf("spec %d", i+1)
		}
		if j, ok := labels[e.Label]; ok {
			return "", nil, fmt.Errorf("specs %d and %d both have the label %q; labels name the results and must differ", j+1, i+1, e.Label)
		}
		labels[e.Label] = i
	}
	return data, entries, nil
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

// applyModel sets the model options of a mapping, through the flags of
// 'thresher xthreg'; label, when not nil, receives the "label" key.
func applyModel(n *yaml.Node, m *modelConfig, label *string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping of model options", n.Line)
	}
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	m.register(fs)
	return eachKey(n, func(k, v *yaml.Node) error {
		key := k.Value
		f := fs.Lookup(strings.ReplaceAll(key, "_", "-"))
		if key == "label" && label != nil {
			f = &flag.Flag{Value: (*stringValue)(label)}
		}
		if f == nil || strings.Contains(key, "-") {
			return fmt.Errorf("line %d: unknown key %q (the keys are the flags of 'thresher xthreg' with _ for -, and label)", k.Line, key)
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
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
		return "", fmt.Errorf("no value")
	case v.Kind == yaml.ScalarNode:
		return v.Value, nil
	case v.Kind == yaml.SequenceNode && isList:
		items := make([]string, len(v.Content))
		for i, it := range v.Content {
			if it = deref(it); it.Kind != yaml.ScalarNode {
				return "", fmt.Errorf("item %d is not a single value", i+1)
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
	specPath := fs.String("spec", "", "sweep file (required)")
	dataPath := fs.String("data", "", "CSV file (default: the sweep file's data)")
	format := "text"
	fs.Var(choiceValue{&format, checkFormat}, "format", "output format: text or json")
	output := fs.String("output", "", "write the report to this file instead of stdout")
	var lf localFlags
	lf.register(fs)
	maxData := registerMaxDataset(fs)
	var remote remoteFlags
	remote.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *specPath == "" {
		return fmt.Errorf("%w: --spec is required", errUsage)
	}
	if err := checkOutput(*output); err != nil {
		return err
	}
	raw, err := ctxio.ReadFile(ctx, *specPath)
	if err != nil {
		return err
	}
	file, entries, err := parseSweep(raw)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errUsage, *specPath, err)
	}
	if *dataPath == "" {
		*dataPath = sweepDataPath(*specPath, file)
	}
	studiesOnly := !slices.ContainsFunc(entries, func(e sweepEntry) bool { return e.StudyPath == "" })
	if *dataPath == "" && !studiesOnly {
		return fmt.Errorf("%w: no data: set --data or 'data:' in the sweep file", errUsage)
	}
	if err := checkOutput(*output, *specPath, *dataPath); err != nil {
		return err
	}
	data := placeholderData
	if *dataPath != "" {
		if data, err = readData(ctx, *dataPath, *maxData); err != nil {
			return err
		}
	}
	specs := make([]*pb.Specification, len(entries))
	for i, e := range entries {
		if e.StudyPath != "" {
			if specs[i], err = montecarloSpecification(ctx, sweepDataPath(*specPath, e.StudyPath), e.Label); err != nil {
				return fmt.Errorf("spec %d (%s): %w", i+1, e.Label, err)
			}
			continue
		}
		if err := e.spec(); err != nil {
			return fmt.Errorf("spec %d (%s): %w", i+1, e.Label, err)
		}
		specs[i] = e.specification(e.Label)
	}
	results, err := runJob(ctx, &remote, lf, data, specs, newProgressLog(stderr))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == "json" {
		type labelled struct {
			Label  string          `json:"label"`
			Result json.RawMessage `json:"result"`
		}
		var out struct {
			Results []labelled `json:"results"`
		}
		for i, r := range results {
			out.Results = append(out.Results, labelled{entries[i].Label, r})
		}
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		registry := kinds.Builtin()
		for i, r := range results {
			fmt.Fprintf(&buf, "=== %s ===\n", entries[i].Label)
			kind, err := registry.Kind(specs[i].Kind)
			if err != nil {
				return err
			}
			if err := kind.WriteText(&buf, r); err != nil {
				return err
			}
			buf.WriteByte('\n')
		}
	}
	return writeOutput(ctx, *output, stdout, buf.Bytes())
}

// sweepDataPath resolves a sweep file's data path: a relative one is
// relative to the sweep file's directory.
func sweepDataPath(specPath, data string) string {
	if data == "" || filepath.IsAbs(data) {
		return data
	}
	return filepath.Join(filepath.Dir(specPath), data)
}
