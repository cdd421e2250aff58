package pca

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/internal/shortlist"
)

// Sentinel errors; every error of this package wraps one of them or an
// error of package panel.
var (
	// ErrTooFewIndicators reports fewer than two indicators.
	ErrTooFewIndicators = errors.New("fewer than 2 indicators")
	// ErrTooFewRows reports fewer than two observations.
	ErrTooFewRows = errors.New("fewer than 2 observations")
	// ErrNotFinite reports a NaN or infinite value.
	ErrNotFinite = errors.New("value is not finite")
	// ErrConstant reports an indicator with one value in every observation.
	ErrConstant = errors.New("constant indicator")
	// ErrNoComponent reports that VarianceShare has no component to keep.
	ErrNoComponent = errors.New("no component has an eigenvalue above 1")
)

// Rule selects how components are weighted into the index.
type Rule int

const (
	// FirstComponent uses the first principal component alone.
	FirstComponent Rule = iota
	// VarianceShare weights the components with eigenvalue above 1 by their
	// share of the retained variance.
	VarianceShare
)

// String returns "first_component" or "variance_share".
func (r Rule) String() string {
	if r == VarianceShare {
		return "variance_share"
	}
	return "first_component"
}

// signTolerance decides when a sum of loadings, or a loading, is zero for
// the sign convention.
const signTolerance = 1e-10

// Result is a composite index and the decomposition behind it. Component
// k's quantities are at index k, in decreasing order of eigenvalue.
type Result struct {
	Rule       string   `json:"rule"`
	Indicators []string `json:"indicators"`
	// Mean and SD standardise indicator j (SD with ddof = 1).
	Mean []float64 `json:"mean"`
	SD   []float64 `json:"sd"`
	// Eigenvalues of the correlation matrix and their shares lambda_k / p.
	Eigenvalues    []float64 `json:"eigenvalues"`
	VarianceShares []float64 `json:"variance_shares"`
	// Loadings[k][j] is entry j of the unit eigenvector of component k.
	Loadings [][]float64 `json:"loadings"`
	// Weights[k] is the weight of retained component k (len = retained).
	Weights []float64 `json:"weights"`
	// Coefficients[j] multiplies indicator j's z-score in the index.
	Coefficients []float64 `json:"coefficients"`
	// Index holds one value per observation, in input order.
	Index []float64 `json:"index"`
}

// Index computes the composite index of the indicators x (x[j] is the
// column of indicator names[j]) under the rule. It panics if the columns
// and names differ in number or the columns in length.
func Index(x [][]float64, names []string, rule Rule) (*Result, error) {
	p := len(x)
	if len(names) != p {
		panic(fmt.Sprintf("pca: %d columns and %d names", p, len(names)))
	}
	if p < 2 {
		return nil, fmt.Errorf("%w: %d indicator given; an index needs at least 2", ErrTooFewIndicators, p)
	}
	n := len(x[0])
	for j, col := range x {
		if len(col) != n {
			panic(fmt.Sprintf("pca: indicator %q has %d values, %q has %d", names[j], len(col), names[0], n))
		}
	}
	if n < 2 {
		return nil, fmt.Errorf("%w: %d observation", ErrTooFewRows, n)
	}
	res := &Result{Rule: rule.String(), Indicators: slices.Clone(names)}
	z := mat.NewDense(n, p, nil)
	for j, col := range x {
		for r, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: indicator %q is %v in observation %d", ErrNotFinite, names[j], v, r)
			}
		}
		if slices.Min(col) == slices.Max(col) {
			return nil, fmt.Errorf("%w: indicator %q equals %v in every observation", ErrConstant, names[j], col[0])
		}
		mean := floats.Sum(col) / float64(n)
		dev := slices.Clone(col)
		floats.AddConst(-mean, dev)
		sd := math.Sqrt(floats.Dot(dev, dev) / float64(n-1))
		floats.Scale(1/sd, dev)
		z.SetCol(j, dev)
		res.Mean, res.SD = append(res.Mean, mean), append(res.SD, sd)
	}

	corr := mat.NewSymDense(p, nil)
	for i := 0; i < p; i++ {
		corr.SetSym(i, i, 1)
		for j := i + 1; j < p; j++ {
			corr.SetSym(i, j, mat.Dot(z.ColView(i), z.ColView(j))/float64(n-1))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(corr, true) {
		return nil, errors.New("pca: eigen-decomposition of the correlation matrix did not converge")
	}
	values := eig.Values(nil)
	var vectors mat.Dense
	eig.VectorsTo(&vectors)
	for k := p - 1; k >= 0; k-- { // decreasing eigenvalues
		v := mat.Col(nil, k, &vectors)
		orient(v)
		res.Eigenvalues = append(res.Eigenvalues, values[k])
		res.VarianceShares = append(res.VarianceShares, values[k]/float64(p))
		res.Loadings = append(res.Loadings, v)
	}

	res.Weights = weights(res.Eigenvalues, rule)
	if len(res.Weights) == 0 {
		return nil, fmt.Errorf("%w: the indicators %s are uncorrelated (the largest eigenvalue is %v)", ErrNoComponent, shortlist.Quote(names), res.Eigenvalues[0])
	}
	res.Coefficients = make([]float64, p)
	for k, w := range res.Weights {
		floats.AddScaled(res.Coefficients, w, res.Loadings[k])
	}
	res.Index = make([]float64, n)
	mat.NewVecDense(n, res.Index).MulVec(z, mat.NewVecDense(p, res.Coefficients))
	return res, nil
}

// weights returns the weights of the retained components, given the
// eigenvalues in decreasing order.
func weights(eigenvalues []float64, rule Rule) []float64 {
	if rule == FirstComponent {
		return []float64{1}
	}
	var w []float64
	total := 0.0
	for _, l := range eigenvalues {
		if l > 1 {
			w = append(w, l)
			total += l
		}
	}
	floats.Scale(1/total, w)
	return w
}

// orient flips v so that its entries sum to a positive number or, when the
// sum is zero, its first non-zero entry is positive.
func orient(v []float64) {
	s := floats.Sum(v)
	if math.Abs(s) < signTolerance {
		for _, e := range v {
			if math.Abs(e) > signTolerance {
				s = e
				break
			}
		}
	}
	if s < 0 {
		floats.Scale(-1, v)
	}
}

// FromTable computes the index of the named columns of a table, one value
// per data row. A missing or non-numeric cell is an error wrapping
// panel.ErrMissingValue or panel.ErrNotNumeric that names the column and
// line.
func FromTable(t *panel.Table, names []string, rule Rule) (*Result, error) {
	x := make([][]float64, len(names))
	for j, name := range names {
		col, err := t.Numbers(name)
		if err != nil {
			return nil, fmt.Errorf("indicator %q: %w", name, err)
		}
		x[j] = col
	}
	return Index(x, names, rule)
}
