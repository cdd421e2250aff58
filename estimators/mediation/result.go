package mediation

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Effects are the point estimates of the causal-steps analysis.
type Effects struct {
	// Total is c of eq. (1); Direct is c' of eq. (3).
	Total  float64 `json:"total"`
	Direct float64 `json:"direct"`
	// A and SEA are X's coefficient in eq. (2) and its clustered SE; B and
	// SEB are M's coefficient in eq. (3) and its clustered SE.
	A   float64 `json:"a"`
	SEA float64 `json:"se_a"`
	B   float64 `json:"b"`
	SEB float64 `json:"se_b"`
	// Indirect is a*b.
	Indirect float64 `json:"indirect"`
}

// Test is a normal-theory test of the indirect effect. SE, Z and P are null
// when the test is undefined, and Note says why.
type Test struct {
	Name string   `json:"name"`
	SE   *float64 `json:"se"`
	Z    *float64 `json:"z"`
	P    *float64 `json:"p"`
	Note string   `json:"note,omitempty"`
}

// Result is the complete mediation analysis. Its JSON encoding has a fixed
// field order, no timings, and no NaN or infinity.
type Result struct {
	Model    Spec    `json:"model"`
	NObs     int     `json:"n_obs"`
	NUnits   int     `json:"n_units"`
	NPeriods int     `json:"n_periods"`
	Steps    Steps   `json:"equations"`
	Effects  Effects `json:"effects"`
	Tests    []Test  `json:"tests"`
	// Bootstrap is null when Spec.Reps is 0.
	Bootstrap *CI `json:"bootstrap"`
}

// Assemble combines the fitted equations and the bootstrap draws of
// replications 0..Reps-1, in replication order, into the result.
func (p *Problem) Assemble(steps *Steps, draws []float64) (*Result, error) {
	if len(draws) != p.spec.Reps {
		return nil, fmt.Errorf("%w: %d bootstrap draws for %d replications", ErrBootstrap, len(draws), p.spec.Reps)
	}
	for r, d := range draws {
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return nil, fmt.Errorf("%w: replication %d is %v", ErrBootstrap, r, d)
		}
	}
	a, okA := steps.Mediator.Coefficient(p.spec.Treatment)
	b, okB := steps.Outcome.Coefficient(p.spec.Mediator)
	c, okC := steps.Total.Coefficient(p.spec.Treatment)
	direct, okD := steps.Outcome.Coefficient(p.spec.Treatment)
	if !okA || !okB || !okC || !okD {
		return nil, fmt.Errorf("%w: the equations do not hold the treatment %q and mediator %q", ErrSpec, p.spec.Treatment, p.spec.Mediator)
	}
	res := &Result{Model: p.spec, NObs: len(p.data.y), NUnits: len(p.starts) - 1, NPeriods: p.periods, Steps: *steps,
		Effects: Effects{Total: c.Estimate, Direct: direct.Estimate, A: a.Estimate, SEA: a.SECluster,
			B: b.Estimate, SEB: b.SECluster, Indirect: a.Estimate * b.Estimate}}
	res.Tests = indirectTests(res.Effects)
	if p.spec.Reps > 0 {
		ci := Summarize(res.Effects.Indirect, draws, p.spec.Level)
		if p.spec.KeepDraws {
			ci.Draws = slices.Clone(draws)
		}
		res.Bootstrap = &ci
	}
	return res, nil
}

// indirectTests returns the Sobel, Aroian and Goodman tests of a*b.
func indirectTests(e Effects) []Test {
	ab := e.A * e.B
	first := e.B*e.B*e.SEA*e.SEA + e.A*e.A*e.SEB*e.SEB
	second := e.SEA * e.SEA * e.SEB * e.SEB
	return []Test{
		normalTest("sobel", ab, first),
		normalTest("aroian", ab, first+second),
		normalTest("goodman", ab, first-second),
	}
}

// normalTest tests est with standard error sqrt(variance) against the
// standard normal, or reports the test undefined when variance <= 0.
func normalTest(name string, est, variance float64) Test {
	if !(variance > 0) {
		return Test{Name: name, Note: fmt.Sprintf("the variance of a*b is %.6g, not positive: the test is undefined", variance)}
	}
	se := math.Sqrt(variance)
	z := est / se
	p := 2 * distuv.UnitNormal.CDF(-math.Abs(z))
	return Test{Name: name, SE: &se, Z: &z, P: &p}
}

// Estimate runs the whole analysis in this process: Steps, every bootstrap
// replication, Assemble.
func (p *Problem) Estimate() (*Result, error) {
	steps, err := p.Steps()
	if err != nil {
		return nil, err
	}
	draws, err := p.Bootstrap(0, p.spec.Reps)
	if err != nil {
		return nil, err
	}
	return p.Assemble(steps, draws)
}
