package ols

import (
	"errors"
	"fmt"
	"iter"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/internal/shortlist"
)

// ErrCollinear reports a regressor that is constant (all zero) or an exact
// linear combination of the regressors before it.
var ErrCollinear = errors.New("collinear regressors")

// ErrTooFewRows reports fewer observations than regressors.
var ErrTooFewRows = errors.New("too few observations")

// CollinearTolerance is the relative size below which a QR pivot counts as
// zero: |R_jj| < CollinearTolerance * ||x_j|| means x_j lies (numerically)
// in the span of x_1..x_{j-1}.
const CollinearTolerance = 1e-9

// ExactFitShare is the share of the total sum of squares at or below which
// a residual sum of squares counts as zero: real data leave far more, while
// rounding leaves about 1e-25 of an exact fit.
const ExactFitShare = 1e-10

// Fit is a least-squares fit of y on the columns of X.
type Fit struct {
	Coef  []float64 // estimates, one per column of X
	Resid []float64 // y - X beta
	SSR   float64   // residual sum of squares e'e
	// Pivots holds |R_jj| / ||x_j||: the norm of the part of column j not
	// explained by the columns before it, relative to the column's norm.
	Pivots []float64
	x      *mat.Dense
	rows   iter.Seq[*mat.Dense] // the design's row blocks, when x is nil (RegressBlocks)
	n, k   int                  // the design's dimensions, when x is nil
	xtxi   *mat.Dense           // (X'X)^{-1}
}

// Exact reports whether the fit explains y exactly, given y's total sum of
// squares tss: variances, F and t statistics are then meaningless.
func (f *Fit) Exact(tss float64) bool { return f.SSR <= ExactFitShare*tss }

// Regress fits y on the columns of x by least squares. names label the
// columns in error messages (nil uses column numbers).
func Regress(x *mat.Dense, y []float64, names []string) (*Fit, error) {
	return RegressBuilt(func(dst *mat.Dense) *mat.Dense {
		if dst != nil {
			return x
		}
		return mat.DenseCopyOf(x)
	}, y, names)
}

// RegressBuilt is Regress on the matrix that build returns, holding one
// copy of it at a time instead of two: build is called twice and must return
// equal matrices, the first (dst nil) to be overwritten by its QR
// factorisation, the second kept for the fitted values and the
// covariances. The second call gets the first matrix as dst and may write
// the matrix again into its storage (every element), so that a large
// design is never allocated twice.
func RegressBuilt(build func(dst *mat.Dense) *mat.Dense, y []float64, names []string) (*Fit, error) {
	x := build(nil)
	n, k := x.Dims()
	if n != len(y) {
		panic(fmt.Sprintf("ols: %d rows in X but %d in y", n, len(y)))
	}
	if n < k || k == 0 {
		return nil, fmt.Errorf("%w: %d observations for %d regressors", ErrTooFewRows, n, k)
	}
	norms := make([]float64, k)
	for j := range norms {
		norms[j] = mat.Norm(x.ColView(j), 2)
	}
	qr := FactorInPlace(x)
	pivots, err := checkPivots(norms, func(j int) float64 { return qr.R(j, j) }, names)
	if err != nil {
		return nil, err
	}
	beta, err := qr.Solve(y)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCollinear, err)
	}
	// (X'X)^{-1} = R^{-1} R^{-T}.
	rk := mat.NewTriDense(k, mat.Upper, nil)
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			rk.SetTri(i, j, qr.R(i, j))
		}
	}
	x = build(x) // the factorisation goes, the matrix comes back
	fit := &Fit{Coef: beta, Resid: make([]float64, n), Pivots: pivots, x: x}
	// The fitted values X beta go into Resid, which y - X beta overwrites.
	mat.NewVecDense(n, fit.Resid).MulVec(x, mat.NewVecDense(k, beta))
	for i := range y {
		e := y[i] - fit.Resid[i]
		fit.Resid[i] = e
		fit.SSR += e * e
	}
	if fit.xtxi, err = inverseGram(rk); err != nil {
		return nil, err
	}
	return fit, nil
}

// checkPivots returns the pivots |R_jj| / ||x_j|| of columns with the given
// norms, or the error that names the first zero or collinear regressor.
func checkPivots(norms []float64, rjj func(j int) float64, names []string) ([]float64, error) {
	pivots := make([]float64, len(norms))
	for j, norm := range norms {
		if norm == 0 {
			return nil, fmt.Errorf("%w: regressor %s is zero after the transformation (constant within every unit, or absorbed by the fixed effects)", ErrCollinear, label(names, j))
		}
		pivots[j] = math.Abs(rjj(j)) / norm
		if pivots[j] < CollinearTolerance {
			return nil, fmt.Errorf("%w: regressor %s is a linear combination of the regressors before it (%s)", ErrCollinear, label(names, j), shortlist.Quote(names[:min(j, len(names))]))
		}
	}
	return pivots, nil
}

// inverseGram returns (X'X)^{-1} = R^{-1} R^{-T} from the triangular factor R.
func inverseGram(r *mat.TriDense) (*mat.Dense, error) {
	k, _ := r.Dims()
	var rinv mat.TriDense
	if err := rinv.InverseTri(r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCollinear, err)
	}
	xtxi := mat.NewDense(k, k, nil)
	xtxi.Mul(&rinv, rinv.T())
	return xtxi, nil
}

// eachRow calls fn with every row of the design, in order.
func (f *Fit) eachRow(fn func(r int, x []float64)) {
	if f.x != nil {
		n, _ := f.x.Dims()
		for r := 0; r < n; r++ {
			fn(r, f.x.RawRowView(r))
		}
		return
	}
	lo := 0
	for block := range f.rows {
		m, _ := block.Dims()
		for i := 0; i < m; i++ {
			fn(lo+i, block.RawRowView(i))
		}
		lo += m
	}
}

// dims returns the design's dimensions.
func (f *Fit) dims() (n, k int) {
	if f.x != nil {
		return f.x.Dims()
	}
	return f.n, f.k
}

// Classical returns s^2 (X'X)^{-1} with s^2 = SSR/df.
func (f *Fit) Classical(df float64) *mat.Dense {
	var v mat.Dense
	v.Scale(f.SSR/df, f.xtxi)
	return &v
}

// White returns scale * (X'X)^{-1} (sum_r e_r^2 x_r x_r') (X'X)^{-1}: Cluster
// with every row its own group, summed row by row instead of through an
// n x k matrix of scores.
func (f *Fit) White(scale float64) *mat.Dense {
	_, k := f.dims()
	meat := mat.NewDense(k, k, nil)
	s := make([]float64, k)
	f.eachRow(func(r int, x []float64) {
		e := f.Resid[r]
		for j := range s {
			s[j] = x[j] * e
		}
		addOuter(meat, s)
	})
	return f.sandwich(meat, scale)
}

// Cluster returns scale * (X'X)^{-1} (sum_g s_g s_g') (X'X)^{-1} with
// s_g = sum over rows r of group g of x_r e_r. group[r] is row r's group,
// numbered from 0.
func (f *Fit) Cluster(group []int, scale float64) *mat.Dense {
	n, k := f.dims()
	if len(group) != n {
		panic("ols: cluster groups do not match the rows")
	}
	ngroups := 0
	for _, g := range group {
		ngroups = max(ngroups, g+1)
	}
	scores := mat.NewDense(ngroups, k, nil)
	f.eachRow(func(r int, x []float64) {
		row := scores.RawRowView(group[r])
		e := f.Resid[r]
		for j := 0; j < k; j++ {
			row[j] += x[j] * e
		}
	})
	meat := mat.NewDense(k, k, nil)
	for g := 0; g < ngroups; g++ {
		addOuter(meat, scores.RawRowView(g))
	}
	return f.sandwich(meat, scale)
}

// addOuter adds s s' to meat, row by row with gonum's axpy and skipping zero
// multipliers: the operations, in the order, of the matrix product S'S that
// sums such terms over the rows of S, so the sum is the same to the bit.
func addOuter(meat *mat.Dense, s []float64) {
	for i, v := range s {
		if v != 0 {
			row := meat.RawRowView(i)
			blas64.Axpy(v, blas64.Vector{N: len(s), Inc: 1, Data: s}, blas64.Vector{N: len(row), Inc: 1, Data: row})
		}
	}
}

// sandwich returns scale * (X'X)^{-1} meat (X'X)^{-1}.
func (f *Fit) sandwich(meat *mat.Dense, scale float64) *mat.Dense {
	var tmp, v mat.Dense
	tmp.Mul(f.xtxi, meat)
	v.Mul(&tmp, f.xtxi)
	v.Scale(scale, &v)
	return &v
}

// StdErrors returns the square roots of the diagonal of v.
func StdErrors(v *mat.Dense) []float64 {
	k, _ := v.Dims()
	se := make([]float64, k)
	for j := range se {
		se[j] = math.Sqrt(v.At(j, j))
	}
	return se
}

func label(names []string, j int) string {
	if j < len(names) {
		return fmt.Sprintf("%q", names[j])
	}
	return fmt.Sprintf("%d", j+1)
}
