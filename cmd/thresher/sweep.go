package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/thresher/thresher/estimators/threshold"
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

--format json writes {"results": [{"label": ..., "result": {...}}, ...]}, each
result exactly what 'thresher xthreg --format json' writes for that model.`

// sweepEntry is one model of a sweep file.
type sweepEntry struct {
	Label       string `yaml:"label"`
	modelConfig `yaml:",inline"`
}

// sweepFile is the layout of a sweep file, used to reject unknown keys.
type sweepFile struct {
	Data     string       `yaml:"data"`
	Defaults modelConfig  `yaml:"defaults"`
	Specs    []sweepEntry `yaml:"specs"`
}

// parseSweep reads a sweep file: every entry starts from the defaults.
func parseSweep(raw []byte) (string, []sweepEntry, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var strict sweepFile
	if err := dec.Decode(&strict); err != nil {
		return "", nil, fmt.Errorf("sweep file: %w", err)
	}
	var loose struct {
		Defaults yaml.Node   `yaml:"defaults"`
		Specs    []yaml.Node `yaml:"specs"`
	}
	if err := yaml.Unmarshal(raw, &loose); err != nil {
		return "", nil, fmt.Errorf("sweep file: %w", err)
	}
	defaults := defaultModel
	if !loose.Defaults.IsZero() {
		if err := loose.Defaults.Decode(&defaults); err != nil {
			return "", nil, fmt.Errorf("sweep file: defaults: %w", err)
		}
	}
	if len(loose.Specs) == 0 {
		return "", nil, fmt.Errorf("sweep file: no specs")
	}
	entries := make([]sweepEntry, len(loose.Specs))
	for i, node := range loose.Specs {
		entries[i] = sweepEntry{modelConfig: defaults}
		if err := node.Decode(&entries[i]); err != nil {
			return "", nil, fmt.Errorf("sweep file: spec %d: %w", i+1, err)
		}
		if entries[i].Label == "" {
			entries[i].Label = fmt.Sprintf("spec %d", i+1)
		}
	}
	return strict.Data, entries, nil
}

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep", sweepSynopsis, stderr)
	specPath := fs.String("spec", "", "sweep file (required)")
	dataPath := fs.String("data", "", "CSV file (default: the sweep file's data)")
	format := fs.String("format", "text", "output format: text or json")
	output := fs.String("output", "", "write the report to this file instead of stdout")
	workers := fs.Int("workers", 0, "workers of the in-process cluster (default: number of CPUs)")
	var remote remoteFlags
	remote.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *specPath == "" {
		return fmt.Errorf("%w: --spec is required", errUsage)
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("%w: --format must be text or json, not %q", errUsage, *format)
	}
	raw, err := os.ReadFile(*specPath)
	if err != nil {
		return err
	}
	file, entries, err := parseSweep(raw)
	if err != nil {
		return err
	}
	if *dataPath == "" {
		*dataPath = file
	}
	if *dataPath == "" {
		return fmt.Errorf("%w: no data: set --data or 'data:' in the sweep file", errUsage)
	}
	data, err := readData(*dataPath)
	if err != nil {
		return err
	}
	specs := make([]*pb.Specification, len(entries))
	for i, e := range entries {
		if err := e.spec(); err != nil {
			return fmt.Errorf("spec %d (%s): %w", i+1, e.Label, err)
		}
		specs[i] = e.specification(e.Label)
	}
	results, err := runJob(ctx, &remote, *workers, data, specs, newProgressLog(stderr))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if *format == "json" {
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
		for i, r := range results {
			fmt.Fprintf(&buf, "=== %s ===\n", entries[i].Label)
			if err := (threshold.Kind{}).WriteText(&buf, r); err != nil {
				return err
			}
			buf.WriteByte('\n')
		}
	}
	return writeOutput(*output, stdout, buf.Bytes())
}
