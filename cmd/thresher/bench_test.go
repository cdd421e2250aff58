package main

import (
	"encoding/json"
	"testing"

	"github.com/thresher/thresher/estimators/threshold"
)

// benchResult is a one-stage result with a bootstrap, for compareResults.
func benchResult() (*threshold.Result, [][]float64) {
	return &threshold.Result{LinearRSS: 17.861099, Stages: []threshold.StageResult{{
		Thresholds: []float64{0.0154}, RSS: 17.781837, NullRSS: 17.861099, FStat: 35.1964,
		Bootstrap: &threshold.BootstrapSummary{Reps: 3, PValue: 0.3333, Crit10: 12, Crit5: 14, Crit1: 22},
		Intervals: []threshold.Interval{{Threshold: 0.0154, Lower: 0.0141, Upper: 0.0167}},
		LRCurves:  []threshold.LRCurve{{Threshold: 0.0154, Points: [][2]float64{{0.01, 3.5}, {0.0154, 0}}}},
	}}}, [][]float64{{12.5, 40.1, 3.2}}
}

// TestCompareResults checks the agreement report of thresher bench: the
// tolerances of issue "fast kernel" (same thresholds and intervals, SSRs,
// F, LR and every bootstrap statistic within 1e-9, same p-values and
// critical values), each differing part reported on its own.
func TestCompareResults(t *testing.T) {
	cases := []struct {
		name   string
		change func(*threshold.Result, [][]float64)
		check  func(benchAgreement) bool
	}{
		{"identical", func(*threshold.Result, [][]float64) {}, func(a benchAgreement) bool { return a.Agree && *a.PValuesAndCrits }},
		{"rounding", func(r *threshold.Result, s [][]float64) { r.Stages[0].FStat *= 1 + 1e-12; s[0][1] *= 1 + 1e-12 },
			func(a benchAgreement) bool { return a.Agree }},
		{"threshold", func(r *threshold.Result, _ [][]float64) { r.Stages[0].Thresholds[0] = 0.0155 },
			func(a benchAgreement) bool { return !a.Agree && !a.Thresholds && a.Intervals }},
		{"interval", func(r *threshold.Result, _ [][]float64) { r.Stages[0].Intervals[0].Upper = 0.0168 },
			func(a benchAgreement) bool { return !a.Agree && a.Thresholds && !a.Intervals }},
		{"ssr", func(r *threshold.Result, _ [][]float64) { r.Stages[0].RSS *= 1 + 1e-8 },
			func(a benchAgreement) bool { return !a.Agree && a.MaxSSRRelDiff > 1e-9 }},
		{"F", func(r *threshold.Result, _ [][]float64) { r.Stages[0].FStat += 1e-6 },
			func(a benchAgreement) bool { return !a.Agree && a.MaxFRelDiff > 1e-9 }},
		{"LR grid", func(r *threshold.Result, _ [][]float64) { r.Stages[0].LRCurves[0].Points[0][0] = 0.011 },
			func(a benchAgreement) bool { return !a.Agree && a.MaxLRDiff > 1 }},
		{"bootstrap draw", func(_ *threshold.Result, s [][]float64) { s[0][2] += 1e-7 },
			func(a benchAgreement) bool { return !a.Agree && a.MaxBootRelDiff > 1e-9 && *a.PValuesAndCrits }},
		{"p-value", func(r *threshold.Result, _ [][]float64) { r.Stages[0].Bootstrap.PValue = 0.6667 },
			func(a benchAgreement) bool { return !a.Agree && !*a.PValuesAndCrits }},
	}
	for _, c := range cases {
		fast, fastStats := benchResult()
		ref, refStats := benchResult()
		c.change(ref, refStats)
		if a := compareResults(fast, ref, fastStats, refStats); !c.check(a) {
			t.Errorf("%s: %+v", c.name, a)
		}
	}
}

// TestBenchXthenreg runs the xthenreg-hansen scenario with two reference
// replications: the report states both paths' times and their agreement,
// for the fast and for the full bootstrap.
func TestBenchXthenreg(t *testing.T) {
	if testing.Short() {
		t.Skip("about 20 s")
	}
	code, out, stderr := runCLI(t, "bench", "--scenario", "xthenreg-hansen", "--hansen-data", investCSV, "--reference-reps", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep xthenregBenchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Agree || rep.ReferenceReps != 2 || rep.Reps != 1000 || rep.Instruments != 221 || !(rep.FastPerRepMS > 0) || !(rep.ReferencePerRepMS > 0) ||
		rep.FullReps != 2 || !(rep.FullPerRepMS > 0) || !(rep.FullRefPerRepMS > 0) {
		t.Errorf("report %+v", rep)
	}
}
