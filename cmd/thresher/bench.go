package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/simulate"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/outfile"
)

const benchSynopsis = `Runs a named scenario with the fast and the reference kernel in this process
and prints, as JSON, each one's wall time, their ratio and whether their
outputs agree (same thresholds and intervals, SSRs, F and LR within 1e-9
relative, every bootstrap statistic within 1e-9, same p-values and critical
values when the reference ran every replication).

Scenarios:
  hansen-grid400  Hansen data, hansen convention, 3 thresholds, grid 400, B = 300 per stage
  hansen-exact    the same with --grid all (every distinct value), B = 1,000 per stage
  large           synthetic 20,000 units x 10 periods, 2 regime-dependent regressors,
                  xthreg convention, 2 thresholds, grid 400, B = 100 per stage
  xthenreg-hansen the dynamic model of the README's xthenreg example on Hansen's data
                  (grid 100, 221 instruments): linearity test with B = 1,000 on the
                  fast path, the first 20 replications on the reference path, and
                  2 replications of the full bootstrap on both of its paths
  montecarlo      a Monte Carlo study of 500 replications x 4 estimators (n = 100,
                  T = 10, grid 100, B = 300) as one montecarlo job, against the same
                  estimations as separately submitted xthreg jobs (the first
                  --jobs-reps replications, extrapolated, --jobs-in-flight at a time) on
                  one in-process cluster with a worker per CPU

The reference kernel fits one regression per candidate and would take hours
on the larger scenarios; --reference-reps runs only the first R replications
of each stage with it, compares them one by one and extrapolates its time.
Run with GOMAXPROCS=1 to measure one core.`

type benchScenario struct {
	name          string
	table         func(hansenCSV string) (*panel.Table, error)
	spec          threshold.Spec
	referenceReps int // replications per stage the reference runs by default; -1: all
}

func hansenTable(path string) (*panel.Table, error) { return panel.ReadCSVFile(path) }

func benchScenarios() []benchScenario {
	hansen := threshold.Spec{Convention: threshold.Hansen, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"}, Rx: []string{"L.c"}, Qx: "L.d",
		Thresholds: 3, Grid: threshold.Grid{Points: 400}, Trim: []float64{0.01, 0.01, 0.05}, Reps: []int{300}, Seed: 1}
	exact := hansen
	exact.Grid, exact.Reps = threshold.Grid{}, []int{1000}
	large := threshold.Spec{Convention: threshold.Xthreg, ID: "id", Time: "t", Depvar: "y", Indep: []string{"z1", "z2"},
		Rx: []string{"x1", "x2"}, Qx: "q", Thresholds: 2, Grid: threshold.Grid{Points: 400},
		Trim: []float64{0.01}, Reps: []int{100}, Seed: 1}
	return []benchScenario{
		{"hansen-grid400", hansenTable, hansen, -1},
		{"hansen-exact", hansenTable, exact, 2},
		{"large", func(string) (*panel.Table, error) {
			return panel.ReadCSV(bytes.NewReader(simulate.ThresholdPanel{Units: 20000, Periods: 10, Seed: 1}.CSV()))
		}, large, 1},
	}
}

// benchRun is the measurement of one kernel.
type benchRun struct {
	WallSeconds float64 `json:"wall_seconds"`
	// PointSeconds is the time of the point estimates (all stages, LR curves).
	PointSeconds float64 `json:"point_seconds"`
	// Replications run per stage; ExtrapolatedSeconds scales the bootstrap
	// time to the scenario's replications when fewer were run.
	Replications        []int   `json:"replications"`
	ExtrapolatedSeconds float64 `json:"extrapolated_seconds"`
	PeakRSSMB           float64 `json:"peak_rss_mb,omitempty"`
}

type benchAgreement struct {
	Thresholds        bool    `json:"thresholds"`
	Intervals         bool    `json:"intervals"`
	MaxSSRRelDiff     float64 `json:"max_ssr_rel_diff"`
	MaxFRelDiff       float64 `json:"max_f_rel_diff"`
	MaxLRDiff         float64 `json:"max_lr_diff"`
	MaxBootRelDiff    float64 `json:"max_bootstrap_rel_diff"`
	BootstrapCompared []int   `json:"bootstrap_compared"`
	PValuesAndCrits   *bool   `json:"p_values_and_crits_identical"`
	Agree             bool    `json:"agree"`
}

type benchReport struct {
	Scenario   string         `json:"scenario"`
	Machine    map[string]any `json:"machine"`
	Candidates int            `json:"candidates"`
	Reps       []int          `json:"reps_per_stage"`
	Fast       benchRun       `json:"fast"`
	Reference  benchRun       `json:"reference"`
	// Ratio is the reference's (extrapolated) time over the fast kernel's.
	Ratio     float64        `json:"ratio"`
	Agreement benchAgreement `json:"agreement"`
}

// scenarioReps, the default of --reference-reps, keeps the scenario's
// replications.
const scenarioReps = -2

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", benchSynopsis, stderr)
	name := fs.String("scenario", "hansen-grid400", "scenario: hansen-grid400, hansen-exact, large, "+xthenregScenario+" or "+montecarloScenario)
	data := fs.String("hansen-data", "testdata/hansen1999/invest.csv", "Hansen's invest.csv")
	refReps := scenarioReps
	fs.Var(intValue{&refReps, scenarioReps, threshold.MaxReps}, "reference-reps", fmt.Sprintf("bootstrap replications per stage for the reference kernel, 0..%d; -1: all; -2: the scenario's", threshold.MaxReps))
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the fast kernel's run to this file")
	jobReps, inFlight := 50, 1
	fs.Var(intValue{&jobReps, 1, 500}, "jobs-reps", "montecarlo: replications whose estimations run as separate jobs, 1..500")
	fs.Var(intValue{&inFlight, 1, 64}, "jobs-in-flight", "montecarlo: separate jobs submitted at a time, 1..64 (1: a loop, one job after the other)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == montecarloScenario {
		return runBenchMontecarlo(ctx, jobReps, inFlight, stdout, stderr)
	}
	if *name == xthenregScenario {
		return runBenchXthenreg(ctx, *data, refReps, stdout, stderr)
	}
	i := slices.IndexFunc(benchScenarios(), func(s benchScenario) bool { return s.name == *name })
	if i < 0 {
		return fmt.Errorf("%w: unknown scenario %q", errUsage, *name)
	}
	sc := benchScenarios()[i]
	if refReps != scenarioReps {
		sc.referenceReps = refReps
	}
	if *cpuProfile != "" {
		if err := outfile.Check(*cpuProfile); err != nil {
			return fmt.Errorf("%w: --cpuprofile %v", errUsage, err)
		}
	}
	tab, err := sc.table(*data)
	if err != nil {
		return err
	}
	p, err := threshold.Prepare(tab, sc.spec)
	if err != nil {
		return err
	}
	spec := p.Spec()
	rep := benchReport{Scenario: sc.name, Machine: machine(), Reps: spec.Reps}

	fmt.Fprintf(stderr, "bench %s: fast kernel...\n", sc.name)
	var profile bytes.Buffer
	if *cpuProfile != "" {
		if err := pprof.StartCPUProfile(&profile); err != nil {
			return err
		}
	}
	fastRes, fastStats, fastRun, err := benchKernel(ctx, p, threshold.Fast, -1)
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		if err := outfile.Write(ctx, *cpuProfile, profile.Bytes(), outfile.Perm); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
	}
	fastRun.PeakRSSMB = peakRSSMB()
	rep.Fast = fastRun
	rep.Candidates = fastRes.Model.Candidates
	fmt.Fprintf(stderr, "bench %s: fast %.3f s; reference kernel...\n", sc.name, fastRun.WallSeconds)
	refRes, refStats, refRun, err := benchKernel(ctx, p, threshold.Reference, sc.referenceReps)
	if err != nil {
		return err
	}
	rep.Reference = refRun
	rep.Ratio = refRun.ExtrapolatedSeconds / fastRun.WallSeconds
	rep.Agreement = compareResults(fastRes, refRes, fastStats, refStats)
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(out, '\n'))
	return err
}

// benchKernel estimates with one kernel, running reps replications per
// stage (-1: all), and times it.
func benchKernel(ctx context.Context, p *threshold.Problem, alg threshold.Algorithm, reps int) (*threshold.Result, [][]float64, benchRun, error) {
	spec := p.Spec()
	opts := threshold.Options{Algorithm: alg}
	start := time.Now()
	est, err := p.PointEstimates(alg)
	if err != nil {
		return nil, nil, benchRun{}, err
	}
	run := benchRun{PointSeconds: time.Since(start).Seconds()}
	stats := make([][]float64, len(est.Stages))
	extrapolated := run.PointSeconds
	for k, st := range est.Stages {
		n := spec.Reps[k]
		if reps >= 0 {
			n = min(n, reps)
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, run, err
		}
		t0 := time.Now()
		if stats[k], err = p.BootstrapParallel(opts, st.Setup(), 0, n); err != nil {
			return nil, nil, run, err
		}
		if n > 0 {
			extrapolated += time.Since(t0).Seconds() * float64(spec.Reps[k]) / float64(n)
		}
		run.Replications = append(run.Replications, n)
	}
	run.WallSeconds = time.Since(start).Seconds()
	run.ExtrapolatedSeconds = extrapolated
	full := true
	for k := range stats {
		full = full && len(stats[k]) == spec.Reps[k]
	}
	var res *threshold.Result
	if full {
		res, err = p.Assemble(est, stats)
	} else {
		res, err = p.AssemblePoint(est)
	}
	return res, stats, run, err
}

func relDiff(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func compareResults(f, r *threshold.Result, fs, rs [][]float64) benchAgreement {
	a := benchAgreement{Thresholds: true, Intervals: true}
	tol := 1e-9
	a.MaxSSRRelDiff = relDiffScaled(f.LinearRSS, r.LinearRSS)
	for k := range f.Stages {
		fsr, rsr := f.Stages[k], r.Stages[k]
		a.Thresholds = a.Thresholds && slices.Equal(fsr.Thresholds, rsr.Thresholds)
		a.Intervals = a.Intervals && reflect.DeepEqual(fsr.Intervals, rsr.Intervals)
		a.MaxSSRRelDiff = math.Max(a.MaxSSRRelDiff, math.Max(relDiffScaled(fsr.RSS, rsr.RSS), relDiffScaled(fsr.NullRSS, rsr.NullRSS)))
		a.MaxFRelDiff = math.Max(a.MaxFRelDiff, relDiff(fsr.FStat, rsr.FStat))
		for c := range fsr.LRCurves {
			fp, rp := fsr.LRCurves[c].Points, rsr.LRCurves[c].Points
			if len(fp) != len(rp) {
				a.MaxLRDiff = math.Inf(1)
				continue
			}
			for j := range fp {
				if fp[j][0] != rp[j][0] {
					a.MaxLRDiff = math.Inf(1)
				}
				a.MaxLRDiff = math.Max(a.MaxLRDiff, relDiff(fp[j][1], rp[j][1]))
			}
		}
		n := min(len(fs[k]), len(rs[k]))
		a.BootstrapCompared = append(a.BootstrapCompared, n)
		for i := 0; i < n; i++ {
			a.MaxBootRelDiff = math.Max(a.MaxBootRelDiff, relDiff(fs[k][i], rs[k][i]))
		}
	}
	a.Agree = a.Thresholds && a.Intervals && a.MaxSSRRelDiff <= tol && a.MaxFRelDiff <= tol && a.MaxLRDiff <= tol && a.MaxBootRelDiff <= tol
	if r.Stages[0].Bootstrap != nil {
		same := true
		for k := range f.Stages {
			same = same && equalSummary(f.Stages[k].Bootstrap, r.Stages[k].Bootstrap)
		}
		a.PValuesAndCrits = &same
		a.Agree = a.Agree && same
	}
	return a
}

func relDiffScaled(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b)) }

func equalSummary(a, b *threshold.BootstrapSummary) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Reps == b.Reps && a.PValue == b.PValue && relDiff(a.Crit10, b.Crit10) <= 1e-9 &&
		relDiff(a.Crit5, b.Crit5) <= 1e-9 && relDiff(a.Crit1, b.Crit1) <= 1e-9
}

// machine describes the host for the report.
func machine() map[string]any {
	m := map[string]any{"goos": runtime.GOOS, "goarch": runtime.GOARCH, "cpus": runtime.NumCPU(),
		"gomaxprocs": runtime.GOMAXPROCS(0), "go": runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// peakRSSMB returns the process's peak resident set size (Linux VmHWM), or 0.
func peakRSSMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb / 1024
		}
	}
	return 0
}
