package threshold

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strconv"
)

// grid is the ordered set of candidate thresholds and the width that turns a
// stage's trim into an exclusion window.
//
// Hansen's GAUSS code (docs/threshold-model.md §3.1) takes, for qn grid points and
// trim t, the distinct values dd (sorted, nd of them) at the 1-based indices
//
//	floor((qn*t + j) * nd / qn),  j = 0, 1, ..., qn - 2*qn*t,
//
// i.e. the quantiles t, t+1/qn, ..., 1-t of the distinct values. GAUSS
// evaluates floor(sq*nd) in binary floating point, sq = t + j*(1/qn) from
// seqa, and where the index is mathematically an integer the product can
// fall just below it and take the value one rank lower; the hansen
// convention repeats that arithmetic (hansenIndex). For xthreg
// the construction is not published; the same note (§3.3) finds that N points at
// probabilities evenly spaced on [t, 1-t], indexed floor(p*nd), reproduce
// Wang's first-stage estimate, and thresher uses that. The exact grid takes
// every distinct value from index floor(t*nd) to floor((1-t)*nd), which is
// Hansen's formula with qn = nd. Apart from Hansen's grid, indices are
// computed in exact rational arithmetic: trims are read as the decimals they
// print as.
type grid struct {
	values []float64
	width  int // grid points per unit of quantile: windows are width*trim points wide
}

// newGrid builds the candidates from the sorted distinct values.
func newGrid(distinct []float64, conv Convention, g Grid, trim float64) (*grid, error) {
	nd := len(distinct)
	t := decimal(trim)
	var idx []int64 // 1-based indices into distinct
	width := g.Points
	switch {
	case g.Points == 0 || g.Points >= nd:
		// Exact search: every distinct value inside the trim.
		width = nd
		lo := floorRat(mulInt(t, int64(nd)))
		hi := floorRat(mulInt(sub(big.NewRat(1, 1), t), int64(nd)))
		for i := max(lo, 1); i <= hi; i++ {
			idx = append(idx, i)
		}
	case conv == Hansen:
		qn := int64(g.Points)
		for j := int64(0); ; j++ {
			p := add(t, big.NewRat(j, qn)) // t + j/qn
			if p.Cmp(sub(big.NewRat(1, 1), t)) > 0 {
				break
			}
			idx = append(idx, hansenIndex(trim, j, qn, nd))
		}
	default: // xthreg: N points evenly spaced on [t, 1-t]
		n := int64(g.Points)
		step := new(big.Rat).Quo(sub(big.NewRat(1, 1), mulInt(t, 2)), big.NewRat(n-1, 1))
		for j := int64(0); j < n; j++ {
			p := add(t, mulInt(step, j))
			idx = append(idx, floorRat(mulInt(p, int64(nd))))
		}
	}
	var values []float64
	for _, i := range idx {
		i = min(max(i, 1), int64(nd))
		values = append(values, distinct[i-1])
	}
	values = slices.Compact(values)
	// Hansen's lower regime is q < gamma, empty at the smallest value,
	// which the index clamp reaches when t*nd < 2 (a small sample at the
	// default trim): no estimate can use that candidate. (xthreg's upper
	// regime q > gamma is never empty: its top index floor((1-t)*nd) is
	// below nd for t > 0.)
	if conv == Hansen && len(values) > 0 && values[0] == distinct[0] {
		values = values[1:]
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("%w: the threshold variable has %d distinct values; trim %v leaves no candidate threshold", ErrSpec, nd, trim)
	}
	return &grid{values: values, width: width}, nil
}

// hansenIndex is GAUSS's 1-based index floor(sq_j*nd) of THRESH_P.PRG, with
// sq = seqa(trim, 1/qn, ...) evaluated as trim + j*(1/qn) in float64, the
// arithmetic of GAUSS's seqa, R's seq and Octave's ranges (docs/threshold-model.md
// §3.1). The conversions keep each product rounded on its own (no fused
// multiply-add), as in those programs.
func hansenIndex(trim float64, j, qn int64, nd int) int64 {
	sq := trim + float64(float64(j)*(1/float64(qn)))
	return int64(math.Floor(float64(sq * float64(nd))))
}

// admissible marks the candidates a stage may search: those outside every
// exclusion window around the fixed thresholds and different from each fixed
// threshold. Around a fixed threshold f with nn grid points below it, GAUSS
// (r_est, docs/threshold-model.md §3.2) removes the 1-based indices
// nn - qnt < i <= nn + qnt, qnt = qn*trim. Where windows overlap a
// candidate stays excluded (MATLAB's rule; R's keeps it and fails).
func (g *grid) admissible(fixed []float64, trim float64) []bool {
	ok := make([]bool, len(g.values))
	for i := range ok {
		ok[i] = true
	}
	qnt := mulInt(decimal(trim), int64(g.width))
	floorQ := floorRat(qnt)
	ceilQ := -floorRat(new(big.Rat).Neg(qnt))
	for _, f := range fixed {
		nn := int64(sort.SearchFloat64s(g.values, f)) // grid points strictly below f
		// 0-based j is excluded when nn - qnt - 1 < j <= nn + qnt - 1.
		for j := max(nn-ceilQ, 0); j <= nn-1+floorQ && j < int64(len(ok)); j++ {
			ok[j] = false
		}
		if j := int(nn); j < len(ok) && g.values[j] == f {
			ok[j] = false
		}
	}
	return ok
}

// decimal reads a float as the shortest decimal that prints as it, so that
// 0.01 is exactly 1/100.
func decimal(x float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	if !ok {
		panic("threshold: unparsable float " + strconv.FormatFloat(x, 'g', -1, 64))
	}
	return r
}

func add(a, b *big.Rat) *big.Rat          { return new(big.Rat).Add(a, b) }
func sub(a, b *big.Rat) *big.Rat          { return new(big.Rat).Sub(a, b) }
func mulInt(a *big.Rat, n int64) *big.Rat { return new(big.Rat).Mul(a, big.NewRat(n, 1)) }

// floorRat returns floor(r) for |r| < 2^63. big.Int.Div is Euclidean
// division, which is the floor for the positive denominators of big.Rat.
func floorRat(r *big.Rat) int64 { return new(big.Int).Div(r.Num(), r.Denom()).Int64() }
