package mediation

import (
	"fmt"
	"slices"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/twfe"
	"github.com/thresher/thresher/internal/shortlist"
)

// MaxDraws bounds the resamples one bootstrap replication may draw before
// giving up (see the package documentation).
const MaxDraws = 100

// Problem is a validated mediation model on its estimation sample. It is
// immutable after Prepare and safe for concurrent use.
type Problem struct {
	spec     Spec
	data     sample
	starts   []int // rows of unit i are starts[i]:starts[i+1]
	periods  int
	maxDraws int
}

// sample holds the columns of an estimation sample, rows of a unit
// contiguous.
type sample struct {
	y, x, m  []float64
	controls [][]float64
	unit     []int32
	period   []int
}

// Steps are the three fitted equations.
type Steps struct {
	// Total is eq. (1), Y on X and the controls.
	Total *twfe.Result `json:"total"`
	// Mediator is eq. (2), M on X and the controls.
	Mediator *twfe.Result `json:"mediator"`
	// Outcome is eq. (3), Y on X, M and the controls.
	Outcome *twfe.Result `json:"outcome"`
}

// Prepare validates the specification against the data and builds the
// estimation sample: the rows on which every variable (and every lag a
// term uses) exists. Unknown columns wrap panel.ErrUnknownColumn and a
// sample with fewer than two units wraps twfe.ErrFewUnits.
func Prepare(table *panel.Table, layout panel.Layout, spec Spec) (*Problem, error) {
	if err := spec.normalize(); err != nil {
		return nil, err
	}
	names := spec.variables()
	terms := make([]panel.Term, len(names))
	for i, name := range names {
		t, err := panel.ParseTerm(name)
		if err != nil {
			return nil, fmt.Errorf("mediation variable %q: %w", name, err)
		}
		if slices.ContainsFunc(terms[:i], func(u panel.Term) bool { return u.Name == t.Name }) {
			return nil, fmt.Errorf("%w: %q appears twice among the outcome, treatment, mediator and controls", ErrSpec, t.Name)
		}
		terms[i] = t
	}
	if err := checkDependent(terms); err != nil {
		return nil, err
	}
	// Name variables as the terms do (without spaces), as coefficients are.
	spec.Outcome, spec.Treatment, spec.Mediator = terms[0].Name, terms[1].Name, terms[2].Name
	spec.Controls = nil
	for _, t := range terms[3:] {
		spec.Controls = append(spec.Controls, t.Name)
	}
	pn, err := panel.Build(table, layout, terms)
	if err != nil {
		return nil, err
	}
	if len(pn.Units) < 2 {
		return nil, fmt.Errorf("%w: the sample has only unit %q", twfe.ErrFewUnits, pn.Units[0])
	}
	p := &Problem{spec: spec, starts: pn.UnitStarts(), periods: len(pn.Periods()), maxDraws: MaxDraws,
		data: sample{y: pn.Values[0], x: pn.Values[1], m: pn.Values[2], controls: pn.Values[3:], unit: pn.Unit, period: pn.Period}}
	return p, nil
}

// checkDependent refuses a regressor that contains the dependent variable of
// its equation (y, 2*y, y^2 for y), which would fit it exactly: the outcome
// among the treatment, mediator and controls, or the mediator among the
// treatment and controls. Lags (L.y) are other periods and allowed. terms
// are the outcome, treatment, mediator and controls.
func checkDependent(terms []panel.Term) error {
	roles := append([]string{"outcome", "treatment", "mediator"}, slices.Repeat([]string{"control"}, len(terms)-3)...)
	// Equations (1) and (3) explain the outcome with every other term,
	// equation (2) the mediator with the treatment and controls.
	for _, dep := range []int{0, 2} {
		for j := 1; j < len(terms); j++ {
			if j != dep && terms[dep].Overlaps(terms[j]) {
				return fmt.Errorf("%w: the %s %q contains the %s %q and would fit it exactly; remove it (lags such as L.%s are allowed)",
					ErrSpec, roles[j], terms[j].Name, roles[dep], terms[dep].Name, terms[dep].Refs()[0].Column)
			}
		}
	}
	return nil
}

// Spec returns the normalised specification: the level filled in and the
// variables named as their terms (without spaces).
func (p *Problem) Spec() Spec {
	s := p.spec
	s.Controls = slices.Clone(s.Controls)
	return s
}

// Steps fits the three equations on the estimation sample.
func (p *Problem) Steps() (*Steps, error) {
	total, err := p.fit(&p.data, 1)
	if err != nil {
		return nil, err
	}
	mediator, err := p.fit(&p.data, 2)
	if err != nil {
		return nil, err
	}
	outcome, err := p.fit(&p.data, 3)
	if err != nil {
		return nil, err
	}
	return &Steps{Total: total, Mediator: mediator, Outcome: outcome}, nil
}

// fit fits equation eq (1, 2 or 3) on s.
func (p *Problem) fit(s *sample, eq int) (*twfe.Result, error) {
	dep, depName := s.y, p.spec.Outcome
	cols, names := [][]float64{s.x}, []string{p.spec.Treatment}
	switch eq {
	case 2:
		dep, depName = s.m, p.spec.Mediator
	case 3:
		cols, names = append(cols, s.m), append(names, p.spec.Mediator)
	}
	cols, names = append(cols, s.controls...), append(names, p.spec.Controls...)
	res, err := twfe.Fit(dep, cols, names, s.unit, s.period, twfe.Options{PeriodEffects: p.spec.PeriodEffects})
	if err != nil {
		return nil, fmt.Errorf("equation (%d), %s on %s: %w", eq, depName, shortlist.Join(names), err)
	}
	return res, nil
}
