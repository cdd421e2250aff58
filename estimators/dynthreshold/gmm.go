package dynthreshold

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// maxCond bounds the condition number of a matrix this package inverts;
// beyond it the inverse has no correct digit worth reporting.
const maxCond = 1e13

// ztAdd adds scale * Z_i'v to out (length L), v holding one value per
// equation of unit i: Z_i is block-diagonal, so an equation's value
// multiplies its own block only.
func (pr *Problem) ztAdd(i int, v []float64, scale float64, out []float64) {
	for e, b := range pr.z[i] {
		s := scale * v[e]
		o := out[pr.off[pr.blk[i][e]]:]
		for a, za := range b {
			o[a] += s * za
		}
	}
}

// gbar1 returns n^-1 sum_i Z_i' dy_i.
func (pr *Problem) gbar1() *mat.VecDense {
	out := make([]float64, pr.L())
	for i := 0; i < pr.n; i++ {
		pr.ztAdd(i, pr.dy[i], 1/float64(pr.n), out)
	}
	return mat.NewVecDense(len(out), out)
}

// g2 returns G2(g) = n^-1 sum_i Z_i' R_i(g), L x p, R_i(g) the rows of row.
func (pr *Problem) g2(g float64) *mat.Dense {
	L := pr.L()
	out := mat.NewDense(L, pr.p, nil)
	raw := out.RawMatrix()
	r := make([]float64, pr.p)
	inv := 1 / float64(pr.n)
	for i := 0; i < pr.n; i++ {
		for e, b := range pr.z[i] {
			pr.row(i, e, g, r)
			for a, za := range b {
				dst := raw.Data[(pr.off[pr.blk[i][e]]+a)*raw.Stride:]
				for c, rc := range r {
					dst[c] += inv * za * rc
				}
			}
		}
	}
	return out
}

// firstStepWeight returns W1 = [n^-1 sum_i Z_i' H Z_i]^-1, H the m x m
// matrix with 2 on the diagonal and -1 on the first off-diagonals: the
// covariance, up to scale, of the differences of iid errors (-1 between the
// equations of adjacent periods, in an unbalanced panel).
func (pr *Problem) firstStepWeight() (*mat.SymDense, error) {
	L := pr.L()
	s := mat.NewSymDense(L, nil)
	inv := 1 / float64(pr.n)
	for i := 0; i < pr.n; i++ {
		blk := pr.blk[i]
		for e, be := range pr.z[i] {
			for f := max(e-1, 0); f <= min(e+1, len(blk)-1); f++ {
				h := 2.0
				switch {
				case f == e:
				case blk[f]-blk[e] == 1 || blk[e]-blk[f] == 1:
					h = -1
				default:
					continue
				}
				bf := pr.z[i][f]
				for a, za := range be {
					for c, zc := range bf {
						r, col := pr.off[blk[e]]+a, pr.off[blk[f]]+c
						if r <= col {
							s.SetSym(r, col, s.At(r, col)+inv*h*za*zc)
						}
					}
				}
			}
		}
	}
	return invertSym(s, "the first-step weight matrix n^-1 sum Z'HZ")
}

// residualMoments returns the n x L matrix whose row i is
// g_i = Z_i'(dy_i - R_i(g) theta).
func (pr *Problem) residualMoments(g float64, theta []float64) *mat.Dense {
	out := mat.NewDense(pr.n, pr.L(), nil)
	r := make([]float64, pr.p)
	for i := 0; i < pr.n; i++ {
		e := make([]float64, len(pr.dy[i]))
		for j := range e {
			pr.row(i, j, g, r)
			e[j] = pr.dy[i][j] - mat.Dot(mat.NewVecDense(pr.p, r), mat.NewVecDense(pr.p, theta))
		}
		pr.ztAdd(i, e, 1, out.RawRowView(i))
	}
	return out
}

// centredCovariance returns n^-1 sum_i g_i g_i' - gbar gbar' for the rows
// g_i of moments.
func centredCovariance(moments *mat.Dense) *mat.SymDense {
	n, L := moments.Dims()
	s := mat.NewSymDense(L, nil)
	s.SymOuterK(1/float64(n), moments.T())
	mean := make([]float64, L)
	for i := 0; i < n; i++ {
		for a, v := range moments.RawRowView(i) {
			mean[a] += v / float64(n)
		}
	}
	s.SymRankOne(s, -1, mat.NewVecDense(L, mean))
	return s
}

// invertSym inverts a symmetric positive definite matrix by Cholesky, or
// returns an ErrSingular error naming it.
func invertSym(s *mat.SymDense, what string) (*mat.SymDense, error) {
	ch, err := factorSym(s, what)
	if err != nil {
		return nil, err
	}
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSingular, what, err)
	}
	return &inv, nil
}

// factorSym returns the Cholesky factorisation of a symmetric positive
// definite matrix whose condition number is at most maxCond, or an
// ErrSingular error naming it.
func factorSym(s *mat.SymDense, what string) (*mat.Cholesky, error) {
	ch := new(mat.Cholesky)
	if !ch.Factorize(s) {
		return nil, fmt.Errorf("%w: %s is not positive definite (collinear instruments or moments)", ErrSingular, what)
	}
	if c := ch.Cond(); c > maxCond {
		return nil, fmt.Errorf("%w: %s has condition number %.3g (collinear instruments or moments)", ErrSingular, what, c)
	}
	return ch, nil
}

// symmetricPart returns (a + a')/2 of a square matrix, which rounding
// leaves slightly asymmetric.
func symmetricPart(a mat.Matrix) *mat.SymDense {
	n, _ := a.Dims()
	s := mat.NewSymDense(n, nil)
	for r := 0; r < n; r++ {
		for c := r; c < n; c++ {
			s.SetSym(r, c, (a.At(r, c)+a.At(c, r))/2)
		}
	}
	return s
}

// gmmFit is the linear GMM estimate at a fixed threshold under a weight W:
//
//	theta = (G2' W G2)^-1 G2' W gbar1,   J = gbar' W gbar,   gbar = gbar1 - G2 theta
type gmmFit struct {
	theta []float64
	j     float64
	// gw = G2'W (p x L) and the Cholesky factorisation of G2'W G2 (p x p),
	// kept for the bootstrap.
	gw     *mat.Dense
	normal *mat.Cholesky
}

// solve returns (G2'W G2)^-1 b. gmm checked the condition number of the
// factorisation, so the Condition error of gonum cannot occur.
func (f gmmFit) solve(b mat.Matrix) *mat.Dense {
	var x mat.Dense
	_ = f.normal.SolveTo(&x, b)
	return &x
}

func gmm(w *mat.SymDense, g2 *mat.Dense, gbar1 *mat.VecDense, g float64) (gmmFit, error) {
	var gw mat.Dense
	gw.Mul(g2.T(), w)
	var nd mat.Dense
	nd.Mul(&gw, g2)
	normal := symmetricPart(&nd)
	var rhs mat.VecDense
	rhs.MulVec(&gw, gbar1)
	ch := new(mat.Cholesky)
	if !ch.Factorize(normal) || ch.Cond() > maxCond {
		return gmmFit{}, fmt.Errorf("%w: G2'WG2 at threshold %v: the regressors are not identified by the instruments", ErrSingular, g)
	}
	var theta mat.VecDense
	if err := ch.SolveVecTo(&theta, &rhs); err != nil {
		return gmmFit{}, fmt.Errorf("%w: G2'WG2 at threshold %v: %v", ErrSingular, g, err)
	}
	var gbar mat.VecDense
	gbar.MulVec(g2, &theta)
	gbar.SubVec(gbar1, &gbar)
	var wg mat.VecDense
	wg.MulVec(w, &gbar)
	return gmmFit{theta: mat.Col(nil, 0, &theta), j: mat.Dot(&gbar, &wg), gw: &gw, normal: ch}, nil
}
