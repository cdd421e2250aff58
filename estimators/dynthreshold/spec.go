package dynthreshold

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Sentinel errors. Every error of this package wraps one of them (or one of
// package panel's) and names the variable, period or grid point at fault.
var (
	// ErrSpec reports an invalid specification: a missing or repeated
	// variable, an option out of range.
	ErrSpec = errors.New("invalid specification")
	// ErrTooFewPeriods reports a panel too short for the first-differenced
	// equations and their instruments.
	ErrTooFewPeriods = errors.New("too few periods")
	// ErrIdentification reports fewer instruments than parameters.
	ErrIdentification = errors.New("not identified")
	// ErrSingular reports a weight or normal matrix that cannot be inverted.
	ErrSingular = errors.New("singular matrix")
	// ErrGrid reports a grid point outside the support of the threshold
	// variable, where one regime is empty.
	ErrGrid = errors.New("grid outside the support")
)

// Defaults of xthenreg.
const (
	DefaultGridNum = 100
	DefaultTrim    = 0.4
	DefaultH0      = 1.5
	// MaxGridNum bounds the grid; MaxBoost bounds the replications.
	MaxGridNum = 10000
	MaxBoost   = 1000000
)

// Spec specifies a dynamic panel threshold model.
type Spec struct {
	// ID and Time name the unit and integer period columns.
	ID, Time string
	// Depvar is the dependent variable y; Qx the threshold variable q.
	Depvar, Qx string
	// Indep are the regressors besides the lagged dependent variable. Those
	// not listed in Endo are exogenous: their first difference at t
	// instruments the equation of period t.
	Indep []string
	// Endo are endogenous variables: their levels at periods 1..t-2
	// instrument the equation of period t. A variable of Endo that is not
	// in Indep (typically an endogenous threshold variable) only
	// contributes these instruments.
	Endo []string
	// Exog are strictly exogenous variables, not regressors: their levels
	// at periods 1..t instrument the equation of period t.
	Exog []string
	// Inst are extra instruments, each at its period-t value (supply lags
	// yourself, e.g. L2.w).
	Inst []string
	// Static drops the lagged dependent variable from the regressors.
	Static bool
	// Unbalanced allows panels where units lack periods (xthenreg requires a
	// strongly balanced panel): a unit has the equations of the periods
	// where the variables they need are observed, an instrument that is not
	// observed is 0, and instrument columns that are 0 for every unit are
	// dropped.
	Unbalanced bool
	// Kink fits the continuous kink model instead of the jump model.
	Kink bool
	// GridNum points, equally spaced between the quantiles Trim/2 and
	// 1-Trim/2 of q, form the grid; Gammas, when set, replaces it.
	GridNum int
	Trim    float64
	Gammas  []float64
	// H0 scales the bandwidth of the kernel derivative (xthenreg h_0).
	H0 float64
	// Boost is the number of bootstrap replications of the linearity test
	// (0: no test), computed as Bootstrap says; Seed keys their streams.
	Boost     int
	Bootstrap Bootstrap
	Seed      uint64
}

// Bootstrap is the linearity test's bootstrap.
type Bootstrap int

const (
	// BootstrapMultiplier is xthenreg's fast bootstrap: unit multipliers on
	// the moment contributions, weights and covariances held fixed.
	BootstrapMultiplier Bootstrap = iota
	// BootstrapWild regenerates the dependent variable under the linear
	// model by a wild bootstrap of its residuals and re-estimates
	// everything in every replication.
	BootstrapWild
)

// Names of the bootstraps in a Config and on the command line.
const (
	BootstrapFast = "fast"
	BootstrapFull = "full"
)

// ParseBootstrap parses a bootstrap's name; the empty name is the fast one.
func ParseBootstrap(s string) (Bootstrap, error) {
	switch s {
	case "", BootstrapFast:
		return BootstrapMultiplier, nil
	case BootstrapFull:
		return BootstrapWild, nil
	}
	return 0, fmt.Errorf("%w: unknown bootstrap %q (want %s or %s)", ErrSpec, s, BootstrapFast, BootstrapFull)
}

// String returns the bootstrap's name.
func (b Bootstrap) String() string {
	if b == BootstrapWild {
		return BootstrapFull
	}
	return BootstrapFast
}

// Normalize fills defaults (GridNum, Trim, H0 when zero) and checks the
// specification.
func (s *Spec) Normalize() error {
	if s.GridNum == 0 {
		s.GridNum = DefaultGridNum
	}
	if s.Trim == 0 {
		s.Trim = DefaultTrim
	}
	if s.H0 == 0 {
		s.H0 = DefaultH0
	}
	switch {
	case s.ID == "" || s.Time == "":
		return fmt.Errorf("%w: the unit and period columns are required", ErrSpec)
	case s.Depvar == "":
		return fmt.Errorf("%w: the dependent variable is required", ErrSpec)
	case s.Qx == "":
		return fmt.Errorf("%w: the threshold variable is required", ErrSpec)
	case s.GridNum < 1 || s.GridNum > MaxGridNum:
		return fmt.Errorf("%w: grid of %d points, want 1..%d", ErrSpec, s.GridNum, MaxGridNum)
	case !(s.Trim > 0 && s.Trim < 1):
		return fmt.Errorf("%w: trim %v, want strictly between 0 and 1", ErrSpec, s.Trim)
	case !(s.H0 > 0) || math.IsInf(s.H0, 0):
		return fmt.Errorf("%w: h0 %v, want a positive number", ErrSpec, s.H0)
	case s.Bootstrap != BootstrapMultiplier && s.Bootstrap != BootstrapWild:
		return fmt.Errorf("%w: unknown bootstrap %d", ErrSpec, s.Bootstrap)
	case s.Boost < 0 || s.Boost > MaxBoost:
		return fmt.Errorf("%w: %d bootstrap replications, want 0..%d", ErrSpec, s.Boost, MaxBoost)
	}
	for _, g := range s.Gammas {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return fmt.Errorf("%w: grid point %v is not finite", ErrSpec, g)
		}
	}
	lists := []struct {
		name string
		vars []string
	}{{"depvar", []string{s.Depvar}}, {"indep", s.Indep}, {"endo", s.Endo}, {"exog", s.Exog}, {"inst", s.Inst}}
	seen := map[string]string{}
	for _, l := range lists {
		for _, v := range l.vars {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("%w: empty name in %s", ErrSpec, l.name)
			}
			// A variable may be both a regressor and endogenous; every
			// other repetition would duplicate a column.
			if prev, dup := seen[v]; dup && !(prev == "indep" && l.name == "endo") {
				return fmt.Errorf("%w: %q appears in both %s and %s", ErrSpec, v, prev, l.name)
			}
			seen[v] = l.name
		}
	}
	return nil
}
