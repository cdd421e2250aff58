package dynthreshold

import (
	"fmt"
	"math"
	"slices"

	"github.com/thresher/thresher/estimators/panel"
)

// Problem is a prepared model: the first-differenced equations of every unit,
// their instruments and the grid. Its methods do not modify it.
type Problem struct {
	spec    Spec
	units   []string
	dropped int   // units without an equation (unbalanced panels)
	periods []int // the panel's periods, consecutive; equations start at periods[first]
	first   int
	n, m    int      // units, blocks (periods with an equation)
	names   []string // regressors x: Lag_y unless static, then Indep
	k       int      // len(names)
	p       int      // parameters at a fixed threshold: k + k+1 (jump) or k+1 (kink)
	qAll    []float64
	// Per unit and equation (in period order); blk is the equation's block,
	// i.e. its period index minus first. A balanced panel has every block.
	blk    [][]int
	dy     [][]float64   // first difference of y
	dx     [][][]float64 // first differences of x
	xt, xl [][][]float64 // (1, x_it') and (1, x_i,t-1')
	qt, ql [][]float64   // q_it and q_i,t-1
	z      [][][]float64 // the equation's instrument block
	off    []int         // column offset of each block; off[m] = L
	grid   []float64
	h      float64 // bandwidth of the kernel derivative
}

// maxLayoutPerRow bounds the cells of the per-unit layout over the span of
// periods (units x periods) per row of the panel: a balanced panel has one,
// an unbalanced one a few.
const maxLayoutPerRow = 64

// Prepare reads the variables of spec from the table, checks the panel
// (strongly balanced with consecutive periods unless Spec.Unbalanced) and its
// length, builds the differenced equations with their instruments, and the
// grid.
func Prepare(t *panel.Table, spec Spec) (*Problem, error) {
	if err := spec.Normalize(); err != nil {
		return nil, err
	}
	var names []string
	for _, l := range [][]string{{spec.Depvar, spec.Qx}, spec.Indep, spec.Endo, spec.Exog, spec.Inst} {
		for _, v := range l {
			if !slices.Contains(names, v) {
				names = append(names, v)
			}
		}
	}
	terms := make([]panel.Term, len(names))
	for i, v := range names {
		term, err := panel.ParseTerm(v)
		if err != nil {
			return nil, err
		}
		terms[i] = term
	}
	pan, err := panel.Build(t, panel.Layout{ID: spec.ID, Time: spec.Time}, terms)
	if err != nil {
		return nil, err
	}
	observed := pan.Periods()
	if !spec.Unbalanced {
		if err := pan.CheckBalanced(); err != nil {
			return nil, fmt.Errorf("the estimator needs a strongly balanced panel unless unbalanced panels are allowed: %w", err)
		}
		for j := 1; j < len(observed); j++ {
			if observed[j] != observed[j-1]+1 {
				return nil, fmt.Errorf("%w: no unit is observed in the periods between %d and %d: first differences need consecutive periods",
					panel.ErrUnbalanced, observed[j-1], observed[j])
			}
		}
	}
	T := observed[len(observed)-1] - observed[0] + 1
	// Each unit is laid out over the whole span of periods: a few periods
	// far from the rest would make that layout dwarf the data.
	if cells := float64(len(pan.Units)) * float64(T); cells > maxLayoutPerRow*float64(pan.Len()) {
		return nil, fmt.Errorf("%w: periods %d..%d span %d periods, of which %d are observed: the estimator lays out each of the %d units over the whole span (%.3g cells for %d rows, at most %d per row); recode the periods so that the observed ones are close together",
			panel.ErrUnbalanced, observed[0], observed[len(observed)-1], T, len(observed), len(pan.Units), cells, pan.Len(), maxLayoutPerRow)
	}
	pr := &Problem{spec: spec}
	for tau := 0; tau < T; tau++ {
		pr.periods = append(pr.periods, observed[0]+tau)
	}
	if !spec.Static {
		pr.first = 2
		pr.names = append(pr.names, "Lag_y")
	} else {
		pr.first = 1
	}
	pr.names = append(pr.names, spec.Indep...)
	pr.k = len(pr.names)
	pr.p = 2*pr.k + 1
	if spec.Kink {
		pr.p = pr.k + 1
	}
	pr.m = T - pr.first
	if pr.m < 1 {
		model := "static"
		if !spec.Static {
			model = "dynamic"
		}
		return nil, fmt.Errorf("%w: the %s model's first-differenced equations start in period %d of the panel, which has %d (%d..%d)",
			ErrTooFewPeriods, model, pr.first+1, T, pr.periods[0], pr.periods[T-1])
	}

	// series(v)[u][tau] is variable v of unit u in period tau (0-based),
	// NaN where the unit is not observed.
	series := func(v string) [][]float64 {
		col, _ := pan.Column(v)
		out := make([][]float64, len(pan.Units))
		for u := range out {
			out[u] = make([]float64, T)
			for tau := range out[u] {
				out[u][tau] = math.NaN()
			}
		}
		for r, u := range pan.Unit {
			out[u][pan.Period[r]-observed[0]] = col[r]
		}
		return out
	}
	y, q := series(spec.Depvar), series(spec.Qx)
	x := make([][][]float64, pr.k) // the regressors' levels; Lag_y shifted
	for c, v := range pr.names {
		if v == "Lag_y" {
			x[c] = make([][]float64, len(y))
			for u := range x[c] {
				x[c][u] = append([]float64{math.NaN()}, y[u][:T-1]...)
			}
			continue
		}
		x[c] = series(v)
	}
	qcol, _ := pan.Column(spec.Qx)
	pr.qAll = slices.Clone(qcol)
	var exoDiff, endo, exog, inst [][][]float64
	for _, v := range spec.Indep {
		if !slices.Contains(spec.Endo, v) {
			exoDiff = append(exoDiff, series(v))
		}
	}
	for _, v := range spec.Endo {
		endo = append(endo, series(v))
	}
	for _, v := range spec.Exog {
		exog = append(exog, series(v))
	}
	for _, v := range spec.Inst {
		inst = append(inst, series(v))
	}

	// The equation of period tau (0-based; t = tau+1) exists where y, q and
	// x are observed at t and t-1 (and y at t-2 when dynamic: the lag's
	// difference). Its block: a constant; y at 1..t-2; the difference at t
	// of each exogenous regressor; each endogenous variable at 1..t-2; each
	// exogenous instrument at 1..t; each extra instrument at t. An
	// instrument that is not observed is 0: the moment has no term for it.
	for u := range pan.Units {
		var blk []int
		var dys, qts, qls []float64
		var dxs, xts, xls, zs [][]float64
		for j := 0; j < pr.m; j++ {
			tau := pr.first + j
			need := []float64{y[u][tau], y[u][tau-1], q[u][tau], q[u][tau-1]}
			for c := range x {
				need = append(need, x[c][u][tau], x[c][u][tau-1])
			}
			if slices.ContainsFunc(need, math.IsNaN) {
				continue
			}
			blk = append(blk, j)
			dys = append(dys, y[u][tau]-y[u][tau-1])
			qts, qls = append(qts, q[u][tau]), append(qls, q[u][tau-1])
			dx := make([]float64, pr.k)
			xt, xl := []float64{1}, []float64{1}
			for c := range x {
				dx[c] = x[c][u][tau] - x[c][u][tau-1]
				xt, xl = append(xt, x[c][u][tau]), append(xl, x[c][u][tau-1])
			}
			dxs, xts, xls = append(dxs, dx), append(xts, xt), append(xls, xl)
			b := []float64{1}
			b = append(b, y[u][:tau-1]...)
			for _, v := range exoDiff {
				b = append(b, v[u][tau]-v[u][tau-1])
			}
			for _, v := range endo {
				b = append(b, v[u][:tau-1]...)
			}
			for _, v := range exog {
				b = append(b, v[u][:tau+1]...)
			}
			for _, v := range inst {
				b = append(b, v[u][tau])
			}
			for a := range b {
				if math.IsNaN(b[a]) {
					b[a] = 0
				}
			}
			zs = append(zs, b)
		}
		if len(blk) == 0 {
			pr.dropped++
			continue
		}
		pr.units = append(pr.units, pan.Units[u])
		pr.blk, pr.dy, pr.qt, pr.ql = append(pr.blk, blk), append(pr.dy, dys), append(pr.qt, qts), append(pr.ql, qls)
		pr.dx, pr.xt, pr.xl, pr.z = append(pr.dx, dxs), append(pr.xt, xts), append(pr.xl, xls), append(pr.z, zs)
	}
	pr.n = len(pr.units)
	if pr.n == 0 {
		return nil, fmt.Errorf("%w: no unit has two (static) or three (dynamic) consecutive periods with every variable", ErrTooFewPeriods)
	}
	pr.dropInstruments()
	L := pr.L()
	if L <= pr.p {
		return nil, fmt.Errorf("%w: %d instruments for %d parameters (the threshold included); add instruments (--endo, --exog, --inst) or periods",
			ErrIdentification, L, pr.p+1)
	}
	if pr.n <= L {
		return nil, fmt.Errorf("%w: %d instruments need more than %d units for the second-step weight matrix, the panel has %d",
			ErrIdentification, L, L, pr.n)
	}
	if pr.grid, err = pr.makeGrid(); err != nil {
		return nil, err
	}
	pr.h = spec.H0 * 1.06 * math.Pow(float64(pr.n), -0.2) * sd(pr.qAll)
	return pr, nil
}

// dropInstruments sets the block offsets. In an unbalanced panel it first
// removes the instrument columns that are zero for every unit (e.g. y_i1
// when no unit is observed in the first period, or the block of a period
// without equations), which would make the weight matrices singular; a
// balanced panel keeps every column, as xthenreg does.
func (pr *Problem) dropInstruments() {
	widths := make([]int, pr.m)
	for u := range pr.z {
		for e, b := range pr.z[u] {
			widths[pr.blk[u][e]] = len(b)
		}
	}
	keep := make([][]bool, pr.m)
	for j := range keep {
		keep[j] = make([]bool, widths[j])
		for a := range keep[j] {
			keep[j][a] = !pr.spec.Unbalanced
		}
	}
	for u := range pr.z {
		for e, b := range pr.z[u] {
			for a, v := range b {
				keep[pr.blk[u][e]][a] = keep[pr.blk[u][e]][a] || v != 0
			}
		}
	}
	for u := range pr.z {
		for e, b := range pr.z[u] {
			kept := b[:0]
			for a, v := range b {
				if keep[pr.blk[u][e]][a] {
					kept = append(kept, v)
				}
			}
			pr.z[u][e] = kept
		}
	}
	pr.off = make([]int, pr.m+1)
	for j := range keep {
		pr.off[j+1] = pr.off[j]
		for _, k := range keep[j] {
			if k {
				pr.off[j+1]++
			}
		}
	}
}

// L returns the number of instruments.
func (pr *Problem) L() int { return pr.off[pr.m] }

// row writes the regressors of equation j of unit i at threshold g: the
// differenced x, then the threshold columns
//
//	jump: (1, x_it') 1{q_it > g} - (1, x_i,t-1') 1{q_i,t-1 > g}
//	kink: (q_it - g) 1{q_it > g} - (q_i,t-1 - g) 1{q_i,t-1 > g}
func (pr *Problem) row(i, j int, g float64, out []float64) {
	copy(out, pr.dx[i][j])
	qt, ql := pr.qt[i][j], pr.ql[i][j]
	if pr.spec.Kink {
		out[pr.k] = max(qt-g, 0) - max(ql-g, 0)
		return
	}
	for c := 0; c <= pr.k; c++ {
		out[pr.k+c] = pr.xt[i][j][c]*indicator(qt > g) - pr.xl[i][j][c]*indicator(ql > g)
	}
}

func indicator(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// sd is the sample standard deviation (denominator N-1).
func sd(v []float64) float64 {
	mean := 0.0
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss / float64(len(v)-1))
}
