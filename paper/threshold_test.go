package paper

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/simulate"
	"github.com/thresher/thresher/estimators/threshold"
)

func TestPrepareThresholds(t *testing.T) {
	spec := testSpec()
	m, err := PrepareThresholds(dataset(t, spec), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Specs) != 3 {
		t.Fatalf("%d models", len(m.Specs))
	}
	for i, s := range m.Specs {
		if s.Qx != spec.Threshold.Variables[i] || !slices.Equal(s.Rx, []string{"lndig"}) || s.Depvar != "lncie" ||
			!slices.Equal(s.Indep, append(slices.Clone(spec.Controls), "i.year")) || !s.KeepDraws ||
			s.Thresholds != 3 || !slices.Equal(s.Reps, []int{49, 49, 49}) || s.Grid.Points != 60 {
			t.Errorf("model %d: %+v", i, s)
		}
	}
	for i, s := range m.Specs {
		if s.VCE != threshold.Conventional {
			t.Errorf("model %d: vce %v, want the default conventional", i, s.VCE)
		}
	}
	// threshold.vce chooses the test; the notes say which.
	robust := spec
	robust.Threshold.VCE = "cluster"
	rm, err := PrepareThresholds(dataset(t, robust), robust)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range rm.Specs {
		if s.VCE != threshold.Cluster {
			t.Errorf("model %d: vce %v, want cluster", i, s.VCE)
		}
	}
	if note := thresholdNotes(robust, nil)[1]; !strings.Contains(note, "(49 replications; wild cluster bootstrap robust to heteroskedasticity, vce cluster,") {
		t.Errorf("notes do not name the robust test: %q", note)
	}
	if note := thresholdNotes(spec, nil)[1]; strings.Contains(note, "robust") {
		t.Errorf("notes of the conventional test name a robust one: %q", note)
	}

	// Controls that already hold the period effects are an error.
	spec.Controls = append(spec.Controls, "i.year")
	if _, err := PrepareThresholds(dataset(t, spec), spec); !errors.Is(err, ErrSpec) ||
		!strings.Contains(err.Error(), "paper: invalid paper specification: the controls include i.year, which period effects add") {
		t.Errorf("i.year among the controls: %v", err)
	}
}

// TestPrepareThresholdsWithLags checks that lags move the base period:
// with L.lnpgdp the first year has no rows, 2009 is the base, and the
// models are identified (no dummy for every remaining year).
func TestPrepareThresholdsWithLags(t *testing.T) {
	spec := testSpec()
	spec.Controls = []string{"L.lnpgdp", "lnopen"}
	m, err := PrepareThresholds(dataset(t, spec), spec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := threshold.Prepare(m.Table, m.Specs[0])
	if err != nil {
		t.Fatal(err)
	}
	est, err := p.PointEstimates(threshold.Fast)
	if err != nil {
		t.Fatalf("lagged control: %v", err)
	}
	res, err := p.AssemblePoint(est)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Coefficients {
		names = append(names, c.Name)
	}
	if len(names) < 14 || names[2] != "2010.year" || names[12] != "2020.year" || names[13] != "lndig" {
		t.Errorf("coefficients %q, want the controls and 2010.year to 2020.year", names)
	}
}

// TestTable6FindsTheThreshold runs the threshold models on the simulated
// panel, whose slope of lndig changes at lndig = 5.5.
func TestTable6FindsTheThreshold(t *testing.T) {
	spec := testSpec()
	m, err := PrepareThresholds(dataset(t, spec), spec)
	if err != nil {
		t.Fatal(err)
	}
	results, err := EstimateThresholds(m, threshold.Options{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(results) // Table6 takes the results in any order
	t6, err := Table6(results, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(t6.Models) != 3 || t6.Models[0].Qx != "lndig" {
		t.Fatalf("models %+v", t6.Models)
	}
	dig := t6.Models[0]
	truth := simulate.ProvinceParameters()
	if dig.Chosen < 1 || dig.Tests[0].P >= 0.05 || !slices.ContainsFunc(dig.Thresholds, func(iv threshold.Interval) bool {
		return math.Abs(iv.Threshold-truth.Threshold) < 0.1 && iv.Lower <= iv.Threshold && iv.Threshold <= iv.Upper
	}) {
		t.Errorf("lndig: %d thresholds %+v, tests %+v", dig.Chosen, dig.Thresholds, dig.Tests)
	}
	if len(dig.Regimes) != dig.Chosen+1 || dig.R2Within == nil || dig.N != 390 || dig.Units != 30 {
		t.Errorf("lndig: regimes %+v", dig.Regimes)
	}
	// Above the threshold the slope is less negative.
	if first, last := dig.Regimes[0], dig.Regimes[len(dig.Regimes)-1]; !(first.Estimate < last.Estimate) || first.P > 0.01 {
		t.Errorf("lndig: slopes %+v", dig.Regimes)
	}
	for _, r := range results {
		if d := r.Stages[0].Bootstrap.Draws; len(d) != 49 {
			t.Errorf("%s: %d draws kept", r.Model.Qx, len(d))
		}
	}
}

// fakeResult builds a threshold result of qx whose stage k has bootstrap
// p-value p[k-1]: thresholds 1, 2, 3 added in stages 1, 2, 3 and slopes
// -0.1, -0.2, ... by regime.
func fakeResult(qx string, p ...float64) *threshold.Result {
	r := &threshold.Result{NUnits: 30, NObsUsed: 390, Model: threshold.Model{Depvar: "lncie", Rx: []string{"lndig"}, Qx: qx}}
	for k := 1; k <= len(p); k++ {
		st := threshold.StageResult{K: k, FStat: 10, R2Within: 0.5 + 0.1*float64(k),
			Bootstrap: &threshold.BootstrapSummary{Reps: 100, PValue: p[k-1], Crit10: 1, Crit5: 2, Crit1: 3}}
		for j := 1; j <= k; j++ {
			st.Thresholds = append(st.Thresholds, float64(j))
		}
		st.Intervals = []threshold.Interval{{Threshold: float64(k), Lower: float64(k) - 0.1, Upper: float64(k) + 0.1}}
		if k == 2 {
			st.Intervals = append(st.Intervals, threshold.Interval{Threshold: 1, Lower: 0.8, Upper: 1.2})
		}
		for reg := 0; reg <= k; reg++ {
			st.Regimes = append(st.Regimes, fmt.Sprintf("regime %d", reg))
			st.Coefficients = append(st.Coefficients, threshold.Coefficient{Name: "lndig", Regime: &reg,
				Estimate: -0.1 * float64(reg+1), SECluster: 0.05})
		}
		st.Coefficients = append(st.Coefficients, threshold.Coefficient{Name: "lnpgdp", Estimate: 1, SECluster: 1})
		r.Stages = append(r.Stages, st)
	}
	return r
}

func TestTable6Selection(t *testing.T) {
	spec := testSpec()
	spec.Threshold.Variables = []string{"lndig"}
	cases := []struct {
		p      []float64
		chosen int
	}{
		{[]float64{0.01, 0.2, 0.01}, 1},
		{[]float64{0.2, 0.01, 0.01}, 0},
		{[]float64{0.01, 0.01, 0.04}, 3},
		{[]float64{0.05}, 0},
		{[]float64{0.049, 0.01}, 2},
	}
	for _, c := range cases {
		t6, err := Table6([]*threshold.Result{fakeResult("lndig", c.p...)}, spec)
		if err != nil {
			t.Fatal(err)
		}
		m := t6.Models[0]
		if m.Chosen != c.chosen || len(m.Tests) != len(c.p) || len(m.Thresholds) != c.chosen {
			t.Errorf("p %v: chose %d with thresholds %+v, want %d", c.p, m.Chosen, m.Thresholds, c.chosen)
			continue
		}
		if c.chosen == 0 {
			if len(m.Regimes) != 0 || m.R2Within != nil {
				t.Errorf("p %v: regimes %+v without a threshold", c.p, m.Regimes)
			}
			continue
		}
		for j, iv := range m.Thresholds {
			if iv.Threshold != float64(j+1) || iv.Upper-iv.Lower < 0.19 {
				t.Errorf("p %v: threshold %d is %+v", c.p, j+1, iv)
			}
		}
		// t = -0.1 (regime+1) / 0.05 with 29 degrees of freedom: regime 1 has
		// t = -2, two-sided p = 0.0549436371 (numerical integration of the density).
		if len(m.Regimes) != c.chosen+1 || m.Regimes[0].Estimate != -0.1 || math.Abs(m.Regimes[0].P-0.0549436371) > 1e-9 ||
			*m.R2Within != 0.5+0.1*float64(c.chosen) {
			t.Errorf("p %v: regimes %+v", c.p, m.Regimes)
		}
	}
}

func TestTable6Errors(t *testing.T) {
	spec := testSpec()
	noBootstrap := fakeResult("lntec", 0.01)
	noBootstrap.Stages[0].Bootstrap = nil
	zeroSE := fakeResult("lntec", 0.01)
	zeroSE.Stages[0].Coefficients[0].SECluster = 0
	other := fakeResult("lnpgdp", 0.01)
	cases := []struct {
		name    string
		results []*threshold.Result
		want    string
	}{
		{"missing variable", []*threshold.Result{fakeResult("lndig", 0.01), fakeResult("lnind", 0.01)}, "no result for the threshold variable lntec"},
		{"twice", []*threshold.Result{fakeResult("lndig", 0.01), fakeResult("lndig", 0.01)}, "given twice"},
		{"unknown variable", []*threshold.Result{other}, "threshold variable lnpgdp"},
		{"no bootstrap", []*threshold.Result{fakeResult("lndig", 0.01), fakeResult("lnind", 0.01), noBootstrap}, "stage 1 has no bootstrap"},
		{"zero SE", []*threshold.Result{fakeResult("lndig", 0.01), fakeResult("lnind", 0.01), zeroSE}, "standard error of lndig in regime 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Table6(c.results, spec)
			if !errors.Is(err, ErrResults) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want ErrResults mentioning %q", err, c.want)
			}
		})
	}
}
