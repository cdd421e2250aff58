package within

import "math"

// Transform is the within transformation of one panel layout.
type Transform struct {
	starts   []int // level rows of unit i are starts[i]:starts[i+1]
	dropLast bool
	tstarts  []int // transformed rows of unit i are tstarts[i]:tstarts[i+1]
}

// New returns the transformation for units whose level rows are
// starts[i]:starts[i+1]. With dropLast, each unit's last row is deleted after
// demeaning (Hansen's convention); every unit then needs at least two rows.
// New panics if a unit has no row (or, with dropLast, a single row): callers
// validate panels first.
func New(starts []int, dropLast bool) *Transform {
	t := &Transform{starts: starts, dropLast: dropLast, tstarts: make([]int, len(starts))}
	for i := 0; i+1 < len(starts); i++ {
		size := starts[i+1] - starts[i]
		if dropLast {
			size--
		}
		if size < 1 {
			panic("within: unit without transformed rows")
		}
		t.tstarts[i+1] = t.tstarts[i] + size
	}
	return t
}

// Units returns the number of units.
func (t *Transform) Units() int { return len(t.starts) - 1 }

// LevelRows returns the number of level rows.
func (t *Transform) LevelRows() int { return t.starts[len(t.starts)-1] }

// Rows returns the number of transformed rows.
func (t *Transform) Rows() int { return t.tstarts[len(t.tstarts)-1] }

// Block returns the transformed rows lo:hi of unit i.
func (t *Transform) Block(i int) (lo, hi int) { return t.tstarts[i], t.tstarts[i+1] }

// LevelBlock returns the level rows lo:hi of unit i.
func (t *Transform) LevelBlock(i int) (lo, hi int) { return t.starts[i], t.starts[i+1] }

// DropsLast reports whether each unit's last period is deleted.
func (t *Transform) DropsLast() bool { return t.dropLast }

// Apply writes T src (len LevelRows) into dst (len Rows).
func (t *Transform) Apply(dst, src []float64) {
	for i := 0; i < t.Units(); i++ {
		lo, hi := t.starts[i], t.starts[i+1]
		mean := 0.0
		for _, v := range src[lo:hi] {
			mean += v
		}
		mean /= float64(hi - lo)
		if t.dropLast {
			hi--
		}
		out := dst[t.tstarts[i]:]
		for r := lo; r < hi; r++ {
			out[r-lo] = src[r] - mean
		}
	}
}

// Adjoint writes T' src (len Rows) into dst (len LevelRows).
func (t *Transform) Adjoint(dst, src []float64) {
	for i := 0; i < t.Units(); i++ {
		lo, hi := t.starts[i], t.starts[i+1]
		in := src[t.tstarts[i]:t.tstarts[i+1]]
		sum := 0.0
		for _, v := range in {
			sum += v
		}
		mean := sum / float64(hi-lo)
		for r := lo; r < hi; r++ {
			v := 0.0
			if r-lo < len(in) {
				v = in[r-lo]
			}
			dst[r] = v - mean
		}
	}
}

// Gram writes M src = T'T src into dst, both in level space.
func (t *Transform) Gram(dst, src []float64) {
	tmp := make([]float64, t.Rows())
	t.Apply(tmp, src)
	t.Adjoint(dst, tmp)
}

// Functionals returns the number of unit functionals phi_j (1 or 2).
func (t *Transform) Functionals() int {
	if t.dropLast {
		return 2
	}
	return 1
}

// Loading writes into c the coefficient of level row r (of unit i) in each
// unit functional: phi_j(u) = sum over the unit's rows r of c_j(r) u_r.
func (t *Transform) Loading(c []float64, i, r int) {
	lo, hi := t.starts[i], t.starts[i+1]
	size := float64(hi - lo)
	c[0] = 1 / math.Sqrt(size)
	if t.dropLast {
		c[1] = -1 / size
		if r == hi-1 {
			c[1]++
		}
	}
}
