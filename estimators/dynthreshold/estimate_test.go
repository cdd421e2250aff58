package dynthreshold

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/panel"
)

// monteCarlo holds, per coefficient, the mean and standard deviation of the
// estimates over a Monte Carlo study of a dgp (40 panels, seeds 100..139,
// recorded when the test was written). A correct estimator lands within
// |bias| + 4 sd of the truth for any seed with probability above 0.999 per
// coefficient (if near normal), while an error in the moments, instruments
// or grid shifts the estimates by several sds.
type monteCarlo struct {
	mean, sd []float64
}

func checkRecovery(t *testing.T, res *Result, truth []float64, mc monteCarlo) {
	t.Helper()
	if len(res.Coefficients) != len(truth) {
		t.Fatalf("%d coefficients, want %d", len(res.Coefficients), len(truth))
	}
	for c, co := range res.Coefficients {
		tol := math.Abs(mc.mean[c]-truth[c]) + 4*mc.sd[c]
		if math.Abs(co.Estimate-truth[c]) > tol {
			t.Errorf("%s = %.4f, truth %.4f, tolerance %.4f", co.Name, co.Estimate, truth[c], tol)
		}
	}
}

// TestRecoversDynamicJump: n = 500, T = 8, endogenous q (corr 0.5 with the
// error), threshold 0.3. Monte Carlo (seeds 100..139): every panel rejected
// linearity at 5% with 100 replications.
func TestRecoversDynamicJump(t *testing.T) {
	d := dgp{n: 500, T: 8, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{1, 0.3, -0.5}, rho: 0.5}
	mc := monteCarlo{mean: []float64{0.3556, 0.9609, 1.2483, 0.3174, -0.4476, 0.3032},
		sd: []float64{0.0549, 0.1406, 0.2160, 0.1103, 0.3279, 0.1554}}
	s := d.spec()
	s.Boost = 100
	res := prepareAndEstimate(t, d.table(t, 1), s)
	names := []string{"Lag_y_b", "x_b", "cons_d", "Lag_y_d", "x_d", "r"}
	for c, co := range res.Coefficients {
		if co.Name != names[c] {
			t.Errorf("coefficient %d is %q, want %q", c, co.Name, names[c])
		}
		if !(co.SE > 0) || co.Lower >= co.Estimate || co.Upper <= co.Estimate {
			t.Errorf("%s: SE %v, interval [%v, %v] around %v", co.Name, co.SE, co.Lower, co.Upper, co.Estimate)
		}
	}
	checkRecovery(t, res, append(append(append([]float64{}, d.beta...), d.delta...), d.gamma), mc)
	// The slopes' standard errors estimate the Monte Carlo spread (their
	// ratio was 0.93-1.06 on this panel). The threshold's is not checked:
	// it overstated the spread 2.5 times here, and the ports' authors cite
	// Gong and Seo on its unreliability.
	for c := 0; c < len(res.Coefficients)-1; c++ {
		if r := res.Coefficients[c].SE / mc.sd[c]; r < 0.5 || r > 2 {
			t.Errorf("%s: SE %.4f, Monte Carlo sd %.4f", res.Coefficients[c].Name, res.Coefficients[c].SE, mc.sd[c])
		}
	}
	if res.Linearity.PValue >= 0.05 {
		t.Errorf("linearity p-value %v, want a rejection at 5%%", res.Linearity.PValue)
	}
}

// TestRecoversDynamicKink: the kink model, slope change 1 at 0.3.
func TestRecoversDynamicKink(t *testing.T) {
	d := dgp{n: 500, T: 8, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{1}, rho: 0.5, kink: true}
	mc := monteCarlo{mean: []float64{0.3706, 0.9792, 1.2821, 0.2368}, sd: []float64{0.0284, 0.0269, 0.4003, 0.4412}}
	res := prepareAndEstimate(t, d.table(t, 2), d.spec())
	if res.Coefficients[2].Name != "kink_slope" || res.Model != "kink" {
		t.Errorf("model %s, third coefficient %s", res.Model, res.Coefficients[2].Name)
	}
	checkRecovery(t, res, []float64{0.4, 1, 1, 0.3}, mc)
}

// TestStaticAndDynamic: on a static panel, the static model recovers the
// slopes, and the dynamic model, which nests it, estimates the lag's
// coefficients near zero.
func TestStaticAndDynamic(t *testing.T) {
	d := dgp{n: 500, T: 6, static: true, gamma: 0.3, beta: []float64{1}, delta: []float64{1, -0.5}, rho: 0.5}
	tab := d.table(t, 3)
	s := d.spec()
	res := prepareAndEstimate(t, tab, s)
	if res.Dynamic || len(res.Coefficients) != 4 {
		t.Fatalf("static model: dynamic %v, %d coefficients", res.Dynamic, len(res.Coefficients))
	}
	for c, want := range []float64{1, 1, -0.5, 0.3} {
		if co := res.Coefficients[c]; math.Abs(co.Estimate-want) > 5*co.SE {
			t.Errorf("static %s = %.4f (SE %.4f), truth %v", co.Name, co.Estimate, co.SE, want)
		}
	}
	s.Static = false
	res = prepareAndEstimate(t, tab, s)
	for _, c := range []int{0, 3} { // Lag_y_b, Lag_y_d
		if co := res.Coefficients[c]; math.Abs(co.Estimate) > 5*co.SE {
			t.Errorf("dynamic model on a static panel: %s = %.4f (SE %.4f), truth 0", co.Name, co.Estimate, co.SE)
		}
	}
}

// prepareAndEstimate prepares the model s on tab and estimates it.
func prepareAndEstimate(t testing.TB, tab *panel.Table, s Spec) *Result {
	t.Helper()
	pr, err := Prepare(tab, s)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pr.Estimate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// randomTable returns a small random panel with columns id, t, y, x, q, w.
func randomTable(t testing.TB, n, T int, seed uint64) *panel.Table {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var buf bytes.Buffer
	buf.WriteString("id,t,y,x,q,w\n")
	for i := 1; i <= n; i++ {
		y, a := 0.0, rng.NormFloat64()
		for s := 1; s <= T; s++ {
			x, q, w := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
			y = a + 0.3*y + x + 0.5*q + 0.2*w + rng.NormFloat64()
			if q > 0 {
				y += 1 + x
			}
			fmt.Fprintf(&buf, "%d,%d,%.17g,%.17g,%.17g,%.17g\n", i, s, y, x, q, w)
		}
	}
	tab, err := panel.ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestGMMIdentities: in the static model with T = 2 each unit has one
// equation, H = (2) and W1 = (2 n^-1 sum_i z_i z_i')^-1, so the first step
// is two-stage least squares, theta = (R'P R)^-1 R'P dy with P the projection
// on the instruments. With as many instruments as parameters (the first p
// of them), GMM is the instrumental-variables estimator
// (sum_i z_i r_i')^-1 sum_i z_i dy_i whatever the weight, and J = 0.
func TestGMMIdentities(t *testing.T) {
	tab := randomTable(t, 200, 2, 4)
	// Instruments (1, dx, w_1, w_2) for (x_b, cons_d, x_d) and the threshold.
	s := Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Exog: []string{"w"}, Static: true,
		Gammas: []float64{-0.2, 0.1}}
	pr, err := Prepare(tab, s)
	if err != nil {
		t.Fatal(err)
	}
	L, p := pr.L(), pr.p
	if L != 4 || p != 3 {
		t.Fatalf("%d instruments, %d parameters", L, p)
	}
	w1, err := pr.firstStepWeight()
	if err != nil {
		t.Fatal(err)
	}
	gbar1 := pr.gbar1()
	fits, _, _, err := pr.fitGrid(context.Background(), w1, gbar1)
	if err != nil {
		t.Fatal(err)
	}
	for k, g := range pr.grid {
		Z, R, dy := mat.NewDense(pr.n, L, nil), mat.NewDense(pr.n, p, nil), mat.NewVecDense(pr.n, nil)
		r := make([]float64, p)
		for i := 0; i < pr.n; i++ {
			Z.SetRow(i, pr.z[i][0])
			pr.row(i, 0, g, r)
			R.SetRow(i, r)
			dy.SetVec(i, pr.dy[i][0])
		}
		// 2SLS: Rhat = Z (Z'Z)^-1 Z'R, theta = (Rhat'R)^-1 Rhat'dy.
		var zz, zr, b, rhat, a mat.Dense
		zz.Mul(Z.T(), Z)
		zr.Mul(Z.T(), R)
		if err := b.Solve(&zz, &zr); err != nil {
			t.Fatal(err)
		}
		rhat.Mul(Z, &b)
		a.Mul(rhat.T(), R)
		var rhs, tsls mat.VecDense
		rhs.MulVec(rhat.T(), dy)
		if err := tsls.SolveVec(&a, &rhs); err != nil {
			t.Fatal(err)
		}
		for c := 0; c < p; c++ {
			if got, want := fits[k].theta[c], tsls.AtVec(c); math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
				t.Errorf("gamma %v: first-step theta[%d] = %.15g, 2SLS %.15g", g, c, got, want)
			}
		}

		// Just identified: the first p instruments, under W1's block and
		// under the identity.
		g2 := pr.g2(g).Slice(0, p, 0, p).(*mat.Dense)
		gb := mat.NewVecDense(p, gbar1.RawVector().Data[:p])
		sub := mat.NewSymDense(p, nil)
		for a := 0; a < p; a++ {
			for c := a; c < p; c++ {
				sub.SetSym(a, c, w1.At(a, c))
			}
		}
		var iv mat.VecDense
		if err := iv.SolveVec(g2, gb); err != nil {
			t.Fatal(err)
		}
		for _, w := range []*mat.SymDense{sub, mat.NewSymDense(p, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1})} {
			f, err := gmm(w, g2, gb, g)
			if err != nil {
				t.Fatal(err)
			}
			for c := 0; c < p; c++ {
				if got, want := f.theta[c], iv.AtVec(c); math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
					t.Errorf("gamma %v: just-identified theta[%d] = %.15g, IV %.15g", g, c, got, want)
				}
			}
			if math.Abs(f.j) > 1e-20 {
				t.Errorf("gamma %v: just-identified J = %g, want 0", g, f.j)
			}
		}
	}
}

// TestDeterministic: the same data and seed give byte-identical JSON.
func TestDeterministic(t *testing.T) {
	tab := randomTable(t, 80, 5, 5)
	s := Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"}, GridNum: 10, Boost: 50, Seed: 9}
	var out [2][]byte
	for k := range out {
		res := prepareAndEstimate(t, tab, s)
		var err error
		if out[k], err = json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Error("two runs with the same seed differ")
	}
}

// TestQuantile2 checks Hyndman-Fan type 2 against R's quantile(1:10, p, type = 2).
func TestQuantile2(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ p, want float64 }{
		{0, 1}, {0.05, 1}, {0.1, 1.5}, {0.2, 2.5}, {0.25, 3}, {0.5, 5.5}, {0.8, 8.5}, {0.95, 10}, {1, 10},
	} {
		if got := quantile2(x, c.p); got != c.want {
			t.Errorf("Q(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	// 0.2 * 565 rounds to 113.00000000000001 and still averages.
	y := make([]float64, 565)
	for i := range y {
		y[i] = float64(i + 1)
	}
	if got := quantile2(y, 0.2); got != 113.5 {
		t.Errorf("Q(0.2) of 1..565 = %v, want 113.5", got)
	}
}

// TestLinearPanel: on linear dynamic panels (delta = 0; n = 500, T = 8, q
// endogenous) the test must not reject at 5% more often than a Monte Carlo
// allows. That Monte Carlo (40 panels, seeds 100..139, grid 100, 100
// replications) rejected 10 times: two-step GMM Wald statistics with 54
// instruments for 500 units over-reject, and the bootstrap, which holds W2
// and Sigma_delta fixed, does not correct it (5/40 at n = 2000; 4/40 at
// T = 5, 24 instruments). With a rejection rate of 0.25, 5 or more
// rejections in 6 panels has probability 0.005.
func TestLinearPanel(t *testing.T) {
	d := dgp{n: 500, T: 8, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{0, 0, 0}, rho: 0.5}
	rejections := 0
	for seed := uint64(1); seed <= 6; seed++ {
		s := d.spec()
		s.GridNum, s.Boost, s.Seed = 20, 99, seed
		res := prepareAndEstimate(t, d.table(t, 1000+seed), s)
		if res.Linearity.PValue < 0.05 {
			rejections++
		}
	}
	t.Logf("%d of 6 linear panels rejected linearity at 5%%", rejections)
	if rejections > 4 {
		t.Errorf("%d of 6 linear panels rejected linearity at 5%%", rejections)
	}
}

// TestThresholdDerivative: G_gamma is minus the derivative in the threshold
// of the moments gbar1 - G2(g) theta with, in the jump model, 1{q > g}
// smoothed as Phi((q - g)/h) (central differences), and with the exact
// kink term in the kink model.
func TestThresholdDerivative(t *testing.T) {
	tab := randomTable(t, 60, 5, 41)
	for _, kink := range []bool{false, true} {
		s := Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"}, GridNum: 5, Kink: kink}
		pr, err := Prepare(tab, s)
		if err != nil {
			t.Fatal(err)
		}
		theta := make([]float64, pr.p)
		for c := range theta {
			theta[c] = 0.3 + 0.1*float64(c)
		}
		// moments(g) = -n^-1 sum_i Z_i' T_i(g) delta, T the (smoothed)
		// threshold terms: the part of gbar1 - G2 theta that moves with g.
		moments := func(g float64) []float64 {
			out := make([]float64, pr.L())
			for i := 0; i < pr.n; i++ {
				e := make([]float64, len(pr.dy[i]))
				for j := range e {
					qt, ql := pr.qt[i][j], pr.ql[i][j]
					if kink {
						e[j] = -theta[pr.k] * (max(qt-g, 0) - max(ql-g, 0))
						continue
					}
					st, sl := 0.5*math.Erfc(-(qt-g)/pr.h/math.Sqrt2), 0.5*math.Erfc(-(ql-g)/pr.h/math.Sqrt2)
					for c, d := range theta[pr.k:] {
						e[j] -= (pr.xt[i][j][c]*st - pr.xl[i][j][c]*sl) * d
					}
				}
				pr.ztAdd(i, e, 1/float64(pr.n), out)
			}
			return out
		}
		g, step := pr.grid[2], 1e-5*pr.h
		up, down, got := moments(g+step), moments(g-step), pr.gGamma(g, theta)
		for a := range got {
			fd := -(up[a] - down[a]) / (2 * step)
			if math.Abs(got[a]-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("kink %v, moment %d: G_gamma %.10g, finite difference %.10g", kink, a, got[a], fd)
			}
		}
	}
}

// TestCancelled: a done context stops the estimate and the test.
func TestCancelled(t *testing.T) {
	pr, err := Prepare(randomTable(t, 80, 5, 51), Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"},
		Endo: []string{"q"}, GridNum: 10, Boost: 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := pr.Estimate(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Estimate: %v, want context.Canceled", err)
	}
	setup, err := pr.LinearitySetup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Test(ctx, 10, 1, Fast); !errors.Is(err, context.Canceled) {
		t.Errorf("Test: %v, want context.Canceled", err)
	}
	if _, err := pr.LinearitySetup(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("LinearitySetup: %v, want context.Canceled", err)
	}
}
