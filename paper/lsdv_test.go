package paper

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// lsdvFit is an independent two-way fixed-effects fit: least squares on
// the regressors, a dummy for every unit and a dummy for every period but
// the first (no constant), by QR, with the unit-clustered sandwich
// computed directly from the full design.
type lsdvFit struct {
	beta, seCluster []float64
	cons, r2Within  float64
}

// lsdv fits y on x (x[j] a column) with unit and period dummies. The
// clustered covariance is c (D'D)^-1 (sum_g D_g'e_g e_g'D_g) (D'D)^-1 with
// Stata's c = G/(G-1) (N-1)/(N-K), K = slopes + period dummies + 1. _cons is
// mean(y) - mean(Z)'b over the slopes and period dummies (xtreg, fe), and
// R^2 within is 1 - e'e / sum (y - unit mean)^2.
func lsdv(y []float64, x [][]float64, unit, period []int) lsdvFit {
	n, k := len(y), len(x)
	units := slices.Compact(slices.Sorted(slices.Values(unit)))
	periods := slices.Compact(slices.Sorted(slices.Values(period)))
	cols := k + len(units) + len(periods) - 1
	d := mat.NewDense(n, cols, nil)
	for r := range n {
		for j := range x {
			d.Set(r, j, x[j][r])
		}
		d.Set(r, k+slices.Index(units, unit[r]), 1)
		if p := slices.Index(periods, period[r]); p > 0 {
			d.Set(r, k+len(units)+p-1, 1)
		}
	}
	var qr mat.QR
	qr.Factorize(d)
	var b mat.VecDense
	if err := qr.SolveVecTo(&b, false, mat.NewVecDense(n, y)); err != nil {
		panic(err)
	}
	e := make([]float64, n)
	for r := range n {
		e[r] = y[r] - mat.Dot(d.RowView(r), &b)
	}
	var r, rinv mat.Dense
	qr.RTo(&r)
	if err := rinv.Inverse(r.Slice(0, cols, 0, cols)); err != nil {
		panic(err)
	}
	var bread mat.Dense // (D'D)^-1 = R^-1 R^-T
	bread.Mul(&rinv, rinv.T())
	meat := mat.NewDense(cols, cols, nil)
	for _, g := range units {
		s := mat.NewVecDense(cols, nil)
		for row := range n {
			if unit[row] == g {
				s.AddScaledVec(s, e[row], d.RowView(row))
			}
		}
		var outer mat.Dense
		outer.Outer(1, s, s)
		meat.Add(meat, &outer)
	}
	var v mat.Dense
	v.Product(&bread, meat, &bread)
	g, kStata := float64(len(units)), float64(k+len(periods)-1+1)
	c := g / (g - 1) * float64(n-1) / (float64(n) - kStata)
	fit := lsdvFit{cons: mean(y)}
	for j := range k {
		fit.beta = append(fit.beta, b.AtVec(j))
		fit.seCluster = append(fit.seCluster, math.Sqrt(c*v.At(j, j)))
		fit.cons -= mean(x[j]) * b.AtVec(j)
	}
	for p := 1; p < len(periods); p++ {
		count := 0
		for _, q := range period {
			if q == periods[p] {
				count++
			}
		}
		fit.cons -= float64(count) / float64(n) * b.AtVec(k+len(units)+p-1)
	}
	ssr, tss := 0.0, 0.0
	for _, g := range units {
		var ys []float64
		for row := range n {
			if unit[row] == g {
				ys = append(ys, y[row])
			}
		}
		m := mean(ys)
		for _, v := range ys {
			tss += (v - m) * (v - m)
		}
	}
	for _, v := range e {
		ssr += v * v
	}
	fit.r2Within = 1 - ssr/tss
	return fit
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
