package threshold

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// EqualSlopesTest is the Wald test that a regime-dependent regressor has
// the same slope in every regime (docs/postestimation.md §3).
type EqualSlopesTest struct {
	Regressor string `json:"regressor"`
	// VCE names the covariance the test uses: the inference's.
	VCE  string  `json:"vce"`
	Chi2 float64 `json:"chi2"`
	FTest
}

// equalSlopes tests, for each regime-dependent regressor, that its k+1
// regime slopes (regime-specific order, as coefficients) are equal:
// W = (Rb)' (R V R')^{-1} (Rb) with R b the differences to regime 0 and V
// the covariance of vce; F = W/k on (k, N - n - slopes) degrees of freedom,
// or (k, n - 1) with clustered errors, as Stata's test after xtreg, fe.
func (p *Problem) equalSlopes(k int, coefs []Coefficient, cov *Covariance) ([]EqualSlopesTest, error) {
	v := cov.Classical
	switch p.spec.VCE {
	case Robust:
		v = cov.Robust
	case Cluster:
		v = cov.Cluster
	}
	nz, nx := len(p.z), len(p.x)
	slopes := nz + nx*(k+1)
	df2 := p.tr.Rows() - len(p.units) - slopes
	if p.spec.VCE == Cluster {
		df2 = len(p.units) - 1
	}
	index := func(reg, c int) int { return nz + reg*nx + c }
	var out []EqualSlopesTest
	for c, name := range p.xNames {
		diff := mat.NewVecDense(k, nil)
		rvr := mat.NewSymDense(k, nil)
		for a := 1; a <= k; a++ {
			diff.SetVec(a-1, coefs[index(a, c)].Estimate-coefs[index(0, c)].Estimate)
			for b := a; b <= k; b++ {
				// Cov(b_a - b_0, b_b - b_0).
				ia, ib, i0 := index(a, c), index(b, c), index(0, c)
				rvr.SetSym(a-1, b-1, v[ia][ib]-v[ia][i0]-v[i0][ib]+v[i0][i0])
			}
		}
		var chol mat.Cholesky
		if !chol.Factorize(rvr) {
			return nil, fmt.Errorf("%w: the %s covariance of the slope differences of %s across regimes is singular", ErrData, p.spec.VCE, name)
		}
		var solved mat.VecDense
		if err := chol.SolveVecTo(&solved, diff); err != nil {
			return nil, fmt.Errorf("%w: equal-slopes test of %s: %w", ErrData, name, err)
		}
		w := mat.Dot(diff, &solved)
		out = append(out, EqualSlopesTest{Regressor: name, VCE: p.spec.VCE.String(), Chi2: w, FTest: newFTest(w/float64(k), k, df2)})
	}
	return out, nil
}
