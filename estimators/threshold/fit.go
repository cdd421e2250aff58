package threshold

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/thresher/thresher/estimators/ols"
	"github.com/thresher/thresher/internal/shortlist"
)

// designAt returns the transformed design of the model with the given
// thresholds in GAUSS's cumulative form (thr_sse): [Z, X, X∘1(q ≲ t_1), ...,
// X∘1(q ≲ t_k)], each column transformed after the product is formed, with
// the threshold columns in the order given. It spans the same space as the
// regime-specific form, so the SSR is the same, and the QR pivots of the last
// threshold's columns measure how well that threshold is identified.
func (p *Problem) designAt(dst *mat.Dense, thresholds []float64) *mat.Dense {
	levels := append(slices.Clone(p.z), p.x...)
	for _, t := range thresholds {
		for _, c := range p.x {
			levels = append(levels, p.indicator(c, t))
		}
	}
	return p.design(dst, levels)
}

// fitAt fits the model at the given thresholds (in any order) by QR.
func (p *Problem) fitAt(y []float64, thresholds []float64) (*ols.Fit, error) {
	fit, err := p.regress(p.cumulativeLevels(thresholds), false, func(dst *mat.Dense) *mat.Dense { return p.designAt(dst, thresholds) }, y, p.cumulativeNames(thresholds))
	if err != nil {
		return nil, p.regimeError(thresholds, err)
	}
	return fit, nil
}

func (p *Problem) cumulativeNames(thresholds []float64) []string {
	names := append(slices.Clone(p.zNames), p.xNames...)
	for _, t := range thresholds {
		for _, x := range p.xNames {
			names = append(names, fmt.Sprintf("%s*1(%s %s %.6g)", x, p.qName, p.spec.Convention.lowerOp(), t))
		}
	}
	return names
}

// regimeError explains a failed fit at thresholds: an empty regime or an
// unidentified regime-dependent slope, else the underlying error.
func (p *Problem) regimeError(thresholds []float64, err error) error {
	sorted := slices.Sorted(slices.Values(thresholds))
	for k, n := range p.regimeCounts(sorted) {
		if n == 0 {
			return fmt.Errorf("%w: thresholds [%s] leave regime %d (%s) without observations; %s",
				ErrData, shortlist.Values(sorted), k+1, p.regimeLabel(sorted, k), p.emptyRegimeAdvice(sorted))
		}
	}
	return fmt.Errorf("%w: at thresholds [%s]: %w", ErrData, shortlist.Values(sorted), err)
}

// emptyRegimeAdvice says how to avoid an empty regime: a given threshold
// outside the range of q cannot be helped by the trim.
func (p *Problem) emptyRegimeAdvice(sorted []float64) string {
	if p.given == nil {
		return "increase the trim"
	}
	lo, hi := p.distinct[0], p.distinct[len(p.distinct)-1]
	for _, g := range sorted {
		if g < lo || g > hi {
			return fmt.Sprintf("the given threshold %.6g lies outside the range of %s in the estimation sample, %.6g to %.6g", g, p.qName, lo, hi)
		}
	}
	return fmt.Sprintf("give thresholds inside the range of %s (%.6g to %.6g) with observations between them", p.qName, lo, hi)
}

// ConstantName names the constant of the final regression in xthreg
// convention, as Stata does.
const ConstantName = "_cons"

// Coefficient is one slope (or, in xthreg convention, the constant) of the
// final regression with its standard errors.
type Coefficient struct {
	Name string `json:"name"`
	// Regime is nil for a regime-independent regressor, else the regime
	// index 0..K counted from below (xthreg's _cat).
	Regime    *int    `json:"regime"`
	Estimate  float64 `json:"estimate"`
	SE        float64 `json:"se"`
	SERobust  float64 `json:"se_robust"`
	SECluster float64 `json:"se_cluster"`
}

// coefficients fits the model at the sorted thresholds in regime-specific
// form [Z, X∘1(regime 0), ..., X∘1(regime K)] and reports the slopes with
// three standard errors, K being the number of slopes, N the rows of the
// transformed regression and n the units:
//
//	            se (classical)        se_robust (White)        se_cluster (by unit)
//	hansen      df = N - n - K        HC0, no df factor        n/(n-1) (N-1)/(N-K)
//	xthreg      df = N - n - K        (N-1)/(N-n-K)            n/(n-1) (N-1)/(N-K-1)
//
// Hansen's GAUSS program computes the first two columns exactly so (its df
// subtracts n although the transform already dropped n rows; docs/threshold-model.md
// §8). For xthreg, se is xtreg, fe's; se_robust is areg, absorb(unit)
// vce(robust)'s; se_cluster is xtreg, fe vce(cluster unit)'s, whose K counts
// the constant. Hansen's program has no clustered errors; thresher applies
// Stata's factor without the constant, since Hansen's regression has none.
//
// In xthreg convention the last coefficient is xtreg, fe's _cons, the mean
// fixed effect: the regression is run as Stata runs it, of y_it - ybar_i +
// ybar on x_it - xbar_i + xbar and a constant (grand means over the
// estimation sample). Its slopes and their errors are those of the within
// regression, since (X'X)^{-1} of that design has S^{-1} as its slope block
// (S = the within cross products), and _cons = ybar - xbar'b with classical
// variance s^2/N + xbar'V xbar.
func (p *Problem) coefficients(thresholds []float64) ([]Coefficient, *Covariance, error) {
	fit, names, regimes, err := p.coefficientFit(thresholds)
	if err != nil {
		return nil, nil, err
	}
	k := len(p.z) + len(p.x)*(len(thresholds)+1)
	nRows, nUnits, nk := float64(p.tr.Rows()), float64(len(p.units)), float64(k)
	group := make([]int, p.tr.Rows())
	for i := range p.units {
		lo, hi := p.tr.Block(i)
		for r := lo; r < hi; r++ {
			group[r] = i
		}
	}
	clusterScale := nUnits / (nUnits - 1) * (nRows - 1) / (nRows - nk)
	robustScale := 1.0
	if p.spec.Convention == Xthreg {
		clusterScale = nUnits / (nUnits - 1) * (nRows - 1) / (nRows - nk - 1)
		robustScale = (nRows - 1) / (nRows - nUnits - nk)
	}
	classical := fit.Classical(nRows - nUnits - nk)
	robust := fit.White(robustScale)
	cluster := fit.Cluster(group, clusterScale)
	se, seRobust, seCluster := ols.StdErrors(classical), ols.StdErrors(robust), ols.StdErrors(cluster)
	out := make([]Coefficient, len(names))
	for i := range out {
		out[i] = Coefficient{Name: names[i], Regime: regimes[i], Estimate: fit.Coef[i],
			SE: se[i], SERobust: seRobust[i], SECluster: seCluster[i]}
	}
	cov := &Covariance{Classical: rows(classical), Robust: rows(robust), Cluster: rows(cluster)}
	return out, cov, nil
}

// Covariance holds the three covariance matrices of the coefficients, rows
// and columns in the order of the coefficient list; the standard errors are
// the square roots of their diagonals.
type Covariance struct {
	Classical [][]float64 `json:"classical"`
	Robust    [][]float64 `json:"robust"`
	Cluster   [][]float64 `json:"cluster"`
}

func rows(m *mat.Dense) [][]float64 {
	r, _ := m.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = slices.Clone(m.RawRowView(i))
	}
	return out
}

// regimeObs returns the number of observations the regression uses in each
// of the len(sorted)+1 regimes: regimeCounts without the period that
// Hansen's transform deletes.
func (p *Problem) regimeObs(sorted []float64) []int {
	counts := make([]int, len(sorted)+1)
	for i := range p.units {
		lo, hi := p.tr.LevelBlock(i)
		if p.tr.DropsLast() {
			hi--
		}
		for r := lo; r < hi; r++ {
			counts[p.regimeOf(p.q[r], sorted)]++
		}
	}
	return counts
}

// regimeDesign returns the design of coefficients: [Z, X∘1(regime 0), ...,
// X∘1(regime K)] transformed, plus the grand mean of each level column and a
// constant column when withConstant.
func (p *Problem) regimeDesign(dst *mat.Dense, sorted []float64, withConstant bool) *mat.Dense {
	cols := len(p.z) + len(p.x)*(len(sorted)+1)
	if withConstant {
		cols++
	}
	d := newDesign(dst, p.tr.Rows(), cols)
	j := 0
	// set stores the transformed level column, plus its grand mean when
	// the regression has a constant; col and level are scratch columns.
	col := make([]float64, p.tr.Rows())
	set := func(level []float64) {
		p.tr.Apply(col, level)
		if withConstant {
			floats.AddConst(stat.Mean(level, nil), col)
		}
		d.SetCol(j, col)
		j++
	}
	for _, c := range p.z {
		set(c)
	}
	level := make([]float64, len(p.q))
	for reg := 0; reg <= len(sorted); reg++ {
		for _, c := range p.x {
			for r, v := range c {
				level[r] = 0
				if p.regimeOf(p.q[r], sorted) == reg {
					level[r] = v
				}
			}
			set(level)
		}
	}
	if withConstant {
		for r := 0; r < p.tr.Rows(); r++ {
			d.Set(r, j, 1)
		}
	}
	return d
}

// regimeOf returns the regime 0..len(sorted) of threshold value q.
func (p *Problem) regimeOf(q float64, sorted []float64) int {
	k := 0
	for k < len(sorted) && !p.spec.Convention.inLower(q, sorted[k]) {
		k++
	}
	return k
}

// coefficientFit runs the regression of the model with the given thresholds, in
// the convention's form (coefficients' doc), and returns it with its
// coefficients' names and regimes (nil for regime-independent ones).
func (p *Problem) coefficientFit(thresholds []float64) (*ols.Fit, []string, []*int, error) {
	sorted := slices.Sorted(slices.Values(thresholds))
	withConstant := p.spec.Convention == Xthreg
	var names []string
	var regimes []*int
	for _, name := range p.zNames {
		names, regimes = append(names, name), append(regimes, nil)
	}
	for reg := 0; reg <= len(sorted); reg++ {
		for _, name := range p.xNames {
			names, regimes = append(names, name), append(regimes, &reg)
		}
	}
	y := p.yT
	if withConstant {
		names, regimes = append(names, ConstantName), append(regimes, nil)
		y = slices.Clone(p.yT)
		floats.AddConst(stat.Mean(p.y, nil), y)
	}
	fit, err := p.regress(p.regimeLevels(sorted), withConstant, func(dst *mat.Dense) *mat.Dense { return p.regimeDesign(dst, sorted, withConstant) }, y, names)
	if err != nil {
		return nil, nil, nil, p.regimeError(sorted, err)
	}
	return fit, names, regimes, nil
}

// estimates returns the coefficients of the model with the given
// thresholds without their standard errors (Options.Lean).
func (p *Problem) estimates(thresholds []float64) ([]Coefficient, error) {
	fit, names, regimes, err := p.coefficientFit(thresholds)
	if err != nil {
		return nil, err
	}
	out := make([]Coefficient, len(names))
	for i := range out {
		out[i] = Coefficient{Name: names[i], Regime: regimes[i], Estimate: fit.Coef[i]}
	}
	return out, nil
}
