package twfe

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/thresher/thresher/estimators/ols"
	"github.com/thresher/thresher/internal/shortlist"
)

// Sentinel errors. Errors returned by Fit wrap one of them, or
// ols.ErrCollinear, and name the column, row or unit at fault.
var (
	// ErrFewUnits reports a sample with fewer than two units.
	ErrFewUnits = errors.New("fewer than 2 units in the sample")
	// ErrTooFewRows reports a sample without residual degrees of freedom.
	ErrTooFewRows = errors.New("too few observations")
	// ErrNotFinite reports a NaN or infinite value.
	ErrNotFinite = errors.New("value is not finite")
	// ErrDegenerate reports a model whose inference is undefined: a
	// dependent variable constant within every unit, or a zero standard
	// error.
	ErrDegenerate = errors.New("degenerate regression")
)

// Options select the fixed effects.
type Options struct {
	// PeriodEffects adds dummies for every period but the first (i.period).
	PeriodEffects bool
}

// Coefficient is one estimate with its classical and unit-clustered
// inference.
type Coefficient struct {
	Name     string  `json:"name"`
	Estimate float64 `json:"estimate"`
	// SE, T and P use the classical covariance and Student's t with
	// Result.DFResid degrees of freedom.
	SE float64 `json:"se"`
	T  float64 `json:"t"`
	P  float64 `json:"p"`
	// SECluster, TCluster and PCluster use the unit-clustered covariance and
	// Student's t with Result.DFCluster degrees of freedom.
	SECluster float64 `json:"se_cluster"`
	TCluster  float64 `json:"t_cluster"`
	PCluster  float64 `json:"p_cluster"`
}

// Result is a two-way fixed-effects fit. Its JSON encoding has a fixed field
// order and holds no NaN or infinity.
type Result struct {
	NObs     int `json:"n_obs"`
	NUnits   int `json:"n_units"`
	NPeriods int `json:"n_periods"`
	// PeriodEffects reports whether period dummies were included;
	// OmittedPeriods lists the periods whose dummies were collinear.
	PeriodEffects  bool  `json:"period_effects"`
	OmittedPeriods []int `json:"omitted_periods"`
	// DFResid = N - n - K_all; DFCluster = G - 1.
	DFResid   int `json:"df_resid"`
	DFCluster int `json:"df_cluster"`
	// Coefficients holds the named regressors' slopes, in the order given;
	// the period effects are not reported.
	Coefficients []Coefficient `json:"coefficients"`
	// Constant is xtreg, fe's _cons (see the package documentation).
	Constant Coefficient `json:"constant"`
	SSR      float64     `json:"ssr"`
	// TSSWithin is the sum of squares of the within-transformed y.
	TSSWithin float64 `json:"tss_within"`
	R2Within  float64 `json:"r2_within"`
}

// Coefficient returns the named regressor's coefficient.
func (r *Result) Coefficient(name string) (Coefficient, bool) {
	for _, c := range r.Coefficients {
		if c.Name == name {
			return c, true
		}
	}
	return Coefficient{}, false
}

// Fit regresses y on the columns x (x[j] is regressor names[j]) with unit and
// optional period fixed effects. unit[r] and period[r] identify row r; rows
// may come in any order and units may have different numbers of rows. It
// panics if the lengths of the arguments disagree.
func Fit(y []float64, x [][]float64, names []string, unit []int32, period []int, opts Options) (*Result, error) {
	n := len(y)
	if len(x) != len(names) || len(unit) != n || len(period) != n {
		panic(fmt.Sprintf("twfe: %d rows of y, %d units and %d periods; %d columns and %d names", n, len(unit), len(period), len(x), len(names)))
	}
	for j, col := range x {
		if len(col) != n {
			panic(fmt.Sprintf("twfe: column %q has %d rows, y has %d", names[j], len(col), n))
		}
	}
	if err := checkFinite("dependent variable", y); err != nil {
		return nil, err
	}
	for j, col := range x {
		if err := checkFinite(fmt.Sprintf("regressor %q", names[j]), col); err != nil {
			return nil, err
		}
	}
	units, group := index(unit)
	if len(units) < 2 {
		return nil, fmt.Errorf("%w: %d unit in %d rows; unit fixed effects need at least 2", ErrFewUnits, len(units), n)
	}
	periods, _ := index(period)
	d := newDesign(y, x, names, group, len(units), period, periods, opts.PeriodEffects)
	if absorbed(math.Sqrt(d.tss), y) {
		return nil, fmt.Errorf("%w: the dependent variable is constant within every unit", ErrDegenerate)
	}
	kAll := len(d.names) - 1
	dfResid := n - len(units) - kAll
	if dfResid < 1 {
		return nil, fmt.Errorf("%w: %d rows, %d units and %d slopes (%d regressors, %d period dummies) leave %d residual degrees of freedom",
			ErrTooFewRows, n, len(units), kAll, len(x), kAll-len(x), dfResid)
	}
	first := kAll - len(x) // column of the first named regressor
	for j, col := range x {
		if absorbed(mat.Norm(d.w.ColView(first+j), 2), col) {
			return nil, fmt.Errorf("%w: regressor %q is constant within every unit (absorbed by the unit fixed effects)", ols.ErrCollinear, names[j])
		}
	}
	fit, err := ols.Regress(d.w, d.y, d.names)
	if err != nil {
		return nil, fmt.Errorf("two-way fixed effects: %w", err)
	}
	if fit.Exact(d.tss) {
		return nil, fmt.Errorf("%w: the regressors %s fit the dependent variable exactly (residual sum of squares %.3g of a total %.3g); "+
			"its standard errors would be meaningless: remove the regressors that determine it", ErrDegenerate, shortlist.Quote(names), fit.SSR, d.tss)
	}
	g := float64(len(units))
	scale := g / (g - 1) * float64(n-1) / float64(n-kAll-1)
	covs := []*mat.Dense{fit.Classical(float64(dfResid)), fit.Cluster(group, scale)}
	dfs := []float64{float64(dfResid), g - 1}

	res := &Result{
		NObs: n, NUnits: len(units), NPeriods: len(periods),
		PeriodEffects: opts.PeriodEffects, OmittedPeriods: d.omitted,
		DFResid: dfResid, DFCluster: len(units) - 1,
		SSR: fit.SSR, TSSWithin: d.tss, R2Within: 1 - fit.SSR/d.tss,
	}
	for j := range x {
		h := make([]float64, len(d.names))
		h[first+j] = 1
		c, err := coefficient(names[j], fit.Coef[first+j], h, covs, dfs)
		if err != nil {
			return nil, err
		}
		res.Coefficients = append(res.Coefficients, c)
	}
	// _cons = mean(y) - mean(Z)'b = h'coef with h = (-mean(Z), 1).
	h := make([]float64, len(d.names))
	for j, m := range d.means {
		h[j] = -m
	}
	h[len(h)-1] = 1
	res.Constant, err = coefficient("_cons", mat.Dot(mat.NewVecDense(len(h), h), mat.NewVecDense(len(h), fit.Coef)), h, covs, dfs)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// coefficient reports the linear combination h'coef with estimate est, its
// standard errors sqrt(h'Vh) under the classical and clustered covariances
// covs[0] and covs[1], and two-sided Student-t p-values with dfs[0] and
// dfs[1] degrees of freedom.
func coefficient(name string, est float64, h []float64, covs []*mat.Dense, dfs []float64) (Coefficient, error) {
	hv := mat.NewVecDense(len(h), h)
	var se, t, p [2]float64
	for i, v := range covs {
		se[i] = math.Sqrt(mat.Inner(hv, v, hv))
		if !(se[i] > 0) || math.IsInf(se[i], 0) {
			return Coefficient{}, fmt.Errorf("%w: the %s standard error of %q is %v",
				ErrDegenerate, [2]string{"classical", "clustered"}[i], name, se[i])
		}
		t[i] = est / se[i]
		p[i] = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: dfs[i]}.Survival(math.Abs(t[i]))
	}
	return Coefficient{Name: name, Estimate: est, SE: se[0], T: t[0], P: p[0],
		SECluster: se[1], TCluster: t[1], PCluster: p[1]}, nil
}

// index returns the sorted distinct values of ids and each row's position
// among them.
func index[T cmp.Ordered](ids []T) (distinct []T, pos []int) {
	distinct = slices.Compact(slices.Sorted(slices.Values(ids)))
	pos = make([]int, len(ids))
	for r, v := range ids {
		pos[r], _ = slices.BinarySearch(distinct, v)
	}
	return distinct, pos
}

func checkFinite(what string, v []float64) error {
	for r, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: %s is %v in row %d", ErrNotFinite, what, x, r)
		}
	}
	return nil
}

// absorbed reports whether a column whose within-transformed norm is
// withinNorm is constant within units up to rounding: withinNorm <=
// ols.CollinearTolerance ||level||. An exactly constant column leaves
// rounding residue of order 1e-16 ||level|| after demeaning, which a QR pivot
// relative to the residue's own norm would not flag.
func absorbed(withinNorm float64, level []float64) bool {
	return withinNorm <= ols.CollinearTolerance*floats.Norm(level, 2)
}
