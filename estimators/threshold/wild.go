package threshold

import (
	"fmt"
	"math"
	"strings"

	"github.com/thresher/thresher/estimators/stream"
)

// BootstrapKind selects how replications perturb the null model.
type BootstrapKind int

const (
	// AutoBootstrap is ResidualBootstrap on balanced panels and
	// WildRademacher on unbalanced ones and under robust inference
	// (Spec.VCE robust or cluster).
	AutoBootstrap BootstrapKind = iota
	// ResidualBootstrap redraws whole units' residual blocks with
	// replacement (Hansen 1999, §4.1). It needs a balanced panel: every unit
	// must have a block of the same length.
	ResidualBootstrap
	// WildRademacher multiplies each unit's residuals by one weight, +1 or
	// -1 with equal probability: the wild cluster bootstrap of xthreg2
	// (Wang's unbalanced-panel successor of xthreg, option wcmeth(rademacher)).
	WildRademacher
	// WildMammen uses Mammen's (1993) two-point weights -(sqrt5-1)/2 with
	// probability (sqrt5+1)/(2 sqrt5) and (sqrt5+1)/2 otherwise (mean 0,
	// variance 1, third moment 1).
	WildMammen
	// WildWebb uses Webb's (2014) six-point weights ±sqrt(1/2), ±1,
	// ±sqrt(3/2), each with probability 1/6; preferred with few units.
	WildWebb
)

var bootstrapNames = map[BootstrapKind]string{AutoBootstrap: "auto", ResidualBootstrap: "residual",
	WildRademacher: "wild-rademacher", WildMammen: "wild-mammen", WildWebb: "wild-webb"}

// ParseBootstrap parses auto, residual, wild (Rademacher), wild-rademacher,
// wild-mammen or wild-webb.
func ParseBootstrap(s string) (BootstrapKind, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "wild" {
		return WildRademacher, nil
	}
	for k, name := range bootstrapNames {
		if name == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown bootstrap %q (want auto, residual, wild, wild-rademacher, wild-mammen or wild-webb)", ErrSpec, s)
}

func (k BootstrapKind) String() string { return bootstrapNames[k] }

// wild reports whether the kind perturbs residuals by unit weights.
func (k BootstrapKind) wild() bool { return k >= WildRademacher }

// weight draws one unit's weight.
func (k BootstrapKind) weight(s *stream.Stream) float64 {
	switch k {
	case WildMammen:
		sqrt5 := math.Sqrt(5)
		if s.Float64() < (sqrt5+1)/(2*sqrt5) {
			return -(sqrt5 - 1) / 2
		}
		return (sqrt5 + 1) / 2
	case WildWebb:
		return [6]float64{-math.Sqrt(1.5), -1, -math.Sqrt(0.5), math.Sqrt(0.5), 1, math.Sqrt(1.5)}[s.IntN(6)]
	}
	return float64(2*s.IntN(2) - 1)
}
