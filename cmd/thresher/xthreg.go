package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
)

// xthregConfig holds the flags of `thresher xthreg`.
type xthregConfig struct {
	data       string
	id, time   string
	depvar     string
	indep, rx  listFlag
	qx         string
	thnum      int
	grid       string
	trim       floatsFlag
	bs         intsFlag
	level      float64
	seed       uint64
	convention string
	residuals  string
	thresholds floatsFlag
	algorithm  string
	vce        string
	format     string
	output     string
	workers    int
}

const xthregSynopsis = `Estimates a Hansen (1999) fixed-effect panel threshold model and tests the
number of thresholds by bootstrap, with the options of Stata's xthreg:

  thresher xthreg --data F.csv --id firm --time year --depvar y \
      --indep 'x1,L.x2,L.q^2' --rx c --qx d --thnum 2 --bs 300

Variable lists accept Stata's lag operators (L.x, L2.x), powers (L.q^2),
products (L.q*L.d) and scaling by a number (L.q^2/100). The text report goes
to stdout (or --output), progress to stderr; --format json writes a stable
JSON document that is byte-identical across runs with the same seed.`

func (c *xthregConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", "", "CSV file with a header row (required)")
	fs.StringVar(&c.id, "id", "id", "column naming the unit (panel variable)")
	fs.StringVar(&c.time, "time", "year", "column holding the integer period")
	fs.StringVar(&c.depvar, "depvar", "", "dependent variable (required)")
	fs.Var(&c.indep, "indep", "regime-independent regressors, comma-separated (xthreg indepvars)")
	fs.Var(&c.rx, "rx", "regime-dependent regressors, comma-separated (required)")
	fs.StringVar(&c.qx, "qx", "", "threshold variable (required)")
	fs.IntVar(&c.thnum, "thnum", 1, "number of thresholds K >= 1")
	fs.StringVar(&c.grid, "grid", "all", `candidate grid: "all" (every distinct value inside the trim) or a number of points`)
	fs.Var(&c.trim, "trim", "trimming proportion per threshold, comma-separated (default 0.01 each)")
	fs.Var(&c.bs, "bs", "bootstrap replications per threshold, comma-separated; 0 skips a test (default 300 each)")
	fs.Float64Var(&c.level, "level", 95, "confidence level of the threshold intervals, in percent")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the bootstrap streams")
	fs.StringVar(&c.convention, "convention", "xthreg", "arithmetic to reproduce: xthreg (Stata) or hansen (Hansen's GAUSS code)")
	fs.StringVar(&c.residuals, "residuals", "null", "bootstrap residuals: null (Hansen's code) or alternative (paper text)")
	fs.Var(&c.thresholds, "thresholds", "fix the thresholds instead of searching (xthreg thgiven), in the order the stages add them")
	fs.StringVar(&c.algorithm, "algorithm", "fast", "kernel: fast (sorted sweep) or reference (one regression per candidate)")
	fs.StringVar(&c.vce, "vce", "conventional", "standard errors shown in the text report: conventional, robust or cluster")
	fs.StringVar(&c.format, "format", "text", "output format: text or json")
	fs.StringVar(&c.output, "output", "", "write the report to this file instead of stdout")
	fs.IntVar(&c.workers, "workers", 0, "goroutines for bootstrap replications (0: number of CPUs)")
}

// spec turns the flags into a model specification.
func (c *xthregConfig) spec() (threshold.Spec, error) {
	var s threshold.Spec
	var err error
	if c.data == "" {
		return s, fmt.Errorf("%w: --data is required", errUsage)
	}
	if s.Convention, err = threshold.ParseConvention(c.convention); err != nil {
		return s, fmt.Errorf("%w: %v", errUsage, err)
	}
	if s.Grid, err = threshold.ParseGrid(c.grid); err != nil {
		return s, fmt.Errorf("%w: %v", errUsage, err)
	}
	if s.Residuals, err = threshold.ParseResiduals(c.residuals); err != nil {
		return s, fmt.Errorf("%w: %v", errUsage, err)
	}
	s.ID, s.Time = c.id, c.time
	s.Depvar, s.Indep, s.Rx, s.Qx = c.depvar, c.indep, c.rx, c.qx
	s.Thresholds, s.Trim, s.Reps, s.Seed = c.thnum, c.trim, c.bs, c.seed
	s.Level = c.level
	if s.Level > 1 {
		s.Level /= 100
	}
	if len(c.thresholds) > 0 {
		s.Given = c.thresholds
	}
	return s, nil
}

func runXthreg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c xthregConfig
	fs := newFlagSet("xthreg", xthregSynopsis, stderr)
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	spec, err := c.spec()
	if err != nil {
		return err
	}
	alg, err := threshold.ParseAlgorithm(c.algorithm)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	vce, err := threshold.ParseVCE(c.vce)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if c.format != "text" && c.format != "json" {
		return fmt.Errorf("%w: --format must be text or json, not %q", errUsage, c.format)
	}
	table, err := panel.ReadCSVFile(c.data)
	if err != nil {
		return err
	}
	problem, err := threshold.Prepare(table, spec)
	if err != nil {
		return err
	}
	progress := newProgressLog(stderr, problem.Spec())
	res, err := problem.Estimate(threshold.Options{Algorithm: alg, Workers: c.workers, Progress: progress.replications})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if c.format == "json" {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else if err := res.WriteText(&buf, vce); err != nil {
		return err
	}
	return writeOutput(c.output, stdout, buf.Bytes())
}

// progressLog prints xthreg-style progress: one dot per 1% of a stage's
// replications.
type progressLog struct {
	w       io.Writer
	reps    []int
	printed map[int]int
}

func newProgressLog(w io.Writer, s threshold.Spec) *progressLog {
	return &progressLog{w: w, reps: s.Reps, printed: map[int]int{}}
}

func (p *progressLog) replications(stage, done, total int) {
	dots := 50 * done / total
	if p.printed[stage] == 0 && dots > 0 {
		fmt.Fprintf(p.w, "Bootstrap for the %s threshold model (%d replications)\n", strings.ToLower(threshold.StageName(stage)), total)
	}
	for ; p.printed[stage] < dots; p.printed[stage]++ {
		fmt.Fprint(p.w, ".")
	}
	if done == total {
		fmt.Fprintln(p.w, " Done")
	}
}
