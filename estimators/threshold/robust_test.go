package threshold

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/panel"
)

// hetPanel writes a balanced panel with one threshold at q = 0.5 (slope 1
// below, 2 above) and errors of standard deviation sd(x); dummy makes x a
// 0/1 regressor.
func hetPanel(seed uint64, n, T int, sd func(x float64) float64, dummy bool) *panel.Table {
	rng := rand.New(rand.NewPCG(seed, 3))
	var b strings.Builder
	b.WriteString("id,t,y,x,q\n")
	for i := 0; i < n; i++ {
		mu := rng.NormFloat64()
		for t := 0; t < T; t++ {
			x, q := rng.NormFloat64(), rng.Float64()
			if dummy {
				x = float64(rng.IntN(2))
			}
			slope := 1.0
			if q > 0.5 {
				slope = 2
			}
			fmt.Fprintf(&b, "%d,%d,%.17g,%.17g,%.17g\n", i, t, mu+slope*x+sd(x)*rng.NormFloat64(), x, q)
		}
	}
	tab, err := panel.ReadCSV(strings.NewReader(b.String()))
	if err != nil {
		panic(err)
	}
	return tab
}

func homoskedastic(float64) float64 { return 1 }

// heteroskedastic has Var(e | x) = 0.25 + x^2, for which eta^2 tends to
// E[x^2 (0.25 + x^2)] / (E[x^2] E[0.25 + x^2]) = 3.25 / 1.25 = 2.6 with
// standard normal x independent of q.
func heteroskedastic(x float64) float64 { return math.Sqrt(0.25 + x*x) }

func hetSpec(conv Convention, vce VCE) Spec {
	return Spec{Convention: conv, ID: "id", Time: "t", Depvar: "y", Rx: []string{"x"}, Qx: "q",
		Thresholds: 1, Grid: Grid{Points: 50}, Trim: []float64{0.1}, Reps: []int{0}, VCE: vce}
}

// TestEta2 checks Hansen's (2000) scale against its limit under both error
// designs and conventions, against a direct solution of the normal
// equations of the two quadratic regressions, and the robust set against
// the scaled LR curve.
func TestEta2(t *testing.T) {
	for _, c := range []struct {
		name     string
		sd       func(float64) float64
		min, max float64
	}{
		{"homoskedastic", homoskedastic, 0.8, 1.25},
		{"heteroskedastic", heteroskedastic, 2, 3.3},
	} {
		for _, conv := range []Convention{Hansen, Xthreg} {
			t.Run(c.name+"/"+conv.String(), func(t *testing.T) {
				p, res := prepareAndEstimate(t, hetPanel(5, 300, 10, c.sd, false), hetSpec(conv, Cluster))
				in := res.Stages[0].Intervals[0]
				t.Logf("eta^2 = %v, set [%v, %v]", in.Eta2, in.Lower, in.Upper)
				if in.Eta2 < c.min || in.Eta2 > c.max {
					t.Errorf("eta^2 = %v, want it in [%v, %v]", in.Eta2, c.min, c.max)
				}
				if want := directEta2(t, p, res.Stages[0].Thresholds[0]); math.Abs(in.Eta2-want) > 1e-9*want {
					t.Errorf("eta^2 = %v, direct normal equations %v", in.Eta2, want)
				}
				crit := LRCritical(0.95)
				for _, pt := range res.Stages[0].LRCurves[0].Points {
					inside := pt[0] >= in.Lower && pt[0] <= in.Upper
					if pt[1]/in.Eta2 < crit && !inside {
						t.Errorf("candidate %v with LR/eta^2 = %v lies outside [%v, %v]", pt[0], pt[1]/in.Eta2, in.Lower, in.Upper)
					}
				}
			})
		}
	}
}

// directEta2 computes eta^2 of a single threshold g from the formula of
// docs/threshold-model.md §11.2 with its own residuals and by solving the
// normal equations of the regressions on [1, q, q^2] for the values at g.
func directEta2(t *testing.T, p *Problem, g float64) float64 {
	t.Helper()
	fit, err := p.fitAt(p.yT, []float64{g})
	if err != nil {
		t.Fatal(err)
	}
	delta := fit.Coef[len(fit.Coef)-1] // the cumulative form's slope change at g, with the sign flipped
	var xtx mat.Dense
	design := mat.NewDense(len(fit.Resid), 3, nil)
	r1 := mat.NewVecDense(len(fit.Resid), nil)
	r2 := mat.NewVecDense(len(fit.Resid), nil)
	for i := range p.units {
		lo, hi := p.tr.Block(i)
		llo, _ := p.tr.LevelBlock(i)
		for r := lo; r < hi; r++ {
			l := llo + r - lo
			d2 := p.x[0][l] * p.x[0][l] * delta * delta
			design.SetRow(r, []float64{1, p.q[l], p.q[l] * p.q[l]})
			r1.SetVec(r, d2)
			r2.SetVec(r, d2*fit.Resid[r]*fit.Resid[r])
		}
	}
	xtx.Mul(design.T(), design)
	at := func(v *mat.VecDense) float64 {
		var xty, coef mat.VecDense
		xty.MulVec(design.T(), v)
		if err := coef.SolveVec(&xtx, &xty); err != nil {
			t.Fatal(err)
		}
		return coef.AtVec(0) + coef.AtVec(1)*g + coef.AtVec(2)*g*g
	}
	return at(r2) / (at(r1) * fit.SSR / p.sigmaDF)
}

// TestHeteroskedasticityDiagnostic checks the statistic against N R^2 from
// the normal equations, that it rejects under regressor-dependent variance
// and not under constant variance, the report's line in both cases, the
// dummy regressor without its square, and that robust inference omits it.
func TestHeteroskedasticityDiagnostic(t *testing.T) {
	cases := []struct {
		name    string
		tab     *panel.Table
		df      int
		rejects bool
		line    string
	}{
		{"homoskedastic", hetPanel(9, 100, 10, homoskedastic, false), 2, false,
			"Heteroskedasticity (Koenker-Breusch-Pagan on x, x^2): chi2(2) = "},
		{"heteroskedastic", hetPanel(9, 100, 10, heteroskedastic, false), 2, true,
			"; the test and the intervals assume homoskedastic errors: rerun with --vce cluster"},
		{"dummy", hetPanel(9, 100, 10, func(x float64) float64 { return 1 + 2*x }, true), 1, true,
			"Heteroskedasticity (Koenker-Breusch-Pagan on x): chi2(1) = "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, res := prepareAndEstimate(t, c.tab, hetSpec(Xthreg, Conventional))
			h := res.Heteroskedasticity
			if h == nil || h.DF != c.df || h.Rejects() != c.rejects {
				t.Fatalf("test %+v, want df %d and rejects %v", h, c.df, c.rejects)
			}
			if want := directNR2(t, p, res.Stages[0].Thresholds, c.df); math.Abs(h.Statistic-want) > 1e-8*want {
				t.Errorf("statistic %v, N R^2 %v", h.Statistic, want)
			}
			if line := h.Line(); !strings.Contains(line, c.line) || strings.Contains(line, "--vce") != c.rejects {
				t.Errorf("line %q, want %q and advice only when it rejects", line, c.line)
			}
			var text strings.Builder
			if err := res.WriteText(&text, Conventional); err != nil || !strings.Contains(text.String(), h.Line()) {
				t.Errorf("report lacks the line %q: %v\n%s", h.Line(), err, text.String())
			}
		})
	}
	p, err := Prepare(cases[1].tab, hetSpec(Xthreg, Robust))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Estimate(Options{}); err != nil || res.Heteroskedasticity != nil {
		t.Errorf("robust inference: test %+v, error %v; want none", res.Heteroskedasticity, err)
	}
}

// directNR2 computes N R^2 of the squared within residuals on [1, x, x^2]
// (the first df+1 columns) by the normal equations.
func directNR2(t *testing.T, p *Problem, thresholds []float64, df int) float64 {
	t.Helper()
	fit, err := p.fitAt(p.yT, thresholds)
	if err != nil {
		t.Fatal(err)
	}
	n := len(fit.Resid)
	design := mat.NewDense(n, df+1, nil)
	e2 := mat.NewVecDense(n, nil)
	mean := 0.0
	for i := range p.units {
		lo, hi := p.tr.Block(i)
		llo, _ := p.tr.LevelBlock(i)
		for r := lo; r < hi; r++ {
			x := p.x[0][llo+r-lo]
			design.SetRow(r, []float64{1, x, x * x}[:df+1])
			e2.SetVec(r, fit.Resid[r]*fit.Resid[r])
			mean += fit.Resid[r] * fit.Resid[r] / float64(n)
		}
	}
	var xtx mat.Dense
	var xty, coef, fitted mat.VecDense
	xtx.Mul(design.T(), design)
	xty.MulVec(design.T(), e2)
	if err := coef.SolveVec(&xtx, &xty); err != nil {
		t.Fatal(err)
	}
	fitted.MulVec(design, &coef)
	var ssr, tss float64
	for r := 0; r < n; r++ {
		ssr += (e2.AtVec(r) - fitted.AtVec(r)) * (e2.AtVec(r) - fitted.AtVec(r))
		tss += (e2.AtVec(r) - mean) * (e2.AtVec(r) - mean)
	}
	return float64(n) * (1 - ssr/tss)
}

// TestBootstrapRefine checks that the refined bootstrap leaves stages 1
// and 2 alone and changes stage 3's statistics; TestFastMatchesReference
// compares its two kernels.
func TestBootstrapRefine(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 8))
	tab, err := panel.ReadCSV(strings.NewReader(randomPanel(rng, 30, 6)))
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{ID: "id", Time: "t", Depvar: "y", Rx: []string{"x1"}, Qx: "q", Thresholds: 3,
		Grid: Grid{Points: 40}, Trim: []float64{0.1}, Reps: []int{20}, Seed: 5}
	refined := spec
	refined.BootstrapRefine = true
	var stats [2][][]float64
	for i, s := range []Spec{spec, refined} {
		p, err := Prepare(tab, s)
		if err != nil {
			t.Fatal(err)
		}
		est, err := p.PointEstimates(Fast)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range est.Stages {
			f, err := p.Bootstrap(Fast, st.Setup(), 0, 20)
			if err != nil {
				t.Fatal(err)
			}
			stats[i] = append(stats[i], f)
		}
	}
	for k := 0; k < 2; k++ {
		if fmt.Sprint(stats[0][k]) != fmt.Sprint(stats[1][k]) {
			t.Errorf("stage %d: the refined bootstrap changed F*", k+1)
		}
	}
	changed := 0
	for r := range stats[0][2] {
		if stats[0][2][r] != stats[1][2][r] {
			changed++
		}
	}
	if changed == 0 {
		t.Error("stage 3: the refined bootstrap gave the same F* in every replication")
	}
}

// TestEta2Means checks the fallback to unconditional means when q takes
// fewer than three values, where the quadratic in q is not identified.
func TestEta2Means(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var b strings.Builder
	b.WriteString("id,t,y,x,q\n")
	for i := 0; i < 40; i++ {
		for tt := 0; tt < 6; tt++ {
			x, q := rng.NormFloat64(), float64(rng.IntN(2))
			fmt.Fprintf(&b, "%d,%d,%.17g,%.17g,%g\n", i, tt, (1+q)*x+heteroskedastic(x)*rng.NormFloat64(), x, q)
		}
	}
	tab, err := panel.ReadCSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	spec := hetSpec(Xthreg, Cluster)
	spec.Given, spec.Grid, spec.Trim = []float64{0}, Grid{}, []float64{0.2}
	p, res := prepareAndEstimate(t, tab, spec)
	fit, err := p.fitAt(p.yT, []float64{0})
	if err != nil {
		t.Fatal(err)
	}
	delta := fit.Coef[len(fit.Coef)-1]
	var m1, m2 float64
	for i := range p.units {
		lo, hi := p.tr.Block(i)
		llo, _ := p.tr.LevelBlock(i)
		for r := lo; r < hi; r++ {
			d2 := p.x[0][llo+r-lo] * p.x[0][llo+r-lo] * delta * delta
			m1 += d2
			m2 += d2 * fit.Resid[r] * fit.Resid[r]
		}
	}
	want := m2 / (m1 * fit.SSR / p.sigmaDF)
	if got := res.Stages[0].Intervals[0].Eta2; math.Abs(got-want) > 1e-9*want {
		t.Errorf("eta^2 = %v, from the means %v", got, want)
	}
}
