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
	periods []int // the panel's periods; equations start at periods[first]
	first   int
	n, m    int      // units, equations per unit
	names   []string // regressors x: Lag_y unless static, then Indep
	k       int      // len(names)
	p       int      // parameters at a fixed threshold: k + k+1 (jump) or k+1 (kink)
	qAll    []float64
	dy      [][]float64   // [unit][equation]
	dx      [][][]float64 // [unit][equation] first differences of x
	xt, xl  [][][]float64 // [unit][equation] (1, x_it') and (1, x_i,t-1')
	qt, ql  [][]float64   // q_it and q_i,t-1
	z       [][][]float64 // [unit][equation] the equation's instrument block
	off     []int         // column offset of each block; off[m] = L
	grid    []float64
	h       float64 // bandwidth of the kernel derivative
}

// Prepare reads the variables of spec from the table, checks that the panel
// is strongly balanced with consecutive periods and long enough, builds the
// differenced equations with their instruments, and the grid.
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
	if err := pan.CheckBalanced(); err != nil {
		return nil, fmt.Errorf("the estimator needs a strongly balanced panel: %w", err)
	}
	periods := pan.Periods()
	for j := 1; j < len(periods); j++ {
		if periods[j] != periods[j-1]+1 {
			return nil, fmt.Errorf("%w: no unit is observed in the periods between %d and %d: first differences need consecutive periods",
				panel.ErrUnbalanced, periods[j-1], periods[j])
		}
	}
	pr := &Problem{spec: spec, units: pan.Units, periods: periods, n: len(pan.Units)}
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
	T := len(periods)
	pr.m = T - pr.first
	if pr.m < 1 {
		model := "static"
		if !spec.Static {
			model = "dynamic"
		}
		return nil, fmt.Errorf("%w: the %s model's first-differenced equations start in period %d of the panel, which has %d (%d..%d)",
			ErrTooFewPeriods, model, pr.first+1, T, periods[0], periods[T-1])
	}

	// series[v][i][tau] is variable v of unit i in period tau (0-based).
	series := func(v string) [][]float64 {
		col, _ := pan.Column(v)
		out := make([][]float64, pr.n)
		for i := range out {
			out[i] = col[i*T : (i+1)*T]
		}
		return out
	}
	y, q := series(spec.Depvar), series(spec.Qx)
	x := make([][][]float64, pr.k) // the regressors' levels; Lag_y shifted
	for c, v := range pr.names {
		if v == "Lag_y" {
			x[c] = make([][]float64, pr.n)
			for i := range x[c] {
				x[c][i] = append([]float64{math.NaN()}, y[i][:T-1]...)
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

	// Block of the equation of period tau (0-based; t = tau+1): a constant;
	// y at 1..t-2; the difference at t of each exogenous regressor; each
	// endogenous variable at 1..t-2; each exogenous instrument at 1..t; each
	// extra instrument at t.
	pr.off = make([]int, pr.m+1)
	for j := 0; j < pr.m; j++ {
		tau := pr.first + j
		width := 1 + (tau - 1) + len(exoDiff) + len(endo)*(tau-1) + len(exog)*(tau+1) + len(inst)
		pr.off[j+1] = pr.off[j] + width
	}
	L := pr.off[pr.m]
	if L <= pr.p {
		return nil, fmt.Errorf("%w: %d instruments for %d parameters (the threshold included); add instruments (--endo, --exog, --inst) or periods",
			ErrIdentification, L, pr.p+1)
	}
	if pr.n <= L {
		return nil, fmt.Errorf("%w: %d instruments need more than %d units for the second-step weight matrix, the panel has %d",
			ErrIdentification, L, L, pr.n)
	}
	for _, a := range []*[][]float64{&pr.dy, &pr.qt, &pr.ql} {
		*a = make([][]float64, pr.n)
	}
	for _, a := range []*[][][]float64{&pr.dx, &pr.xt, &pr.xl, &pr.z} {
		*a = make([][][]float64, pr.n)
	}
	for i := 0; i < pr.n; i++ {
		for j := 0; j < pr.m; j++ {
			tau := pr.first + j
			pr.dy[i] = append(pr.dy[i], y[i][tau]-y[i][tau-1])
			pr.qt[i] = append(pr.qt[i], q[i][tau])
			pr.ql[i] = append(pr.ql[i], q[i][tau-1])
			dx := make([]float64, pr.k)
			xt, xl := []float64{1}, []float64{1}
			for c := range x {
				dx[c] = x[c][i][tau] - x[c][i][tau-1]
				xt, xl = append(xt, x[c][i][tau]), append(xl, x[c][i][tau-1])
			}
			pr.dx[i] = append(pr.dx[i], dx)
			pr.xt[i], pr.xl[i] = append(pr.xt[i], xt), append(pr.xl[i], xl)
			b := []float64{1}
			b = append(b, y[i][:tau-1]...)
			for _, v := range exoDiff {
				b = append(b, v[i][tau]-v[i][tau-1])
			}
			for _, v := range endo {
				b = append(b, v[i][:tau-1]...)
			}
			for _, v := range exog {
				b = append(b, v[i][:tau+1]...)
			}
			for _, v := range inst {
				b = append(b, v[i][tau])
			}
			pr.z[i] = append(pr.z[i], b)
		}
	}
	if pr.grid, err = pr.makeGrid(); err != nil {
		return nil, err
	}
	pr.h = spec.H0 * 1.06 * math.Pow(float64(pr.n), -0.2) * sd(pr.qAll)
	return pr, nil
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
