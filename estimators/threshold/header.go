package threshold

import (
	"fmt"
	"iter"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat"

	"github.com/thresher/thresher/estimators/ols"
)

// FEHeader holds the statistics Stata's xtreg, fe prints above its table,
// for the regression of one stage; docs/postestimation.md gives the formulas.
// A statistic the data leave undefined (a correlation with a constant, as
// R-sq between when every unit has the same mean of the dependent variable)
// is NaN: JSON null, "." in the text report.
type FEHeader struct {
	Obs            int     `json:"obs"`
	Groups         int     `json:"groups"`
	ObsPerGroupMin int     `json:"obs_per_group_min"`
	ObsPerGroupAvg float64 `json:"obs_per_group_avg"`
	ObsPerGroupMax int     `json:"obs_per_group_max"`
	R2Within       Num     `json:"r2_within"`
	R2Between      Num     `json:"r2_between"`
	R2Overall      Num     `json:"r2_overall"`
	// F tests that all slopes are zero.
	F FTest `json:"f"`
	// CorrUXb is the correlation of the fixed effect and the linear
	// prediction over the observations.
	CorrUXb Num `json:"corr_u_xb"`
	SigmaU  Num `json:"sigma_u"`
	SigmaE  Num `json:"sigma_e"`
	Rho     Num `json:"rho"`
	// FUnits tests that all fixed effects are equal (all u_i = 0).
	FUnits FTest `json:"f_units"`
}

// FTest is an F statistic with its degrees of freedom and p-value.
type FTest struct {
	Stat   Num `json:"stat"`
	DF1    int `json:"df1"`
	DF2    int `json:"df2"`
	PValue Num `json:"p_value"`
}

// newFTest returns the test of a statistic on (df1, df2) degrees of freedom.
// A statistic at or below 0 has p-value 1 (P(F > f) = 1 for f <= 0: the
// restricted model fits as well as the unrestricted one, or, with Hansen's
// transform, whose residuals are not least squares on the used rows, better;
// docs/postestimation.md §1); without degrees of freedom or with an
// undefined statistic the p-value is undefined (NaN).
func newFTest(stat float64, df1, df2 int) FTest {
	t := FTest{Stat: Num(stat), DF1: df1, DF2: df2, PValue: Num(math.NaN())}
	switch {
	case df1 < 1 || df2 < 1 || math.IsNaN(stat):
	case stat <= 0:
		t.PValue = 1
	default:
		// P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2), without the
		// cancellation of 1 - CDF in the far tail.
		d1, d2 := float64(df1), float64(df2)
		t.PValue = Num(mathext.RegIncBeta(d2/2, d1/2, d2/(d2+d1*stat)))
	}
	return t
}

// decomposition splits the fitted model at sorted thresholds with slopes b
// (regime-specific order, as coefficients) into its parts per level row:
// y_it = xb_it + u_i + e_it, u_i = ybar_i - xbbar_i - c, where the bars are
// the unit means the within transform removes and c is xtreg, fe's _cons
// (grand means over the used rows) in xthreg convention and 0 in Hansen's,
// whose model has no constant. used marks the rows the regression uses
// (Hansen's transform deletes each unit's last period).
type decomposition struct {
	xb     []float64 // per level row
	used   []bool
	u      []float64 // per unit
	yMean  []float64 // per unit
	xbMean []float64 // per unit
	y      []float64 // the model's y
}

// e returns the residual e_it of used level row r of unit i (computed, not
// stored: on millions of rows each such column takes tens of MB).
func (d *decomposition) e(r, i int) float64 {
	return d.y[r] - d.xb[r] - d.yMean[i] + d.xbMean[i]
}

func (p *Problem) decompose(sorted []float64, b []float64) *decomposition {
	n := len(p.y)
	d := &decomposition{xb: make([]float64, n), used: make([]bool, n), u: make([]float64, len(p.units)),
		yMean: make([]float64, len(p.units)), xbMean: make([]float64, len(p.units)), y: p.y}
	nz := len(p.z)
	for r := range n {
		v := 0.0
		for j, c := range p.z {
			v += b[j] * c[r]
		}
		off := nz + p.regimeOf(p.q[r], sorted)*len(p.x)
		for j, c := range p.x {
			v += b[off+j] * c[r]
		}
		d.xb[r] = v
	}
	var ySum, xbSum float64
	rows := 0
	for i := range p.units {
		lo, hi := p.tr.LevelBlock(i)
		d.yMean[i] = stat.Mean(p.y[lo:hi], nil)
		d.xbMean[i] = stat.Mean(d.xb[lo:hi], nil)
		if p.tr.DropsLast() {
			hi--
		}
		for r := lo; r < hi; r++ {
			d.used[r] = true
			ySum += p.y[r]
			xbSum += d.xb[r]
			rows++
		}
	}
	c := 0.0
	if p.spec.Convention == Xthreg {
		c = (ySum - xbSum) / float64(rows)
	}
	for i := range p.units {
		d.u[i] = d.yMean[i] - d.xbMean[i] - c
	}
	return d
}

// usedRows returns the level rows of unit i that xtreg, fe's header uses:
// all but, after Hansen's transform, the last.
func (p *Problem) usedRows(i int) (lo, hi int) {
	lo, hi = p.tr.LevelBlock(i)
	if p.tr.DropsLast() {
		hi--
	}
	return lo, hi
}

// feHeader computes xtreg, fe's header statistics of the regression at
// sorted thresholds with the given coefficients (slopes first, in
// regime-specific order).
func (p *Problem) feHeader(sorted []float64, coefs []Coefficient) (*FEHeader, error) {
	k := len(p.z) + len(p.x)*(len(sorted)+1)
	b := make([]float64, k)
	for j := range b {
		b[j] = coefs[j].Estimate
	}
	d := p.decompose(sorted, b)
	used := 0
	for _, ok := range d.used {
		if ok {
			used++
		}
	}
	// Over the used rows, at most three vectors at a time (each statistic
	// sees the same values as from vectors of its own): y, xb and u, then
	// the within deviations written over xb and u.
	y, xb, u := make([]float64, 0, used), make([]float64, 0, used), make([]float64, 0, used)
	h := &FEHeader{Groups: len(p.units), ObsPerGroupMin: math.MaxInt}
	rss := 0.0
	for i := range p.units {
		lo, hi := p.usedRows(i)
		h.ObsPerGroupMin, h.ObsPerGroupMax = min(h.ObsPerGroupMin, hi-lo), max(h.ObsPerGroupMax, hi-lo)
		for r := lo; r < hi; r++ {
			y, xb, u = append(y, p.y[r]), append(xb, d.xb[r]), append(u, d.u[i])
			e := d.e(r, i)
			rss += e * e
		}
	}
	h.Obs = len(y)
	h.ObsPerGroupAvg = float64(h.Obs) / float64(h.Groups)
	dfR := h.Obs - h.Groups - k // positive: Prepare checks it (checkResidualDF)
	square := func(r float64) float64 { return r * r }
	h.R2Overall = Num(square(stat.Correlation(y, xb, nil)))
	h.CorrUXb = Num(stat.Correlation(u, xb, nil))
	yW, xbW := u[:0], xb[:0]
	for i := range p.units {
		lo, hi := p.usedRows(i)
		for r := lo; r < hi; r++ {
			yW, xbW = append(yW, p.y[r]-d.yMean[i]), append(xbW, d.xb[r]-d.xbMean[i])
		}
	}
	r2Within := square(stat.Correlation(yW, xbW, nil))
	h.R2Within = Num(r2Within)
	h.R2Between = Num(square(stat.Correlation(d.yMean, d.xbMean, nil)))
	h.F = newFTest(r2Within/float64(k)/((1-r2Within)/float64(dfR)), k, dfR)
	sigmaU, sigmaE := stat.StdDev(d.u, nil), math.Sqrt(rss/float64(dfR))
	h.SigmaU, h.SigmaE = Num(sigmaU), Num(sigmaE)
	h.Rho = Num(square(sigmaU) / (square(sigmaU) + square(sigmaE)))
	pooled, rank, err := p.pooledSSR(sorted, d.used, y)
	if err != nil {
		return nil, err
	}
	// The restricted model has rank free parameters (k + 1 unless a column
	// is zero or collinear on the used rows, as the last period's dummy
	// after Hansen's transform): the numerator's df is the difference of
	// the two residual df, G - 1 when the pooled design has full rank.
	dfPooled := h.Obs - rank
	h.FUnits = newFTest((pooled-rss)/float64(dfPooled-dfR)/(rss/float64(dfR)), dfPooled-dfR, dfR)
	return h, nil
}

// pooledSSR is the SSR of the pooled regression, without fixed effects, of
// y on a constant and the regime-specific regressors in levels over the used
// rows: the restricted model of the F test that all u_i = 0. Columns that are
// zero or a linear combination of the columns before them on the used rows
// (the constant comes last) are left out, as they do not change the SSR;
// rank is the number of columns kept. yUsed is y on the used rows.
func (p *Problem) pooledSSR(sorted []float64, used []bool, yUsed []float64) (ssr float64, rank int, err error) {
	n := len(yUsed)
	k := len(p.z) + len(p.x)*(len(sorted)+1)
	// fill writes the kept columns of the design (all k+1 when keep is
	// nil) into m, every element, row by row through one row of the full
	// design. One matrix of the full design's size is allocated: to find
	// the columns to keep, then for the regression on them.
	fill := func(m *mat.Dense, keep []int) {
		full := make([]float64, k+1)
		i := 0
		for r, ok := range used {
			if ok {
				p.pooledRow(full, m.RawRowView(i), r, sorted, keep)
				i++
			}
		}
	}
	if n*(k+1) > blockedDesign {
		// The design is built in blocks twice: for all columns, to find
		// those to keep, then for the regression on them.
		r, norms := ols.FactorBlocks(k+1, p.pooledRows(sorted, used, nil), yUsed)
		keep := identified(norms, func(j int) float64 { return r.At(j, j) })
		fit, err := ols.RegressBlocks(n, len(keep), p.pooledRows(sorted, used, keep), yUsed, nil)
		if err != nil {
			return 0, 0, p.pooledError(sorted, err)
		}
		return fit.SSR, len(keep), nil
	}
	all := newDesign(nil, n, k+1)
	fill(all, nil)
	keep := identifiedColumns(all) // factorises all
	build := func(dst *mat.Dense) *mat.Dense {
		if dst == nil { // the regression's design takes the storage of all, not as much again
			dst = mat.NewDense(n, len(keep), all.RawMatrix().Data[:n*len(keep)])
		}
		m := newDesign(dst, n, len(keep))
		fill(m, keep)
		return m
	}
	fit, err := ols.RegressBuilt(build, yUsed, nil)
	if err != nil {
		return 0, 0, p.pooledError(sorted, err)
	}
	return fit.SSR, len(keep), nil
}

func (p *Problem) pooledError(sorted []float64, err error) error {
	return fmt.Errorf("%w: the pooled regression of the test that all u_i = 0 at thresholds %v: %w", ErrData, slices.Clone(sorted), err)
}

// pooledRow writes the kept columns (all k+1 when keep is nil) of the
// pooled design's row at level row r into row, through full, one row of
// the full design.
func (p *Problem) pooledRow(full, row []float64, r int, sorted []float64, keep []int) {
	k := len(full) - 1
	clear(full) // a regressor is zero outside its regime
	for j, c := range p.z {
		full[j] = c[r]
	}
	off := len(p.z) + p.regimeOf(p.q[r], sorted)*len(p.x)
	for j, c := range p.x {
		full[off+j] = c[r]
	}
	full[k] = 1
	if keep == nil {
		copy(row, full)
		return
	}
	for j, c := range keep {
		row[j] = full[c]
	}
}

// pooledRows yields the pooled design's rows (the kept columns, all when
// keep is nil) on the used rows in blocks of blockRows rows.
func (p *Problem) pooledRows(sorted []float64, used []bool, keep []int) iter.Seq[*mat.Dense] {
	k := len(p.z) + len(p.x)*(len(sorted)+1)
	cols := k + 1
	if keep != nil {
		cols = len(keep)
	}
	return func(yield func(*mat.Dense) bool) {
		full := make([]float64, k+1)
		blocks := newRowBlocks(cols, yield)
		for r, ok := range used {
			if !ok {
				continue
			}
			p.pooledRow(full, blocks.row(), r, sorted, keep)
			if !blocks.next() {
				return
			}
		}
		blocks.flush()
	}
}

// identifiedColumns lists the columns of x that are neither zero nor
// (numerically, by ols.CollinearTolerance) a linear combination of the
// columns before them. It overwrites x.
func identifiedColumns(x *mat.Dense) []int {
	_, k := x.Dims()
	norms := make([]float64, k)
	for j := range norms {
		norms[j] = mat.Norm(x.ColView(j), 2)
	}
	qr := ols.FactorInPlace(x)
	return identified(norms, func(j int) float64 { return qr.R(j, j) })
}

// identified lists the columns whose norms are not zero and whose pivots
// |R_jj| / norm_j are not below ols.CollinearTolerance.
func identified(norms []float64, rjj func(j int) float64) []int {
	var keep []int
	for j, norm := range norms {
		if norm > 0 && math.Abs(rjj(j)) >= ols.CollinearTolerance*norm {
			keep = append(keep, j)
		}
	}
	return keep
}
