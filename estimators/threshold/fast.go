package threshold

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ols"
)

// fastKernel evaluates every candidate threshold with one sorted sweep over
// the observations instead of one regression per candidate; the package
// documentation gives the algebra.
type fastKernel struct {
	p     *Problem
	m, p0 int         // regime-dependent regressors; columns of [Z X]
	nfun  int         // unit functionals of the transform
	cut   []int       // cut[j]: observations (in q order) in the lower regime of candidate j
	xs    []float64   // X in q order (N x m)
	base  [][]float64 // the level columns of [Z X] (the problem's, not copies)
	cache *sweepCache
}

// sweepCacheBytes bounds the memory of cached sweeps per problem.
const sweepCacheBytes = 64 << 20

// batchBytes bounds the per-batch prefix table and responses.
const batchBytes = 32 << 20

// maxBatch bounds the replications of a batch.
const maxBatch = 64

func (p *Problem) fastKernel() kernel {
	p.fastOnce.Do(func() { p.fast = newFastKernel(p) })
	return p.fast
}

func newFastKernel(p *Problem) *fastKernel {
	n := len(p.q)
	k := &fastKernel{p: p, m: len(p.x), p0: len(p.z) + len(p.x), nfun: p.tr.Functionals(),
		cache: newSweepCache(sweepCacheBytes)}
	k.cut = make([]int, len(p.grid.values))
	for j, g := range p.grid.values {
		k.cut[j] = p.lowerCount(g)
	}
	k.xs = make([]float64, n*k.m)
	for pos, r := range p.order {
		for b, x := range p.x {
			k.xs[pos*k.m+b] = x[r]
		}
	}
	k.base = append(slices.Clone(p.z), p.x...)
	return k
}

// unitOf returns the unit of every level row.
func (p *Problem) unitOf() []int32 {
	unit := make([]int32, len(p.q))
	for i := 0; i < p.tr.Units(); i++ {
		lo, hi := p.tr.LevelBlock(i)
		for r := lo; r < hi; r++ {
			unit[r] = int32(i)
		}
	}
	return unit
}

// lowerCount returns the number of observations in the lower regime of g:
// the first position in q order outside it.
func (p *Problem) lowerCount(g float64) int {
	return sort.Search(len(p.order), func(i int) bool { return !p.spec.Convention.inLower(p.q[p.order[i]], g) })
}

// lowerProducts writes, for every candidate j and level column c_a, the
// products (M c_a)'B_g of B_g's columns x_b 1(q <= g_j) with the transformed
// c_a: the sum of (M c_a)_o x_ob over the observations o in the lower regime
// of g_j, at dst[(j*m+b)*stride+a]. One column of M c is held at a time,
// and each sum runs over the observations in q order, as one walk over the
// observations accumulating every column at once would.
func (k *fastKernel) lowerProducts(cols [][]float64, dst []float64, stride int) {
	m := k.m
	gram := make([]float64, len(k.p.q))
	run := make([]float64, m)
	for a, c := range cols {
		k.p.tr.Gram(gram, c)
		clear(run)
		pos := 0
		for j, cut := range k.cut {
			for ; pos < cut; pos++ {
				ga := gram[k.p.order[pos]]
				for b, xb := range k.xs[pos*m : (pos+1)*m] {
					run[b] += ga * xb
				}
			}
			for b, v := range run {
				dst[(j*m+b)*stride+a] = v
			}
		}
	}
}

// factorFixed returns the upper triangular factor R_A (row-major) of the
// transformed design A of the level columns cols, and the first column
// (from 1) whose pivot |R_aa| is below ols.CollinearTolerance times the
// column's norm, 0 if none. A design above blockedDesign elements is
// factorised by blocks of rows (ols.FactorBlocks) instead of whole.
func (k *fastKernel) factorFixed(cols [][]float64) (rA []float64, unidentified int) {
	p, pA := k.p, len(cols)
	var r func(a, b int) float64
	var norms []float64
	if p.tr.Rows()*pA <= blockedDesign {
		at := p.design(nil, cols)
		norms = make([]float64, pA)
		for a := range norms {
			norms[a] = mat.Norm(at.ColView(a), 2)
		}
		r = ols.FactorInPlace(at).R
	} else {
		var ra *mat.Dense
		ra, norms = ols.FactorBlocks(pA, p.transformedRows(columnLevels(cols), false), p.yT)
		r = ra.At
	}
	rA = make([]float64, pA*pA)
	for a, norm := range norms {
		if math.Abs(r(a, a)) < ols.CollinearTolerance*norm {
			return nil, a + 1
		}
		for b := a; b < pA; b++ {
			rA[a*pA+b] = r(a, b)
		}
	}
	return rA, 0
}

// batch holds nb responses in the forms the sweeps consume.
type batch struct {
	nb     int
	yy     []float64 // y'y per response
	adj    []float64 // T'y, level rows x nb
	prefix []float64 // B_g'y: (G*m) x nb
	base   []float64 // [Z X]'T'y: p0 x nb
}

// newBatch computes prefix sums and base projections from adj and yy.
func (k *fastKernel) fill(b *batch) {
	m, nb, G := k.m, b.nb, len(k.p.grid.values)
	b.prefix = make([]float64, G*m*nb)
	run := make([]float64, m*nb)
	pos := 0
	for j := 0; j < G; j++ {
		for ; pos < k.cut[j]; pos++ {
			r := int(k.p.order[pos])
			row := b.adj[r*nb : (r+1)*nb]
			for c := 0; c < m; c++ {
				axpy(k.xs[pos*m+c], row, run[c*nb:(c+1)*nb])
			}
		}
		copy(b.prefix[j*m*nb:(j+1)*m*nb], run)
	}
	// [Z X]'T'y for every response.
	b.base = make([]float64, k.p0*nb)
	for r := range k.p.q {
		row := b.adj[r*nb : (r+1)*nb]
		for a, c := range k.base {
			axpy(c[r], row, b.base[a*nb:(a+1)*nb])
		}
	}
}

// subtractProduct computes V -= R W for row-major R (rows x k), W (k x nb)
// and V (rows x nb), row by row with vectorised updates: every element is
// updated in the same order whatever nb is, and the work stays on the
// calling goroutine (a parallel BLAS would compete with the goroutines that
// already split the replications).
func subtractProduct(v, r, w []float64, k, nb int) {
	for i := 0; i < len(r)/k; i++ {
		vi := v[i*nb : (i+1)*nb]
		for l, x := range r[i*k : (i+1)*k] {
			axpy(-x, w[l*nb:(l+1)*nb], vi)
		}
	}
}

// axpy adds alpha x to y with gonum's vectorised kernel.
func axpy(alpha float64, x, y []float64) {
	blas64.Axpy(alpha, blas64.Vector{N: len(x), Inc: 1, Data: x}, blas64.Vector{N: len(y), Inc: 1, Data: y})
}

// project computes, for the responses cols of the batch, S_A (the SSR at
// sw's fixed thresholds) and v_g = B_g'y - R_g'w for every candidate g, laid
// out as (G*m) x len(cols). fixedProj writes B_f'y of response col for the
// fixed thresholds into out (m values per threshold, in sw.fixed order).
func (k *fastKernel) project(sw *sweep, b *batch, cols []int, fixedProj func(col int, out []float64)) (ssrA, v []float64) {
	m, pA, nb, G := k.m, sw.pA, len(cols), len(k.p.grid.values)
	// A'y and w = R_A^{-T} A'y, one column per response.
	w := make([]float64, pA*nb)
	ay := make([]float64, pA)
	ssrA = make([]float64, nb)
	for c, col := range cols {
		for a := 0; a < k.p0; a++ {
			ay[a] = b.base[a*b.nb+col]
		}
		fixedProj(col, ay[k.p0:])
		ww := 0.0
		for a := 0; a < pA; a++ {
			t := ay[a]
			for l := 0; l < a; l++ {
				t -= sw.rA[l*pA+a] * w[l*nb+c]
			}
			t /= sw.rA[a*pA+a]
			w[a*nb+c] = t
			ww += t * t
		}
		ssrA[c] = b.yy[col] - ww
	}
	// V = P - R'W for every candidate and response: one matrix product per
	// segment of R, accumulated in column order.
	v = make([]float64, G*m*nb)
	for r := 0; r < G*m; r++ {
		src := b.prefix[r*b.nb : (r+1)*b.nb]
		dst := v[r*nb : (r+1)*nb]
		for c, col := range cols {
			dst[c] = src[col]
		}
	}
	off := 0
	for _, t := range sw.chain() {
		subtractProduct(v, t.seg, w[off*nb:(off+t.segCols)*nb], t.segCols, nb)
		off += t.segCols
	}
	return ssrA, v
}

// reduction returns v'S_g^{-1}v = |L^{-1}v|^2, the SSR reduction of
// candidate j for response c of a projection with nb responses. z is
// scratch of length m.
func (s *sweep) reduction(v []float64, j, c, nb int, z []float64) float64 {
	m := s.m
	chol := s.chol[j*m*m : (j+1)*m*m]
	inv := s.invDiag[j*m : (j+1)*m]
	red := 0.0
	for e := 0; e < m; e++ {
		t := v[(j*m+e)*nb+c]
		for l := 0; l < e; l++ {
			t -= chol[e*m+l] * z[l]
		}
		t *= inv[e]
		z[e] = t
		red += t * t
	}
	return red
}

// search returns, per response, S_A, the best admissible identified
// candidate (-1 if none; the first on ties) and its SSR.
func (k *fastKernel) search(sw *sweep, b *batch, cols []int, fixedProj func(int, []float64), admissible []bool) (ssrA []float64, best []int, bestSSR []float64) {
	ssrA, v := k.project(sw, b, cols, fixedProj)
	nb := len(cols)
	best = make([]int, nb)
	bestSSR = make([]float64, nb)
	for c := range bestSSR {
		best[c] = -1
		bestSSR[c] = math.Inf(1)
	}
	z := make([]float64, k.m)
	for j := range k.p.grid.values {
		if !admissible[j] || !sw.identified[j] {
			continue
		}
		for c := 0; c < nb; c++ {
			if s := ssrA[c] - sw.reduction(v, j, c, nb, z); s < bestSSR[c] {
				best[c], bestSSR[c] = j, s
			}
		}
	}
	return ssrA, best, bestSSR
}

func (k *fastKernel) profile(y []float64, fixed []float64, admissible []bool) ([]float64, error) {
	p := k.p
	sw, err := k.sweepFor(fixed)
	if err != nil {
		return nil, err
	}
	b := &batch{nb: 1, yy: []float64{dot(y, y)}, adj: make([]float64, len(p.q))}
	p.tr.Adjoint(b.adj, y)
	k.fill(b)
	fixedProj := func(_ int, out []float64) {
		for i, f := range sw.fixed {
			n := p.lowerCount(f)
			for c := 0; c < k.m; c++ {
				s := 0.0
				for pos := 0; pos < n; pos++ {
					s += k.xs[pos*k.m+c] * b.adj[p.order[pos]]
				}
				out[i*k.m+c] = s
			}
		}
	}
	ssrA, v := k.project(sw, b, []int{0}, fixedProj)
	z := make([]float64, k.m)
	out := make([]float64, len(p.grid.values))
	for j := range out {
		switch {
		case !admissible[j]:
			out[j] = math.Inf(1)
		case !sw.identified[j]:
			out[j] = math.NaN()
		default:
			out[j] = ssrA[0] - sw.reduction(v, j, 0, 1, z)
		}
	}
	return out, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func (k *fastKernel) bootstrap(plan *bootstrapPlan, r0, r1 int) ([]float64, error) {
	p := k.p
	fittedAdj := make([]float64, len(p.q))
	residAdj := make([]float64, len(p.q))
	p.tr.Adjoint(fittedAdj, plan.fitted)
	p.tr.Adjoint(residAdj, plan.resid)
	G := len(p.grid.values)
	size := min(max(batchBytes/(8*(2*G*k.m+len(p.q))), 1), maxBatch)
	out := make([]float64, 0, r1-r0)
	for s := r0; s < r1; s += size {
		f, err := k.bootstrapBatch(plan, fittedAdj, residAdj, s, min(s+size, r1))
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// bootstrapBatch runs replications r0..r1-1 as the columns of one batch:
// the sequential searches of each replication, grouped at every step by the
// thresholds the replications have fixed so far.
func (k *fastKernel) bootstrapBatch(plan *bootstrapPlan, fittedAdj, residAdj []float64, r0, r1 int) ([]float64, error) {
	p, nb := k.p, r1-r0
	b := &batch{nb: nb, yy: make([]float64, nb), adj: make([]float64, len(p.q)*nb)}
	perturbs := make([]perturbation, nb)
	for c := range perturbs {
		perturbs[c] = p.perturb(plan, r0+c)
	}
	// T'y* = T'fitted + the weighted blocks of T'resid: T' acts on each unit
	// alike in a balanced panel, so it commutes with moving whole blocks, and
	// it is linear, so it commutes with a unit's weight. Rows of adj are
	// written whole, one replication per column.
	srcLevel := make([]int, nb) // first level row of each replication's source unit
	weight := make([]float64, nb)
	for i := 0; i < p.tr.Units(); i++ {
		lo, hi := p.tr.LevelBlock(i)
		tlo, thi := p.tr.Block(i)
		for c, pt := range perturbs {
			src, w := pt.src[i], pt.weight[i]
			srcLevel[c], _ = p.tr.LevelBlock(src)
			weight[c] = w
			tslo, _ := p.tr.Block(src)
			yy := 0.0
			for r := tlo; r < thi; r++ {
				y := plan.fitted[r] + w*plan.resid[tslo+r-tlo]
				yy += y * y
			}
			b.yy[c] += yy
		}
		for r := lo; r < hi; r++ {
			row, fit := b.adj[r*nb:(r+1)*nb], fittedAdj[r]
			for c, s := range srcLevel {
				row[c] = fit + weight[c]*residAdj[s+r-lo]
			}
		}
	}
	k.fill(b)

	stats := make([]float64, nb)
	fixed := make([][]int, nb) // grid indices fixed so far, per replication, sorted
	for step := 1; step <= plan.stage; step++ {
		ssrA, best, bestSSR, err := k.searchGroups(plan, b, fixed, r0, step)
		if err != nil {
			return nil, err
		}
		for col := range fixed {
			if step == plan.stage {
				stats[col] = fStat(ssrA[col], bestSSR[col], p.sigmaDF)
			}
			fixed[col] = append(fixed[col], best[col])
			slices.Sort(fixed[col])
		}
		if step == 2 && plan.refine {
			// The refinement of the point estimates (docs/threshold-model.md
			// §7.1): re-search the first threshold given the second.
			second := make([][]int, nb)
			for col := range second {
				second[col] = []int{best[col]}
			}
			_, first, _, err := k.searchGroups(plan, b, second, r0, 1)
			if err != nil {
				return nil, err
			}
			for col := range fixed {
				fixed[col] = []int{first[col], best[col]}
				slices.Sort(fixed[col])
			}
		}
	}
	return stats, nil
}

// searchGroups searches, for every replication of a batch, the best
// candidate given its fixed grid indices (sorted), grouping the
// replications that fix the same set so that each group shares one sweep. It
// returns per replication S_A at the fixed thresholds, the best candidate and
// its SSR; step numbers the threshold searched, for errors.
func (k *fastKernel) searchGroups(plan *bootstrapPlan, b *batch, fixed [][]int, r0, step int) (ssrA []float64, best []int, bestSSR []float64, err error) {
	p, m, nb := k.p, k.m, b.nb
	ssrA, best, bestSSR = make([]float64, nb), make([]int, nb), make([]float64, nb)
	for _, cols := range groupByFixed(fixed) {
		values := make([]float64, 0, len(fixed[cols[0]]))
		for _, j := range fixed[cols[0]] {
			values = append(values, p.grid.values[j])
		}
		sw, err := k.sweepFor(values)
		if err != nil {
			return nil, nil, nil, err
		}
		// The fixed thresholds are grid values: their B_f'y are prefix rows.
		fixedIdx := make([]int, len(sw.fixed))
		for i, f := range sw.fixed {
			fixedIdx[i], _ = slices.BinarySearch(p.grid.values, f)
		}
		fixedProj := func(col int, out []float64) {
			for i, j := range fixedIdx {
				for e := 0; e < m; e++ {
					out[i*m+e] = b.prefix[(j*m+e)*nb+col]
				}
			}
		}
		gA, gBest, gSSR := k.search(sw, b, cols, fixedProj, p.grid.admissible(values, plan.trim))
		for c, col := range cols {
			if gBest[c] < 0 {
				return nil, nil, nil, fmt.Errorf("%w: stage %d replication %d: no identified candidate for threshold %d", ErrData, plan.stage, r0+col, step)
			}
			ssrA[col], best[col], bestSSR[col] = gA[c], gBest[c], gSSR[c]
		}
	}
	return ssrA, best, bestSSR, nil
}

// groupByFixed groups replications by the grid indices they have fixed, in
// order of first appearance.
func groupByFixed(fixed [][]int) [][]int {
	index := map[string]int{}
	var groups [][]int
	for col, f := range fixed {
		key := fmt.Sprint(f)
		g, ok := index[key]
		if !ok {
			g = len(groups)
			index[key] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], col)
	}
	return groups
}
