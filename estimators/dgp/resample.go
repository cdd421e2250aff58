package dgp

import (
	"fmt"
	"math"
	"slices"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/stream"
	"github.com/thresher/thresher/estimators/twfe"
)

// resampleBase is what the resample family holds fixed: the user's panel
// structure, regressors and q, the unit effects and the residuals of the
// within fit.
type resampleBase struct {
	unit, period []float64   // unit index from 1, period
	x            [][]float64 // regressors, regime-dependent regressors, q if separate
	q            []float64
	alpha        []float64 // unit effect per row
	residuals    []float64 // scaled within residuals, rows of a unit contiguous
	starts       []int     // first row of each unit, and the row count at the end
	donors       map[int][]int
}

// fitBase reads the design's columns from the user's data and fits the
// design's model there (see the package documentation).
func (d Design) fitBase(t *panel.Table) (*resampleBase, error) {
	columns := slices.Concat([]string{d.Y}, names(d.Regressors), names(d.RegimeDependent))
	qSeparate := !slices.Contains(columns, d.Q.Name)
	if qSeparate {
		columns = append(columns, d.Q.Name)
	}
	terms := make([]panel.Term, len(columns))
	for j, name := range columns {
		term, err := panel.ParseTerm(name)
		if err != nil {
			return nil, fmt.Errorf("resample: column %s: %w", quote(name), err)
		}
		terms[j] = term
	}
	p, err := panel.Build(t, panel.Layout{ID: d.ID, Time: d.Time}, terms)
	if err != nil {
		return nil, fmt.Errorf("resample: %w", err)
	}
	if len(p.Units) < 2 {
		return nil, fmt.Errorf("resample: the data have %d unit: a panel needs at least 2", len(p.Units))
	}
	b := &resampleBase{starts: p.UnitStarts(), donors: map[int][]int{}}
	b.unit, b.period = make([]float64, p.Len()), make([]float64, p.Len())
	for r := range b.unit {
		b.unit[r], b.period[r] = float64(p.Unit[r]+1), float64(p.Period[r])
	}
	y := p.Values[0]
	b.x = p.Values[1:]
	b.q = p.Values[slices.Index(columns, d.Q.Name)]
	lo, hi := slices.Min(b.q), slices.Max(b.q)
	if err := checkThresholds(d.Thresholds, lo, hi, fmt.Sprintf("the range of %s in the data", d.Q.Name)); err != nil {
		return nil, fmt.Errorf("resample: %w", err)
	}

	// The fitted model: regime-independent regressors, and each
	// regime-dependent regressor split at the true thresholds.
	truth := d.Truth()
	var fitX [][]float64
	var fitNames []string
	fixed := len(d.Regressors)
	fitX = append(fitX, b.x[:fixed]...)
	fitNames = append(fitNames, names(d.Regressors)...)
	for k := range len(truth.Thresholds) + 1 {
		for j, r := range d.RegimeDependent {
			col := make([]float64, p.Len())
			for i, v := range b.x[fixed+j] {
				if regime(truth.Thresholds, b.q[i]) == k {
					col[i] = v
				}
			}
			fitX = append(fitX, col)
			fitNames = append(fitNames, fmt.Sprintf("%s_regime%d", r.Name, k+1))
		}
	}
	fit, err := twfe.Fit(y, fitX, fitNames, p.Unit, p.Period, twfe.Options{})
	if err != nil {
		return nil, fmt.Errorf("resample: within fit of %s on the design's model: %w", d.Y, err)
	}
	// e = y - a_i - X b with a_i = mean_i(y) - mean_i(X) b: the within
	// residuals, scaled by sqrt(N / (N - n - K)) so that their mean square
	// is the fit's s^2.
	scale := math.Sqrt(float64(fit.NObs) / float64(fit.DFResid))
	b.alpha = make([]float64, p.Len())
	b.residuals = make([]float64, p.Len())
	for u := range len(b.starts) - 1 {
		lo, hi := b.starts[u], b.starts[u+1]
		fitted := make([]float64, hi-lo)
		for r := lo; r < hi; r++ {
			for j, c := range fit.Coefficients {
				fitted[r-lo] += c.Estimate * fitX[j][r]
			}
		}
		mean := 0.0
		for r := lo; r < hi; r++ {
			mean += y[r] - fitted[r-lo]
		}
		mean /= float64(hi - lo)
		for r := lo; r < hi; r++ {
			b.alpha[r] = mean
			b.residuals[r] = scale * (y[r] - fitted[r-lo] - mean)
		}
		b.donors[hi-lo] = append(b.donors[hi-lo], u)
	}
	return b, nil
}

// draw regenerates the outcome with resampled errors.
func (b *resampleBase) draw(d Design, s *stream.Stream) *Sample {
	rows := len(b.residuals)
	e := make([]float64, rows)
	switch d.Resample {
	case ResampleIID:
		for r := range e {
			e[r] = b.residuals[s.IntN(rows)]
		}
	case ResampleUnit:
		for u := range len(b.starts) - 1 {
			lo, hi := b.starts[u], b.starts[u+1]
			pool := b.donors[hi-lo]
			donor := b.starts[pool[s.IntN(len(pool))]]
			copy(e[lo:hi], b.residuals[donor:donor+hi-lo])
		}
	}
	slopes := d.regimeSlopes()
	fixed := len(d.Regressors)
	y := make([]float64, rows)
	for r := range y {
		v := b.alpha[r] + e[r]
		for j, reg := range d.Regressors {
			v += reg.Slope * b.x[j][r]
		}
		beta := slopes[regime(d.Thresholds, b.q[r])]
		for j := range d.RegimeDependent {
			v += beta[j] * b.x[fixed+j][r]
		}
		y[r] = v
	}
	sample := &Sample{
		Names:   slices.Concat([]string{d.ID, d.Time, d.Y}, names(d.Regressors), names(d.RegimeDependent)),
		Columns: [][]float64{slices.Clone(b.unit), slices.Clone(b.period), y},
	}
	for _, col := range b.x {
		sample.Columns = append(sample.Columns, slices.Clone(col))
	}
	if len(b.x) > len(d.Regressors)+len(d.RegimeDependent) {
		sample.Names = append(sample.Names, d.Q.Name)
	}
	return sample
}
