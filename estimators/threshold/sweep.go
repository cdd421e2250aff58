package threshold

import (
	"fmt"
	"math"
	"slices"

	"github.com/thresher/thresher/internal/shortlist"
)

// sweep holds everything about the candidates given a set of fixed
// thresholds that does not depend on the response: the triangular factor of
// the fixed design A and, per candidate g, R_g = R_A^{-T} A'B_g and the
// Cholesky factor of the Schur complement S_g = B_g'B_g - R_g'R_g.
type sweep struct {
	// parent is the sweep this one extends by the m columns of its last
	// fixed threshold; nil for a sweep built from scratch.
	parent *sweep
	// fixed lists the fixed thresholds in the order of A's columns
	// (after [Z X]); the sweep serves every ordering of the same set.
	fixed []float64
	pA, m int
	rA    []float64 // pA x pA upper triangular, row-major
	// seg holds this sweep's part of R_g: row j*m+b lists the entries
	// off..pA-1 of column b of R_g for candidate j, off = pA - segCols.
	// The entries before off are the parent's (recursively), so a derived
	// sweep stores m columns per candidate instead of pA.
	seg     []float64
	segCols int
	// chol holds the lower Cholesky factor of S_g (m x m, row-major) and
	// invDiag the reciprocals of its diagonal.
	chol, invDiag []float64
	// btb holds the diagonal of B_g'B_g, the scale of identification.
	btb        []float64
	identified []bool
}

// bytes counts the memory the sweep holds beyond its parent's.
func (s *sweep) bytes() int {
	return 8*(len(s.seg)+len(s.chol)+len(s.invDiag)+len(s.rA)) + len(s.identified)
}

// chain returns the sweeps from the one built from scratch down to s, the
// order of their segments in A's columns.
func (s *sweep) chain() []*sweep {
	var c []*sweep
	for t := s; t != nil; t = t.parent {
		c = append(c, t)
	}
	slices.Reverse(c)
	return c
}

// rgDot returns (column b1 of R_{j1})'(column b2 of R_{j2}).
func (s *sweep) rgDot(j1, b1, j2, b2 int) float64 {
	v := 0.0
	for t := s; t != nil; t = t.parent {
		w := t.segCols
		v += dot(t.seg[(j1*t.m+b1)*w:(j1*t.m+b1+1)*w], t.seg[(j2*t.m+b2)*w:(j2*t.m+b2+1)*w])
	}
	return v
}

// rgColumn writes column b of R_j (pA values) into dst.
func (s *sweep) rgColumn(j, b int, dst []float64) {
	off := 0
	for _, t := range s.chain() {
		w := t.segCols
		copy(dst[off:off+w], t.seg[(j*t.m+b)*w:(j*t.m+b+1)*w])
		off += w
	}
}

// sweepFor returns the sweep of a set of fixed thresholds, from the cache,
// derived from the sweep of the set without one threshold, or built.
func (k *fastKernel) sweepFor(fixed []float64) (*sweep, error) {
	sorted := slices.Sorted(slices.Values(fixed))
	return k.cache.getOrBuild(sorted, func() (*sweep, error) { return k.newSweep(sorted) })
}

func (k *fastKernel) newSweep(sorted []float64) (*sweep, error) {
	if len(sorted) == 0 {
		return k.buildSweep(nil)
	}
	idx := make([]int, len(sorted))
	for i, f := range sorted {
		j, found := slices.BinarySearch(k.p.grid.values, f)
		if !found {
			// A threshold off the grid (given by the user): build directly.
			return k.buildSweep(sorted)
		}
		idx[i] = j
	}
	// The parent is always the set without its largest threshold, cached or
	// not: a sweep's rounding must depend on its set alone, never on what a
	// worker happened to compute before, or results would depend on how
	// the replications were split.
	last := len(sorted) - 1
	parent, err := k.sweepFor(sorted[:last])
	if err != nil {
		return nil, err
	}
	if !parent.identified[idx[last]] {
		return k.buildSweep(sorted)
	}
	return k.deriveSweep(parent, idx[last]), nil
}

// buildSweep builds a sweep from scratch: a QR decomposition of the fixed
// design and walks over the observations in q order that accumulate, for
// each candidate, A'B_g (one walk per column of A, see lowerProducts) and
// B_g'B_g.
func (k *fastKernel) buildSweep(fixed []float64) (*sweep, error) {
	p, m := k.p, k.m
	pA := k.p0 + m*len(fixed)
	s := &sweep{fixed: fixed, pA: pA, m: m, segCols: pA}

	var extra [][]float64
	for _, f := range fixed {
		for _, x := range p.x {
			extra = append(extra, p.indicator(x, f))
		}
	}
	cols := append(slices.Clone(k.base), extra...)
	var unidentified int
	if s.rA, unidentified = k.factorFixed(cols); unidentified > 0 {
		return nil, fmt.Errorf("%w: the model at fixed thresholds [%s] is not identified (regressor %d)", ErrData, shortlist.Values(fixed), unidentified)
	}

	G := len(p.grid.values)
	s.alloc(G)
	s.btb = make([]float64, G*m)
	// A'B_g, written where R_g goes: row j*m+b of seg holds column b.
	k.lowerProducts(cols, s.seg, pA)
	g2 := make([]float64, m*m) // sum x x' over the lower regime
	phiSum := make([]float64, m*m)
	phi := make([]float64, p.tr.Units()*k.nfun*m)
	btb := make([]float64, m*m)
	unitOf := p.unitOf()
	loads := make([]float64, k.nfun)
	pos := 0
	for j := range p.grid.values {
		for ; pos < k.cut[j]; pos++ {
			x := k.xs[pos*m : (pos+1)*m]
			for b, xb := range x {
				for c, xc := range x {
					g2[b*m+c] += xb * xc
				}
			}
			// B_g'B_g loses phi_ij phi_ij' over units and functionals; adding
			// c x to phi_ij changes that product by a rank-two term.
			row := int(p.order[pos])
			u := int(unitOf[row])
			p.tr.Loading(loads, u, row)
			for f, cf := range loads {
				ph := phi[(u*k.nfun+f)*m : (u*k.nfun+f+1)*m]
				for b, xb := range x {
					for c, xc := range x {
						phiSum[b*m+c] += cf*(ph[b]*xc+xb*ph[c]) + cf*cf*xb*xc
					}
				}
				for b, xb := range x {
					ph[b] += cf * xb
				}
			}
		}
		for e := range btb {
			btb[e] = g2[e] - phiSum[e]
		}
		for b := 0; b < m; b++ {
			s.btb[j*m+b] = btb[b*m+b]
		}
		// R_g = R_A^{-T} A'B_g by forward substitution (R_A' is lower), in
		// place of A'B_g.
		rg := s.seg[j*m*pA : (j+1)*m*pA]
		for b := 0; b < m; b++ {
			row := rg[b*pA : (b+1)*pA]
			for a := 0; a < pA; a++ {
				v := row[a]
				for l := 0; l < a; l++ {
					v -= s.rA[l*pA+a] * row[l]
				}
				row[a] = v / s.rA[a*pA+a]
			}
		}
		schur := s.chol[j*m*m : (j+1)*m*m]
		for b := 0; b < m; b++ {
			for c := 0; c < m; c++ {
				schur[b*m+c] = btb[b*m+c] - dot(rg[b*pA:(b+1)*pA], rg[c*pA:(c+1)*pA])
			}
		}
		s.identified[j] = s.factor(j)
	}
	return s, nil
}

// deriveSweep returns the sweep of parent's thresholds plus candidate jf.
// With E = B_f the new columns, A+ = [A, E] has the factor
//
//	R_{A+} = [R_A  R_f ; 0  L_f']    (R_f, L_f: parent's factors at f)
//
// and for each candidate g
//
//	t_g     = L_f^{-1} (E'B_g - R_f'R_g),   R+_g = [R_g ; t_g],
//	S+_g    = S_g - t_g't_g,
//
// so only E'B_g = sum_{o in lower(g)} (M E)_o x_o' needs a walk over the
// observations: O(N m^2 + G (p_A m^2 + m^3)) with no new QR decomposition.
func (k *fastKernel) deriveSweep(parent *sweep, jf int) *sweep {
	p, m, pp := k.p, k.m, parent.pA
	f := p.grid.values[jf]
	pA := pp + m
	s := &sweep{parent: parent, fixed: append(slices.Clone(parent.fixed), f), pA: pA, m: m, segCols: m, btb: parent.btb}

	// R_{A+}.
	lf := parent.chol[jf*m*m : (jf+1)*m*m]
	s.rA = make([]float64, pA*pA)
	for a := 0; a < pp; a++ {
		copy(s.rA[a*pA:a*pA+pp], parent.rA[a*pp:(a+1)*pp])
	}
	col := make([]float64, pp)
	for b := 0; b < m; b++ {
		parent.rgColumn(jf, b, col)
		for a := 0; a < pp; a++ {
			s.rA[a*pA+pp+b] = col[a]
		}
		for c := 0; c <= b; c++ {
			s.rA[(pp+c)*pA+pp+b] = lf[b*m+c] // L_f' is upper triangular
		}
	}

	var extra [][]float64
	for _, x := range p.x {
		extra = append(extra, p.indicator(x, f))
	}
	G := len(p.grid.values)
	s.alloc(G)
	// E'B_g, written where t_g goes: row j*m+b of seg holds column b.
	k.lowerProducts(extra, s.seg, m)
	for j := range p.grid.values {
		tg := s.seg[j*m*m : (j+1)*m*m]
		if !parent.identified[j] {
			clear(tg)
			continue
		}
		// t_g = L_f^{-1}(E'B_g - R_f'R_g) in place of E'B_g: row j*m+b
		// holds column b of t_g.
		for b := 0; b < m; b++ {
			for a := 0; a < m; a++ {
				v := tg[b*m+a] - parent.rgDot(jf, a, j, b)
				for l := 0; l < a; l++ {
					v -= lf[a*m+l] * tg[b*m+l]
				}
				tg[b*m+a] = v / lf[a*m+a]
			}
		}
		// S+_g = L_g L_g' - t_g't_g.
		pl := parent.chol[j*m*m : (j+1)*m*m]
		schur := s.chol[j*m*m : (j+1)*m*m]
		for b := 0; b < m; b++ {
			for c := 0; c < m; c++ {
				v := 0.0
				for l := 0; l <= min(b, c); l++ {
					v += pl[b*m+l] * pl[c*m+l]
				}
				schur[b*m+c] = v - dot(tg[b*m:(b+1)*m], tg[c*m:(c+1)*m])
			}
		}
		s.identified[j] = s.factor(j)
	}
	return s
}

func (s *sweep) alloc(G int) {
	s.seg = make([]float64, G*s.m*s.segCols)
	s.chol = make([]float64, G*s.m*s.m)
	s.invDiag = make([]float64, G*s.m)
	s.identified = make([]bool, G)
}

// factor replaces the Schur complement S_g held in chol by its Cholesky
// factor and reports whether candidate j is identified: every pivot, the
// squared norm of a column of B_g not explained by A and the columns before
// it, must reach identTolerance^2 times that column's squared norm.
func (s *sweep) factor(j int) bool {
	m := s.m
	c := s.chol[j*m*m : (j+1)*m*m]
	for b := 0; b < m; b++ {
		d := c[b*m+b]
		for l := 0; l < b; l++ {
			d -= c[b*m+l] * c[b*m+l]
		}
		scale := s.btb[j*m+b]
		if !(scale > 0) || !(d >= identTolerance*identTolerance*scale) {
			return false
		}
		diag := math.Sqrt(d)
		c[b*m+b] = diag
		s.invDiag[j*m+b] = 1 / diag
		for e := b + 1; e < m; e++ {
			v := c[e*m+b]
			for l := 0; l < b; l++ {
				v -= c[e*m+l] * c[b*m+l]
			}
			c[e*m+b] = v / diag
		}
		for e := 0; e < b; e++ {
			c[e*m+b] = 0 // the factor is lower triangular
		}
	}
	return true
}
