package paper

import (
	"fmt"
	"slices"

	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/estimators/twfe"
)

// Indirect is the indirect effect a*b through a mediator, with its
// normal-theory tests and bootstrap intervals (see package mediation).
type Indirect struct {
	Mediator string `json:"mediator"`
	// A is the treatment's slope in the mediator equation, B the
	// mediator's in the outcome equation, Estimate their product.
	A        float64 `json:"a"`
	B        float64 `json:"b"`
	Estimate float64 `json:"estimate"`
	// Tests are the Sobel, Aroian and Goodman tests.
	Tests []mediation.Test `json:"tests"`
	// Bootstrap holds the percentile and bias-corrected intervals; null
	// without replications.
	Bootstrap *mediation.CI `json:"bootstrap"`
}

// PrepareMediation returns one mediation problem per mediator, in the
// specification's order. A problem's Spec() with ds.CSV and ds.Layout is
// what a cluster needs to compute its bootstrap draws.
func PrepareMediation(ds *Dataset, spec Spec) ([]*mediation.Problem, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out []*mediation.Problem
	for _, m := range spec.Mediators {
		p, err := mediation.Prepare(ds.Table, ds.Layout, mediation.Spec{Outcome: spec.Outcome, Treatment: spec.Treatment,
			Mediator: m, Controls: spec.Controls, PeriodEffects: spec.PeriodEffects,
			Reps: spec.Mediation.Reps, Level: spec.Mediation.Level, Seed: spec.Mediation.Seed})
		if err != nil {
			return nil, fmt.Errorf("paper: mediator %s: %w", m, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// MediationDraws computes every problem's bootstrap draws in this process,
// keyed by mediator: the input Table5 expects.
func MediationDraws(problems []*mediation.Problem) (map[string][]float64, error) {
	draws := map[string][]float64{}
	for _, p := range problems {
		s := p.Spec()
		d, err := p.Bootstrap(0, s.Reps)
		if err != nil {
			return nil, fmt.Errorf("paper: mediator %s: %w", s.Mediator, err)
		}
		draws[s.Mediator] = d
	}
	return draws, nil
}

// Table5 is the mediation analysis: the total effect (eq. 1), then for
// each mediator the effect of the treatment on it (eq. 2) and the outcome
// on both (eq. 3) with the indirect effect. draws[m] holds mediator m's
// bootstrap draws of a*b in replication order (MediationDraws or a
// cluster); it may be nil without replications. The total-effect column is
// repeated only when a mediator's estimation sample changes it.
func Table5(ds *Dataset, spec Spec, draws map[string][]float64) (*RegressionTable, error) {
	for m := range draws {
		if !slices.Contains(spec.Mediators, m) {
			return nil, fmt.Errorf("paper: table 5: %w: bootstrap draws for %q, which is not a mediator", ErrResults, m)
		}
	}
	problems, err := PrepareMediation(ds, spec)
	if err != nil {
		return nil, err
	}
	t := &RegressionTable{Name: "table5", Title: "Table 5. Mediation: causal steps and indirect effects",
		Notes: append(regressionNotes(spec), mediationNote(spec))}
	add := func(depvar, equation string, res *twfe.Result) *Column {
		c := column(fmt.Sprintf("(%d)", len(t.Columns)+1), "all", depvar, res)
		c.Equation = equation
		t.Columns = append(t.Columns, c)
		return &t.Columns[len(t.Columns)-1]
	}
	var total *twfe.Result
	for _, p := range problems {
		m := p.Spec().Mediator
		res, err := assemble(p, draws[m])
		if err != nil {
			return nil, fmt.Errorf("paper: table 5, mediator %s: %w", m, err)
		}
		steps := res.Steps
		if total == nil || !sameFit(total, steps.Total) {
			total = steps.Total
			add(spec.Outcome, "total", total)
		}
		add(m, "mediator", steps.Mediator)
		e := res.Effects
		add(spec.Outcome, "outcome", steps.Outcome).Indirect = &Indirect{Mediator: m, A: e.A, B: e.B,
			Estimate: e.Indirect, Tests: res.Tests, Bootstrap: res.Bootstrap}
	}
	return t, nil
}

// assemble fits the problem's equations and combines them with the draws.
func assemble(p *mediation.Problem, draws []float64) (*mediation.Result, error) {
	steps, err := p.Steps()
	if err != nil {
		return nil, err
	}
	return p.Assemble(steps, draws)
}

// sameFit reports whether two fits of the total effect agree: same sample
// size and the same slopes.
func sameFit(a, b *twfe.Result) bool {
	return a.NObs == b.NObs && slices.Equal(a.Coefficients, b.Coefficients)
}

// mediationNote explains Table 5's indirect effects.
func mediationNote(spec Spec) string {
	return fmt.Sprintf("Indirect effect a*b: a from the mediator equation, b from the outcome equation; Sobel, Aroian and Goodman z "+
		"with normal p-values; %d unit-cluster bootstrap replications, %s%% percentile and bias-corrected intervals.",
		spec.Mediation.Reps, threshold.LevelPercent(spec.Mediation.Level))
}
