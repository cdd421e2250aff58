package ols

import (
	"fmt"
	"iter"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// RegressBlocks is Regress on a design too large to hold whole: rows yields
// the n x k design as consecutive blocks of rows, top to bottom (each block
// may reuse the previous one's storage), and may be ranged over more than
// once, each time yielding the same rows. The design is factorised block by
// block (an incremental QR, as in TSQR: the triangular factor R of [X y] so
// far, stacked on the next block, is factorised again), so that memory holds
// one block and R; the residuals and the covariances pass over the rows
// again. Coefficients, residuals and covariances equal Regress's up to
// rounding; the fixed blocks and order make them deterministic.
func RegressBlocks(n, k int, rows iter.Seq[*mat.Dense], y []float64, names []string) (*Fit, error) {
	return regressBlocks(n, k, rows, y, names, true)
}

// RegressBlocksSSR is RegressBlocks for a caller that reads only the sum of
// squared residuals (SSR, Exact): the same fit and SSR, bit for bit, but the
// residuals are not kept (Resid is nil, n floats less): White and Cluster,
// which read them, panic.
func RegressBlocksSSR(n, k int, rows iter.Seq[*mat.Dense], y []float64, names []string) (*Fit, error) {
	return regressBlocks(n, k, rows, y, names, false)
}

func regressBlocks(n, k int, rows iter.Seq[*mat.Dense], y []float64, names []string, residuals bool) (*Fit, error) {
	if n != len(y) {
		panic(fmt.Sprintf("ols: %d rows in X but %d in y", n, len(y)))
	}
	if n < k || k == 0 {
		return nil, fmt.Errorf("%w: %d observations for %d regressors", ErrTooFewRows, n, k)
	}
	ra, norms := FactorBlocks(k, rows, y)
	pivots, err := checkPivots(norms, func(j int) float64 { return ra.At(j, j) }, names)
	if err != nil {
		return nil, err
	}
	// R beta = Q'y, the first k elements of R's last column.
	r := blas64.Triangular{N: k, Stride: ra.RawMatrix().Stride, Data: ra.RawMatrix().Data, Uplo: blas.Upper, Diag: blas.NonUnit}
	beta := make([]float64, k)
	for j := range beta {
		beta[j] = ra.At(j, k)
	}
	if !lapack64.Trtrs(blas.NoTrans, r, blas64.General{Rows: k, Cols: 1, Stride: 1, Data: beta}) {
		return nil, fmt.Errorf("%w: %v", ErrCollinear, mat.Condition(math.Inf(1)))
	}
	if cond := 1 / lapack64.Trcon(mat.CondNorm, r, make([]float64, 3*k), make([]int, k)); cond > mat.ConditionTolerance {
		return nil, fmt.Errorf("%w: %v", ErrCollinear, mat.Condition(cond))
	}
	fit := &Fit{Coef: beta, Pivots: pivots, rows: rows, n: n, k: k}
	if residuals {
		fit.Resid = make([]float64, n)
	}
	lo := 0
	for block := range rows {
		m, _ := block.Dims()
		for i := 0; i < m; i++ {
			e := y[lo+i] - blas64.Dot(blas64.Vector{N: k, Inc: 1, Data: block.RawRowView(i)}, blas64.Vector{N: k, Inc: 1, Data: beta})
			if residuals {
				fit.Resid[lo+i] = e
			}
			fit.SSR += e * e
		}
		lo += m
	}
	rk := mat.NewTriDense(k, mat.Upper, nil)
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			rk.SetTri(i, j, ra.At(i, j))
		}
	}
	if fit.xtxi, err = inverseGram(rk); err != nil {
		return nil, err
	}
	return fit, nil
}

// FactorBlocks returns the (k+1) x (k+1) triangular factor R of [X y], X
// given by the blocks of rows as in RegressBlocks, and the norms of X's
// columns: |R_jj| / norm_j is column j's pivot. Each step factorises R
// stacked on the next block (LAPACK's Householder QR), keeping the new R.
func FactorBlocks(k int, rows iter.Seq[*mat.Dense], y []float64) (*mat.Dense, []float64) {
	c := k + 1
	var stack *mat.Dense // R (c rows) on top of the block
	sumsq := make([]float64, k)
	tau := make([]float64, c)
	var work []float64
	lo := 0
	for block := range rows {
		m, _ := block.Dims()
		if stack == nil || stack.RawMatrix().Rows < c+m {
			grown := mat.NewDense(c+m, c, nil)
			if stack != nil {
				grown.Copy(stack.Slice(0, c, 0, c))
			}
			stack = grown
		}
		for i := 0; i < m; i++ {
			row := stack.RawRowView(c + i)
			copy(row, block.RawRowView(i))
			row[k] = y[lo+i]
			for j, v := range row[:k] {
				sumsq[j] += v * v
			}
		}
		lo += m
		a := stack.Slice(0, c+m, 0, c).(*mat.Dense).RawMatrix()
		if work == nil {
			work = []float64{0}
			lapack64.Geqrf(a, tau, work, -1)
			work = make([]float64, int(work[0]))
		}
		lapack64.Geqrf(a, tau, work, len(work))
		for i := 1; i < c; i++ { // the reflectors below R's diagonal go
			clear(a.Data[i*a.Stride : i*a.Stride+i])
		}
	}
	norms := sumsq
	for j, v := range sumsq {
		norms[j] = math.Sqrt(v)
	}
	if stack == nil {
		return mat.NewDense(c, c, nil), norms
	}
	return mat.DenseCopyOf(stack.Slice(0, c, 0, c)), norms
}
