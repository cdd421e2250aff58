package twfe

import (
	"fmt"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ols"
)

// design is the regression Fit solves: W = [D~, X~, 1] with the kept period
// dummies D and the regressors X after the within transformation, and the
// response y~ + mean(y).
type design struct {
	w       *mat.Dense
	y       []float64
	names   []string  // column labels of w; the last is "_cons"
	means   []float64 // grand means of the columns of [D, X] in levels
	tss     float64   // sum of squares of the within-transformed y
	omitted []int     // periods whose dummies were dropped as collinear
}

func newDesign(y []float64, x [][]float64, names []string, group []int, units int, period, periods []int, periodEffects bool) *design {
	n := len(y)
	d := &design{}
	var cols [][]float64
	if periodEffects {
		// Dummies for every period but the first, kept when independent of
		// the kept dummies before them after the transformation.
		var dummies, levels [][]float64
		for _, p := range periods[1:] {
			level := make([]float64, n)
			for r, q := range period {
				if q == p {
					level[r] = 1
				}
			}
			levels = append(levels, level)
			dummies = append(dummies, demean(level, group, units))
		}
		for i, keep := range independent(dummies) {
			if !keep {
				d.omitted = append(d.omitted, periods[i+1])
				continue
			}
			cols = append(cols, levels[i])
			d.names = append(d.names, fmt.Sprintf("period=%d", periods[i+1]))
		}
	}
	cols = append(cols, x...)
	d.names = append(d.names, names...)
	d.names = append(d.names, "_cons")

	d.w = mat.NewDense(n, len(cols)+1, nil)
	for j, c := range cols {
		d.means = append(d.means, floats.Sum(c)/float64(n))
		d.w.SetCol(j, demean(c, group, units))
	}
	for r := 0; r < n; r++ {
		d.w.Set(r, len(cols), 1)
	}
	yw := demean(y, group, units)
	d.tss = floats.Dot(yw, yw)
	floats.AddConst(floats.Sum(y)/float64(n), yw)
	d.y = yw
	return d
}

// demean returns v_r minus the mean of v over the rows of r's unit.
func demean(v []float64, group []int, units int) []float64 {
	sum := make([]float64, units)
	count := make([]float64, units)
	for r, x := range v {
		sum[group[r]] += x
		count[group[r]]++
	}
	out := make([]float64, len(v))
	for r, x := range v {
		out[r] = x - sum[group[r]]/count[group[r]]
	}
	return out
}

// independent reports which columns to keep: column j is kept unless the
// part of it orthogonal to the kept columns before it is smaller than
// ols.CollinearTolerance times its norm (modified Gram-Schmidt, applied
// twice for accuracy).
func independent(cols [][]float64) []bool {
	keep := make([]bool, len(cols))
	var basis [][]float64 // orthonormal
	for j, c := range cols {
		norm := floats.Norm(c, 2)
		if norm == 0 {
			continue
		}
		v := append([]float64(nil), c...)
		for range 2 {
			for _, q := range basis {
				floats.AddScaled(v, -floats.Dot(q, v), q)
			}
		}
		rest := floats.Norm(v, 2)
		if rest < ols.CollinearTolerance*norm {
			continue
		}
		floats.Scale(1/rest, v)
		basis = append(basis, v)
		keep[j] = true
	}
	return keep
}
