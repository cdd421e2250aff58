package threshold

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ols"
)

// referenceKernel is the plain implementation: one QR regression on the full
// transformed design per candidate, exactly as GAUSS thr_sse does, and a
// loop of such searches per bootstrap replication. It is the oracle the fast
// kernel is tested against; its cost is O(G N p^2) per search.
type referenceKernel struct{ p *Problem }

func (k referenceKernel) profile(y []float64, fixed []float64, admissible []bool) ([]float64, error) {
	p := k.p
	// The null model must be identified before candidates are compared.
	if _, err := p.fitAt(y, fixed); err != nil {
		return nil, err
	}
	m := len(p.x)
	out := make([]float64, len(p.grid.values))
	for j, c := range p.grid.values {
		if !admissible[j] {
			out[j] = math.Inf(1)
			continue
		}
		ths := append(slices.Clone(fixed), c)
		fit, err := ols.RegressBuilt(func(dst *mat.Dense) *mat.Dense { return p.designAt(dst, ths) }, y, nil)
		switch {
		case errors.Is(err, ols.ErrCollinear):
			out[j] = math.NaN()
			continue
		case err != nil:
			return nil, err
		}
		out[j] = fit.SSR
		for _, piv := range fit.Pivots[len(fit.Pivots)-m:] {
			if piv < identTolerance {
				out[j] = math.NaN()
			}
		}
	}
	return out, nil
}

func (k referenceKernel) bootstrap(plan *bootstrapPlan, r0, r1 int) ([]float64, error) {
	p := k.p
	out := make([]float64, 0, r1-r0)
	y := make([]float64, len(p.yT))
	for r := r0; r < r1; r++ {
		p.drawY(plan, r, y)
		linear, err := p.fitAt(y, nil)
		if err != nil {
			return nil, err
		}
		prev := linear.SSR
		var fixed []float64
		// search returns the best candidate given fixed and its SSR.
		search := func(fixed []float64, j int) (float64, float64, error) {
			ssr, err := k.profile(y, fixed, p.grid.admissible(fixed, plan.trim))
			if err != nil {
				return 0, 0, fmt.Errorf("replication %d: %w", r, err)
			}
			best, ok := argmin(ssr)
			if !ok {
				return 0, 0, fmt.Errorf("%w: stage %d replication %d: no identified candidate for threshold %d", ErrData, plan.stage, r, j)
			}
			return p.grid.values[best], ssr[best], nil
		}
		for j := 1; j <= plan.stage; j++ {
			g, ssr, err := search(fixed, j)
			if err != nil {
				return nil, err
			}
			if j == plan.stage {
				out = append(out, fStat(prev, ssr, p.sigmaDF))
			}
			prev = ssr
			fixed = append(fixed, g)
			if j == 2 && plan.refine {
				// The refinement of the point estimates (docs/threshold-model.md
				// §7.1): re-search the first threshold given the second.
				if fixed[0], prev, err = search(fixed[1:], 1); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}
