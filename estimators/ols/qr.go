package ols

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// QR is the Householder QR factorisation of an n x k matrix (n >= k),
// computed in the matrix's own storage: the LAPACK calls of gonum's mat.QR,
// in the same order and with the same workspaces, so every number is the
// same, without mat.QR's copy of the matrix or the n x k matrix its RTo
// fills.
type QR struct {
	a    blas64.General // the factorisation, over the matrix's storage
	tau  []float64
	cond float64 // condition number estimate of R, as mat.QR's Cond
}

// FactorInPlace factorises a, overwriting it: a must not be used afterwards.
func FactorInPlace(a *mat.Dense) *QR {
	f := &QR{a: a.RawMatrix()}
	f.tau = make([]float64, f.a.Cols)
	work := []float64{0}
	lapack64.Geqrf(f.a, f.tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Geqrf(f.a, f.tau, work, len(work))
	n := f.a.Cols
	f.cond = 1 / lapack64.Trcon(mat.CondNorm, f.r(), make([]float64, 3*n), make([]int, n))
	return f
}

// r returns the triangular factor, a view of the factorisation.
func (f *QR) r() blas64.Triangular {
	return blas64.Triangular{N: f.a.Cols, Stride: f.a.Stride, Data: f.a.Data, Uplo: blas.Upper, Diag: blas.NonUnit}
}

// R returns element (i, j) of the triangular factor R, for i <= j.
func (f *QR) R(i, j int) float64 { return f.a.Data[i*f.a.Stride+j] }

// Solve returns the least-squares solution b of a b = y, as mat.QR's
// SolveVecTo does, with its error (a mat.Condition) for a singular or
// ill-conditioned matrix.
func (f *QR) Solve(y []float64) ([]float64, error) {
	w := blas64.General{Rows: len(y), Cols: 1, Stride: 1, Data: slices.Clone(y)}
	work := []float64{0}
	lapack64.Ormqr(blas.Left, blas.Trans, f.a, f.tau, w, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Ormqr(blas.Left, blas.Trans, f.a, f.tau, w, work, len(work))
	if !lapack64.Trtrs(blas.NoTrans, f.r(), w) {
		return nil, mat.Condition(math.Inf(1))
	}
	if f.cond > mat.ConditionTolerance {
		return nil, mat.Condition(f.cond)
	}
	return slices.Clone(w.Data[:f.a.Cols]), nil
}
