package threshold

import (
	"errors"
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/thresher/thresher/estimators/ols"
)

// This file holds what heteroskedastic errors change: Hansen's (2000)
// scaling of the LR statistic of a threshold, and the diagnostic that the
// report prints when the default, homoskedastic inference is used
// (docs/threshold-model.md §11).

// regimeFit fits the model at the sorted thresholds in regime-specific form
// [Z, X∘1(regime 0), ..., X∘1(regime K)] on the transformed rows, without a
// constant: its residuals are the within residuals of the model.
func (p *Problem) regimeFit(sorted []float64) (*ols.Fit, error) {
	fit, err := p.regress(p.regimeLevels(sorted), false, func(dst *mat.Dense) *mat.Dense { return p.regimeDesign(dst, sorted, false) }, p.yT, nil)
	if err != nil {
		return nil, p.regimeError(sorted, err)
	}
	return fit, nil
}

// levelRows returns the level row of every transformed row: unit i's
// transformed rows are its first periods in order (all of them, or all but
// the last in Hansen's convention).
func (p *Problem) levelRows() []int {
	rows := make([]int, p.tr.Rows())
	for i := range p.units {
		lo, hi := p.tr.Block(i)
		llo, _ := p.tr.LevelBlock(i)
		for r := lo; r < hi; r++ {
			rows[r] = llo + r - lo
		}
	}
	return rows
}

// eta2 returns Hansen's (2000) heteroskedasticity scale of the LR statistic
// of threshold sorted[j] (docs/threshold-model.md §11.2): with delta the
// change of the regime-dependent slopes at the threshold, d_r = x_r'delta
// (x in levels) and e_r the within residual of row r,
//
//	eta^2 = E[d^2 e^2 | q = g] / (E[d^2 | q = g] sigma^2),
//
// both conditional means estimated by least squares on [1, q - g,
// (q - g)^2], whose intercept is the fitted value at g. When either fitted
// value is not positive, the unconditional means replace both; when delta is
// 0 (no change at g), eta^2 is 1.
func (p *Problem) eta2(fit *ols.Fit, sorted []float64, j int, sigma2 float64) float64 {
	nz, m, g := len(p.z), len(p.x), sorted[j]
	delta := make([]float64, m)
	for b := range delta {
		delta[b] = fit.Coef[nz+(j+1)*m+b] - fit.Coef[nz+j*m+b]
	}
	rows := p.levelRows()
	r1, r2 := make([]float64, len(rows)), make([]float64, len(rows))
	dq, dq2 := make([]float64, len(rows)), make([]float64, len(rows)) // q - g and its square
	for r, l := range rows {
		d := 0.0
		for b, x := range p.x {
			d += x[l] * delta[b]
		}
		r1[r], r2[r] = d*d, d*d*fit.Resid[r]*fit.Resid[r]
		dq[r] = p.q[l] - g
		dq2[r] = dq[r] * dq[r]
	}
	at := func(v []float64) float64 {
		f, err := regressOnConstant(v, [][]float64{dq, dq2}, nil)
		if err != nil {
			return 0 // q takes fewer than three values: use the means
		}
		return f.Coef[0]
	}
	g1, g2 := at(r1), at(r2)
	if !(g1 > 0 && g2 > 0) {
		g1, g2 = mean(r1), mean(r2)
	}
	if !(g1 > 0 && g2 > 0) {
		return 1 // the slopes do not change at g: nothing to scale
	}
	return g2 / (g1 * sigma2)
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// robustIntervals returns the confidence sets of a stage's curves with LR
// scaled by eta^2: {g : LR(g)/eta^2 < c(a)}.
func (p *Problem) robustIntervals(curves []LRCurve, thresholds []float64, crit float64) ([]Interval, error) {
	sorted := slices.Sorted(slices.Values(thresholds))
	fit, err := p.regimeFit(sorted)
	if err != nil {
		return nil, err
	}
	sigma2 := fit.SSR / p.sigmaDF
	out := make([]Interval, len(curves))
	for i, c := range curves {
		j, found := slices.BinarySearch(sorted, c.Threshold)
		if !found {
			return nil, fmt.Errorf("threshold %v of an LR curve is not among the stage's thresholds %v", c.Threshold, sorted)
		}
		eta2 := p.eta2(fit, sorted, j, sigma2)
		scaled := LRCurve{Threshold: c.Threshold, Points: make([][2]float64, len(c.Points))}
		for k, pt := range c.Points {
			scaled.Points[k] = [2]float64{pt[0], pt[1] / eta2}
		}
		out[i] = scaled.interval(crit)
		out[i].Eta2 = eta2
	}
	return out, nil
}

// HeteroskedasticityTest is Koenker's studentized Breusch-Pagan test of
// the final model's within residuals: N R^2 of the regression of the
// squared residuals on a constant and the regime-dependent regressors and
// their squares (in levels), against chi^2 with as many degrees of freedom
// as regressors (docs/threshold-model.md §11.3).
type HeteroskedasticityTest struct {
	Regressors []string `json:"regressors"`
	Statistic  float64  `json:"statistic"`
	DF         int      `json:"df"`
	PValue     float64  `json:"p_value"`
}

// Rejects reports whether the test rejects homoskedasticity at 5%.
func (h *HeteroskedasticityTest) Rejects() bool { return h.PValue < 0.05 }

// heteroskedasticity tests the residuals of the model at the sorted
// thresholds. A regressor whose square duplicates it (a 0/1 dummy) enters
// without its square.
func (p *Problem) heteroskedasticity(sorted []float64) (*HeteroskedasticityTest, error) {
	fit, err := p.regimeFit(sorted)
	if err != nil {
		return nil, err
	}
	rows := p.levelRows()
	e2 := make([]float64, len(rows))
	for r, e := range fit.Resid {
		e2[r] = e * e
	}
	names := []string{"constant"}
	cols := [][]float64{nil}
	for b, x := range p.x {
		level := make([]float64, len(rows))
		for r, l := range rows {
			level[r] = x[l]
		}
		names, cols = append(names, p.xNames[b]), append(cols, level)
	}
	for b, x := range cols[1:] {
		sq := make([]float64, len(x))
		for r, v := range x {
			sq[r] = v * v
		}
		names, cols = append(names, p.xNames[b]+"^2"), append(cols, sq)
	}
	aux, err := regressOnConstant(e2, cols[1:], names)
	if errors.Is(err, ols.ErrCollinear) {
		// A 0/1 regressor equals its square: test without the squares.
		names, cols = names[:1+len(p.x)], cols[:1+len(p.x)]
		aux, err = regressOnConstant(e2, cols[1:], names)
	}
	if err != nil {
		return nil, fmt.Errorf("heteroskedasticity test: %w", err)
	}
	n := float64(len(rows))
	stat := n * (1 - aux.SSR/centredSS(e2))
	df := len(cols) - 1
	return &HeteroskedasticityTest{Regressors: names[1:], Statistic: stat, DF: df,
		PValue: distuv.ChiSquared{K: float64(df)}.Survival(stat)}, nil
}

// regressOnConstant regresses y on a constant and the columns, building
// the design in blocks of rows when it is larger than blockedDesign.
func regressOnConstant(y []float64, cols [][]float64, names []string) (*ols.Fit, error) {
	if len(y)*(1+len(cols)) > blockedDesign {
		return ols.RegressBlocks(len(y), 1+len(cols), constantRows(len(y), cols), y, names)
	}
	design := mat.NewDense(len(y), 1+len(cols), nil)
	for r := range y {
		design.Set(r, 0, 1)
		for c, col := range cols {
			design.Set(r, c+1, col[r])
		}
	}
	return ols.Regress(design, y, names)
}
