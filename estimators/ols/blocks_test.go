package ols

import (
	"errors"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// blocksOf yields x in blocks of size rows (the last one shorter), each
// copied into one reused buffer as a caller's builder would write it.
func blocksOf(x *mat.Dense, size int) iter.Seq[*mat.Dense] {
	return func(yield func(*mat.Dense) bool) {
		n, k := x.Dims()
		buf := mat.NewDense(size, k, nil)
		for lo := 0; lo < n; lo += size {
			m := min(size, n-lo)
			b := buf.Slice(0, m, 0, k).(*mat.Dense)
			b.Copy(x.Slice(lo, lo+m, 0, k))
			if !yield(b) {
				return
			}
		}
	}
}

// relClose reports |a - b| <= tol max(|a|, |b|), or both tiny.
func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-300)
}

// RegressBlocks reproduces Regress (the oracle) on a random design, for
// blocks smaller than, equal to and larger than the design.
func TestRegressBlocksMatchesRegress(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	n, k := 1003, 6
	x := mat.NewDense(n, k, nil)
	y := make([]float64, n)
	group := make([]int, n)
	for r := 0; r < n; r++ {
		for j := 0; j < k; j++ {
			x.Set(r, j, rng.NormFloat64()+float64(j))
		}
		y[r] = 1 + 2*x.At(r, 1) - x.At(r, 3) + rng.NormFloat64()*(1+math.Abs(x.At(r, 2)))
		group[r] = r / 7
	}
	dense, err := Regress(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 64, 1000, 5000} {
		blocked, err := RegressBlocks(n, k, blocksOf(x, size), y, nil)
		if err != nil {
			t.Fatalf("blocks of %d: %v", size, err)
		}
		check := func(what string, got, want []float64) {
			for j := range want {
				if !relClose(got[j], want[j], 1e-10) {
					t.Errorf("blocks of %d: %s[%d] = %v, dense %v", size, what, j, got[j], want[j])
				}
			}
		}
		check("coef", blocked.Coef, dense.Coef)
		check("pivots", blocked.Pivots, dense.Pivots)
		check("SSR", []float64{blocked.SSR}, []float64{dense.SSR})
		check("se", StdErrors(blocked.Classical(float64(n-k))), StdErrors(dense.Classical(float64(n-k))))
		check("se_robust", StdErrors(blocked.White(1)), StdErrors(dense.White(1)))
		check("se_cluster", StdErrors(blocked.Cluster(group, 1)), StdErrors(dense.Cluster(group, 1)))
		for r := 0; r < n; r += 97 {
			if math.Abs(blocked.Resid[r]-dense.Resid[r]) > 1e-10*math.Sqrt(dense.SSR) {
				t.Errorf("blocks of %d: resid[%d] = %v, dense %v", size, r, blocked.Resid[r], dense.Resid[r])
			}
		}
		// RegressBlocksSSR: the same fit, bit for bit, without residuals.
		ssrOnly, err := RegressBlocksSSR(n, k, blocksOf(x, size), y, nil)
		if err != nil {
			t.Fatalf("blocks of %d, SSR only: %v", size, err)
		}
		if ssrOnly.SSR != blocked.SSR || !slices.Equal(ssrOnly.Coef, blocked.Coef) || ssrOnly.Resid != nil {
			t.Errorf("blocks of %d, SSR only: SSR %v, coef %v, %d residuals; RegressBlocks: SSR %v, coef %v",
				size, ssrOnly.SSR, ssrOnly.Coef, len(ssrOnly.Resid), blocked.SSR, blocked.Coef)
		}
	}
}

// A collinear column is refused with Regress's message.
func TestRegressBlocksCollinear(t *testing.T) {
	x := mat.NewDense(5, 3, []float64{1, 0, 2, 1, 1, 3, 1, 2, 4, 1, 4, 6, 1, 5, 7}) // c = 2a + b
	y := []float64{1, 2, 2, 4, 5}
	_, dense := Regress(x, y, []string{"a", "b", "c"})
	_, blocked := RegressBlocks(5, 3, blocksOf(x, 2), y, []string{"a", "b", "c"})
	if !errors.Is(blocked, ErrCollinear) || blocked.Error() != dense.Error() {
		t.Errorf("blocked error %v, dense %v", blocked, dense)
	}
}
