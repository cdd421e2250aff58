package mediation

import (
	"errors"
	"fmt"
)

// ErrSpec reports an invalid specification.
var ErrSpec = errors.New("invalid mediation specification")

// Spec is a mediation model and its bootstrap. Variable names are terms of
// a panel variable list (see package panel), e.g. "lndig" or "L.lnpgdp".
type Spec struct {
	Outcome   string   `json:"outcome"`
	Treatment string   `json:"treatment"`
	Mediator  string   `json:"mediator"`
	Controls  []string `json:"controls"`
	// PeriodEffects adds period dummies to every equation.
	PeriodEffects bool `json:"period_effects"`
	// Reps is the number of bootstrap replications: 0 for none, else at
	// least 2.
	Reps int `json:"reps"`
	// Level is the confidence level of the bootstrap intervals, in (0, 1);
	// 0 means 0.95.
	Level float64 `json:"level"`
	// Seed keys the replications' random streams.
	Seed uint64 `json:"seed"`
	// KeepDraws adds every replication's a*b to the result.
	KeepDraws bool `json:"keep_draws,omitempty"`
}

// normalize fills the default level and checks the specification.
func (s *Spec) normalize() error {
	if s.Outcome == "" || s.Treatment == "" || s.Mediator == "" {
		return fmt.Errorf("%w: the outcome, treatment and mediator are required", ErrSpec)
	}
	if s.Reps < 0 || s.Reps == 1 {
		return fmt.Errorf("%w: %d bootstrap replications (give 0 for none, or at least 2)", ErrSpec, s.Reps)
	}
	if s.Level == 0 {
		s.Level = 0.95
	}
	if !(s.Level > 0 && s.Level < 1) {
		return fmt.Errorf("%w: confidence level %v must lie strictly between 0 and 1 (e.g. 0.95)", ErrSpec, s.Level)
	}
	return nil
}

// variables lists the outcome, treatment, mediator and controls in that
// order.
func (s *Spec) variables() []string {
	return append([]string{s.Outcome, s.Treatment, s.Mediator}, s.Controls...)
}
