package threshold

import (
	"fmt"
	"slices"

	"github.com/thresher/thresher/estimators/stream"
)

// bootstrapPlan is everything a replication of stage k needs: the null
// model's fitted values and the residuals to resample, both in transformed
// rows. Regressors, threshold variable and grid stay fixed (Hansen 1999,
// §4.1).
type bootstrapPlan struct {
	stage int     // k, 1-based
	trim  float64 // the stage's trim, for exclusion windows
	seed  uint64
	kind  BootstrapKind
	// refine repeats the stage-2 refinement in each replication (stage >= 3).
	refine bool
	fitted []float64
	resid  []float64
}

// plan returns the bootstrap plan of a stage, fitting its null model once
// per setup.
func (p *Problem) plan(s BootstrapSetup) (*bootstrapPlan, error) {
	key := fmt.Sprint(s)
	p.plansMu.Lock()
	defer p.plansMu.Unlock()
	if pl, ok := p.plans[key]; ok {
		return pl, nil
	}
	pl, err := p.newPlan(s)
	if err != nil {
		return nil, err
	}
	if p.plans == nil {
		p.plans = map[string]*bootstrapPlan{}
	}
	p.plans[key] = pl
	return pl, nil
}

func (p *Problem) newPlan(s BootstrapSetup) (*bootstrapPlan, error) {
	if s.Stage < 1 || s.Stage > p.spec.Thresholds || len(s.Null) != s.Stage-1 {
		return nil, fmt.Errorf("%w: bootstrap stage %d with %d null thresholds", ErrSpec, s.Stage, len(s.Null))
	}
	null, err := p.fitAt(p.yT, s.Null)
	if err != nil {
		return nil, fmt.Errorf("stage %d null model: %w", s.Stage, err)
	}
	resid := null.Resid
	if p.spec.Residuals == AlternativeResiduals {
		alt, err := p.fitAt(p.yT, append(slices.Clone(s.Null), s.Added))
		if err != nil {
			return nil, fmt.Errorf("stage %d alternative model: %w", s.Stage, err)
		}
		resid = alt.Resid
	}
	fitted := make([]float64, len(p.yT))
	for r := range fitted {
		fitted[r] = p.yT[r] - null.Resid[r]
	}
	return &bootstrapPlan{stage: s.Stage, trim: p.spec.Trim[s.Stage-1], seed: p.spec.Seed, kind: p.spec.Bootstrap,
		refine: p.spec.BootstrapRefine && s.Stage >= 3, fitted: fitted, resid: resid}, nil
}

// perturbation says how replication rep builds y*: unit i receives the
// residual block of unit src[i] multiplied by weight[i].
type perturbation struct {
	src    []int
	weight []float64
}

// perturb draws replication rep's perturbation from its own stream. The
// residual bootstrap draws n units uniformly with replacement (GAUSS:
// ceil(rndu(n,1)*n)) and weights 1; the wild bootstrap keeps each unit's own
// block and draws one weight per unit.
func (p *Problem) perturb(plan *bootstrapPlan, rep int) perturbation {
	s := stream.New(plan.seed, stream.ThresholdBootstrap, plan.stage, rep)
	n := len(p.units)
	pt := perturbation{src: make([]int, n), weight: make([]float64, n)}
	for i := range pt.src {
		if plan.kind.wild() {
			pt.src[i], pt.weight[i] = i, plan.kind.weight(s)
		} else {
			pt.src[i], pt.weight[i] = s.IntN(n), 1
		}
	}
	return pt
}

// drawY writes replication rep's bootstrap response y* = fitted + perturbed
// residuals into y. y* is in transformed rows and is not transformed again
// (GAUSS model()).
func (p *Problem) drawY(plan *bootstrapPlan, rep int, y []float64) {
	pt := p.perturb(plan, rep)
	for i, src := range pt.src {
		lo, hi := p.tr.Block(i)
		slo, _ := p.tr.Block(src)
		for r := lo; r < hi; r++ {
			y[r] = plan.fitted[r] + pt.weight[i]*plan.resid[slo+r-lo]
		}
	}
}
