package within

import (
	"math"
	"math/rand/v2"
	"testing"
)

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func random(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// TestApply checks both transforms on a hand-computed unit.
func TestApply(t *testing.T) {
	src := []float64{1, 2, 6, 10, 20} // unit 0: 1 2 6 (mean 3); unit 1: 10 20 (mean 15)
	starts := []int{0, 3, 5}
	cases := []struct {
		dropLast bool
		want     []float64
	}{
		{false, []float64{-2, -1, 3, -5, 5}},
		{true, []float64{-2, -1, -5}},
	}
	for _, c := range cases {
		tr := New(starts, c.dropLast)
		dst := make([]float64, tr.Rows())
		tr.Apply(dst, src)
		for i := range c.want {
			if dst[i] != c.want[i] {
				t.Errorf("dropLast=%v: %v, want %v", c.dropLast, dst, c.want)
				break
			}
		}
	}
}

// TestAdjointAndGram checks <Tu, v> = <u, T'v> and the functional form
// u'Mv = u'v - sum_j phi_j(u) phi_j(v) that the threshold sweep relies on,
// for units of different sizes and both transforms.
func TestAdjointAndGram(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	starts := []int{0, 4, 6, 11}
	for _, dropLast := range []bool{false, true} {
		tr := New(starts, dropLast)
		u, w := random(rng, tr.LevelRows()), random(rng, tr.LevelRows())
		v := random(rng, tr.Rows())
		tu := make([]float64, tr.Rows())
		tr.Apply(tu, u)
		tv := make([]float64, tr.LevelRows())
		tr.Adjoint(tv, v)
		if d := dot(tu, v) - dot(u, tv); math.Abs(d) > 1e-12 {
			t.Errorf("dropLast=%v: <Tu,v> - <u,T'v> = %g", dropLast, d)
		}
		mw := make([]float64, tr.LevelRows())
		tr.Gram(mw, w)
		viaFunctionals := dot(u, w)
		c := make([]float64, tr.Functionals())
		for i := 0; i < tr.Units(); i++ {
			lo, hi := tr.LevelBlock(i)
			for j := 0; j < tr.Functionals(); j++ {
				pu, pw := 0.0, 0.0
				for r := lo; r < hi; r++ {
					tr.Loading(c, i, r)
					pu += c[j] * u[r]
					pw += c[j] * w[r]
				}
				viaFunctionals -= pu * pw
			}
		}
		if d := dot(u, mw) - viaFunctionals; math.Abs(d) > 1e-12 {
			t.Errorf("dropLast=%v: u'Mw - functional form = %g", dropLast, d)
		}
	}
}
