package threshold

import (
	"fmt"
	"strings"
)

// Convention selects one of the two reference programs whose arithmetic
// thresher reproduces. They differ in five places (docs/threshold-model.md §9.1):
//
//	                      Hansen                     Xthreg
//	within transform      demean, drop last period   demean, keep all periods
//	lower regime          q <  g                     q <= g
//	sigma^2 for F and LR  S / (n(T-1))               S / (T(N-1)) = S/(NT-T)
//	grid of N points      quantiles trim, trim+1/N,  N quantiles evenly spaced
//	                      ..., 1-trim (N-2N*trim+1)  on [trim, 1-trim]
//	classical SE df       n(T-1) - n - K             NT - n - K (xtreg, fe)
//
// Both take candidates from the distinct values of q and share the exact
// grid, the sequential procedure and the bootstrap.
type Convention int

const (
	// Xthreg reproduces Stata's xthreg (Wang 2015) and xtreg, fe. Default.
	Xthreg Convention = iota
	// Hansen reproduces Hansen's (1999) GAUSS program THRESH_P.PRG.
	Hansen
)

// ParseConvention parses "xthreg" or "hansen".
func ParseConvention(s string) (Convention, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "xthreg", "stata":
		return Xthreg, nil
	case "hansen", "gauss":
		return Hansen, nil
	}
	return 0, fmt.Errorf("unknown convention %q (want xthreg or hansen)", s)
}

func (c Convention) String() string {
	if c == Hansen {
		return "hansen"
	}
	return "xthreg"
}

// dropLast reports whether the within transform deletes each unit's last
// period (Hansen's proc tr).
func (c Convention) dropLast() bool { return c == Hansen }

// inLower reports whether an observation with threshold value q belongs to
// the regime below threshold g.
func (c Convention) inLower(q, g float64) bool {
	if c == Hansen {
		return q < g
	}
	return q <= g
}

// lowerOp is the comparison for labels ("<" or "<=").
func (c Convention) lowerOp() string {
	if c == Hansen {
		return "<"
	}
	return "<="
}
