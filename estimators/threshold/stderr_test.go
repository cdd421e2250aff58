package threshold

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestXthregStandardErrors recomputes the final regression of the xthreg
// convention from its definition, with loops instead of packages within and
// ols: unit-demeaned regime-specific design, normal equations, and the
// three variances with Stata's factors (N rows, n units, K slopes):
//
//	xtreg, fe                  s^2 (W'W)^{-1},  s^2 = e'e / (N - n - K)
//	areg, absorb vce(robust)   (N-1)/(N-n-K) A (sum_it e^2 w w') A,  A = (W'W)^{-1}
//	xtreg, fe vce(cluster)     n/(n-1) (N-1)/(N-K-1) A (sum_i s_i s_i') A,  s_i = sum_t e w
//
// and _cons = ybar - xbar'b with variance s^2/N + xbar'V xbar (classical),
// xbar'V xbar (clustered: a unit's residuals sum to zero) and, for White,
// the factor times sum_it e^2 (1/N - xbar'A w)^2.
func TestXthregStandardErrors(t *testing.T) {
	spec := xthregSpec(0)
	p := prepareFile(t, "hansen1999_xthreg.csv", spec)
	thresholds := []float64{0.01538, 0.5418}
	got, _, err := p.coefficients(thresholds)
	if err != nil {
		t.Fatal(err)
	}

	// Level design: z, then x in each regime.
	var cols [][]float64
	cols = append(cols, p.z...)
	for reg := 0; reg <= len(thresholds); reg++ {
		for _, c := range p.x {
			col := make([]float64, len(c))
			for r := range c {
				lower := 0
				for lower < len(thresholds) && p.q[r] > thresholds[lower] { // xthreg: q <= g is below
					lower++
				}
				if lower == reg {
					col[r] = c[r]
				}
			}
			cols = append(cols, col)
		}
	}
	N, n, K := len(p.y), p.tr.Units(), len(cols)
	if len(got) != K+1 || got[K].Name != ConstantName {
		t.Fatalf("%d coefficients, last %q; want %d slopes and %s", len(got), got[len(got)-1].Name, K, ConstantName)
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	demean := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i := 0; i < n; i++ {
			lo, hi := p.tr.LevelBlock(i)
			m := mean(v[lo:hi])
			for r := lo; r < hi; r++ {
				out[r] = v[r] - m
			}
		}
		return out
	}
	w := mat.NewDense(N, K, nil)
	xbar := mat.NewVecDense(K, nil)
	for j, c := range cols {
		w.SetCol(j, demean(c))
		xbar.SetVec(j, mean(c))
	}
	y := mat.NewVecDense(N, demean(p.y))
	var wtw, a mat.Dense
	wtw.Mul(w.T(), w)
	if err := a.Inverse(&wtw); err != nil {
		t.Fatal(err)
	}
	var wty, b, fitted, e mat.VecDense
	wty.MulVec(w.T(), y)
	b.MulVec(&a, &wty)
	fitted.MulVec(w, &b)
	e.SubVec(y, &fitted)
	ssr := mat.Dot(&e, &e)

	fN, fn, fK := float64(N), float64(n), float64(K)
	s2 := ssr / (fN - fn - fK)
	whiteScale := (fN - 1) / (fN - fn - fK)
	clusterScale := fn / (fn - 1) * (fN - 1) / (fN - fK - 1)
	white := mat.NewDense(K, K, nil)
	cluster := mat.NewDense(K, K, nil)
	consWhite := 0.0
	for i := 0; i < n; i++ {
		lo, hi := p.tr.LevelBlock(i)
		s := mat.NewVecDense(K, nil)
		for r := lo; r < hi; r++ {
			row := mat.NewVecDense(K, nil)
			row.ScaleVec(e.AtVec(r), w.RowView(r))
			white.RankOne(white, 1, row, row)
			s.AddVec(s, row)
			var aw mat.VecDense
			aw.MulVec(&a, w.RowView(r))
			h := 1/fN - mat.Dot(xbar, &aw)
			consWhite += e.AtVec(r) * e.AtVec(r) * h * h
		}
		cluster.RankOne(cluster, 1, s, s)
	}
	sandwich := func(meat *mat.Dense, scale float64) *mat.Dense {
		var v mat.Dense
		v.Product(&a, meat, &a)
		v.Scale(scale, &v)
		return &v
	}
	vClassical := mat.NewDense(K, K, nil)
	vClassical.Scale(s2, &a)
	vWhite, vCluster := sandwich(white, whiteScale), sandwich(cluster, clusterScale)
	quad := func(v *mat.Dense) float64 { return mat.Inner(xbar, v, xbar) }

	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol*math.Abs(want) {
			t.Errorf("%s: %.12g, want %.12g", what, got, want)
		}
	}
	for j := 0; j < K; j++ {
		c := got[j]
		near(c.Name+" estimate", c.Estimate, b.AtVec(j), 1e-9)
		near(c.Name+" se", c.SE, math.Sqrt(vClassical.At(j, j)), 1e-8)
		near(c.Name+" se_robust", c.SERobust, math.Sqrt(vWhite.At(j, j)), 1e-8)
		near(c.Name+" se_cluster", c.SECluster, math.Sqrt(vCluster.At(j, j)), 1e-8)
	}
	cons := got[K]
	near("_cons estimate", cons.Estimate, mean(p.y)-mat.Dot(xbar, &b), 1e-9)
	near("_cons se", cons.SE, math.Sqrt(s2/fN+quad(vClassical)), 1e-8)
	near("_cons se_robust", cons.SERobust, math.Sqrt(whiteScale*consWhite), 1e-8)
	near("_cons se_cluster", cons.SECluster, math.Sqrt(quad(vCluster)), 1e-8)
}
