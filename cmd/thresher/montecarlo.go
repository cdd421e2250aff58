package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/thresher/thresher/estimators/dgp"
	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/internal/ctxio"
	"github.com/thresher/thresher/internal/outfile"
	"github.com/thresher/thresher/plots"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

const montecarloSynopsis = `Runs a Monte Carlo study of the threshold tests and estimates as one job:
every replication draws its panel from the designs inside a worker and runs
every estimator on it, bootstrap included; the summary reports rejection
rates with Monte Carlo standard errors, the distributions of F and of the
bootstrap critical values, coverage, bias and error of the estimates and the
numbers of thresholds selected (docs/montecarlo.md). The study file (YAML or
JSON) is read strictly:

  replications: 1000
  seed: 1
  designs:
    - {family: threshold, n: 100, t: 10, regime_dependent: [{name: x}],
       thresholds: [0.5], slopes: [[1]], effect: [0, 0.2, 0.4]}
  estimators:
    - {convention: xthreg, grid: 100, bs: 300}
    - {convention: hansen, grid: 100, bs: 300}

A "resample" design reads the CSV named by the key data (relative to the
study file) or --data; other studies need no data.

--format json writes the summary; --out DIR writes summary.json, .txt, .md,
.tex and the figures (p-value QQ plots, power curves) into DIR.`

// studyFile is a study file: a study and, for resample designs, its data.
type studyFile struct {
	data  string
	study *montecarlo.Study
}

// parseStudy reads a study file: YAML (JSON is YAML) turned into the
// study's JSON and decoded strictly, after taking out the key data.
func parseStudy(raw []byte) (studyFile, error) {
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return studyFile{}, err
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return studyFile{}, fmt.Errorf("want a mapping with the keys replications, seed, designs, estimators (and data)")
	}
	var f studyFile
	if d, ok := m["data"]; ok {
		s, ok := d.(string)
		if !ok {
			return f, fmt.Errorf("data: want a file name")
		}
		f.data = s
		delete(m, "data")
	}
	if err := checkFinite(m, ""); err != nil {
		return f, err
	}
	m["version"] = montecarlo.StudyVersion
	j, err := json.Marshal(m)
	if err != nil {
		return f, err
	}
	f.study, err = montecarlo.DecodeStudy(j)
	return f, err
}

// checkFinite refuses a NaN or infinite number anywhere in a decoded YAML
// value, naming its key path (JSON, which carries the study, has neither).
func checkFinite(v any, path string) error {
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: %v is not a finite number", path, v)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if err := checkFinite(v[k], strings.TrimPrefix(path+"."+k, ".")); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range v {
			if err := checkFinite(x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func runMontecarlo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("montecarlo", montecarloSynopsis, stderr)
	var f jobFileFlags
	f.register(fs, "study file", "CSV file of resample designs (default: the study file's data)", "text, json, markdown or latex", checkReportFormat)
	out := fs.String("out", "", "write the summary in every format and the figures into this directory (created if missing; its parent must exist)")
	if err := f.parse(fs, args); err != nil {
		return err
	}
	if *out != "" {
		if err := checkStudyDir(*out); err != nil {
			return err
		}
	}
	raw, err := ctxio.ReadFile(ctx, f.spec)
	if err != nil {
		return err
	}
	file, err := parseStudy(raw)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errUsage, f.spec, err)
	}
	if err := f.resolveData(file.data); err != nil {
		return err
	}
	if f.data == "" && slices.ContainsFunc(file.study.Designs, func(d dgp.Design) bool { return d.Family == dgp.FamilyResample }) {
		return fmt.Errorf("%w: a resample design needs the user's data: set data in the study file or --data", errUsage)
	}
	progress := newProgressLog(stderr)
	progress.replications = file.study.Replications * file.designs()
	_, results, err := f.run(ctx, []*pb.Specification{{Kind: montecarlo.KindName, Spec: file.study.Encode()}}, progress)
	if err != nil {
		return err
	}
	summary, err := montecarlo.DecodeSummary(results[0])
	if err != nil {
		return err
	}
	failed := reportFailures(stderr, summary)
	if *out != "" {
		if err := writeStudy(ctx, *out, summary, results[0]); err != nil {
			return err
		}
	}
	report, err := studyReport(summary, results[0], f.format)
	if err != nil {
		return err
	}
	if *out != "" && f.output == "" && f.format == "text" {
		fmt.Fprintf(stderr, "thresher: wrote the summary and figures into %s\n", *out)
		return failed
	}
	if err := writeOutput(ctx, f.output, stdout, report); err != nil {
		return err
	}
	return failed
}

// reportFailures tells on stderr how many replications of each design and
// estimator failed and why the first did (the lines of the study's text
// report), and returns an error when every replication of a design failed
// with some estimator: its statistics are then all undefined.
func reportFailures(stderr io.Writer, s *montecarlo.Summary) error {
	var all []error
	for _, f := range s.Failures() {
		fmt.Fprintf(stderr, "thresher: %v\n", f)
		if f.All() {
			all = append(all, fmt.Errorf("design %d (%s), estimator %s: every replication failed; the first, %s",
				f.Design+1, f.Label, f.Estimator.Label, f.Estimator.FirstFailure))
		}
	}
	return errors.Join(all...)
}

// designs returns the number of designs after expanding the grids.
func (f studyFile) designs() int {
	n, err := f.study.DesignCount()
	if err != nil {
		return 0
	}
	return n
}

// checkReportFormat checks a --format value of 'thresher montecarlo'.
func checkReportFormat(s string) error {
	if s == "json" {
		return nil
	}
	if _, err := montecarlo.ParseFormat(s); err != nil {
		return fmt.Errorf("unknown report format %q (want text, json, markdown or latex)", s)
	}
	return nil
}

// studyReport renders a summary: its JSON, indented, or a table format.
func studyReport(s *montecarlo.Summary, raw []byte, format string) ([]byte, error) {
	var buf bytes.Buffer
	if format == "json" {
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			return nil, err
		}
		buf.WriteByte('\n')
		return buf.Bytes(), nil
	}
	f, err := montecarlo.ParseFormat(format)
	if err != nil {
		return nil, err
	}
	err = s.Write(&buf, f)
	return buf.Bytes(), err
}

// checkStudyDir checks --out before the study runs: an existing directory
// that accepts files, or a new one whose parent exists (as the file of
// xthreg --predict must be in an existing directory).
func checkStudyDir(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := outfile.Check(dir); err != nil {
			return fmt.Errorf("%w: --out %v", errUsage, err)
		}
		return nil
	}
	return checkOutDir("out", dir)
}

// writeStudy writes the summary in every format and its figures into dir.
func writeStudy(ctx context.Context, dir string, s *montecarlo.Summary, raw []byte) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, f := range []struct{ name, format string }{
		{"summary.json", "json"}, {"summary.txt", "text"}, {"summary.md", "markdown"}, {"summary.tex", "latex"},
	} {
		report, err := studyReport(s, raw, f.format)
		if err != nil {
			return err
		}
		if err := outfile.Write(ctx, filepath.Join(dir, f.name), report, outfile.Perm); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	figures, err := plots.Study(*s)
	if err != nil {
		return err
	}
	for _, fig := range figures {
		if err := plots.Save(ctx, fig.Figure, filepath.Join(dir, fig.Name+".png"), plots.Options{}); err != nil {
			return err
		}
	}
	return nil
}
