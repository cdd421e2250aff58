package threshold

import (
	"fmt"
	"math"
	"strings"
)

// Algorithm selects the kernel that evaluates candidate thresholds.
type Algorithm int

const (
	// Fast is the sorted-sweep kernel of fast.go. Default.
	Fast Algorithm = iota
	// Reference fits one QR regression per candidate: slow, plain, the oracle.
	Reference
)

// ParseAlgorithm parses "fast" or "reference".
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fast":
		return Fast, nil
	case "reference", "ref", "naive":
		return Reference, nil
	}
	return 0, fmt.Errorf("%w: unknown algorithm %q (want fast or reference)", ErrSpec, s)
}

func (a Algorithm) String() string {
	if a == Reference {
		return "reference"
	}
	return "fast"
}

// identTolerance is the smallest relative pivot |R_jj|/||b_j|| at which the
// columns of a candidate threshold count as identified. Below it the
// candidate's new regime is (numerically) empty or collinear with the other
// columns and the candidate is skipped. The tolerance sits far above the
// rounding error of the fast kernel's cross products, so both kernels
// classify every candidate alike.
const identTolerance = 1e-5

// kernel evaluates the SSR of one more threshold at every candidate.
type kernel interface {
	// profile returns, for response y (transformed rows), the SSR of the model
	// with thresholds fixed ∪ {c} for every grid candidate c: +Inf where
	// admissible is false, NaN where the candidate is not identified.
	profile(y []float64, fixed []float64, admissible []bool) ([]float64, error)
	// bootstrap returns the statistics F* of replications r0..r1-1.
	bootstrap(plan *bootstrapPlan, r0, r1 int) ([]float64, error)
}

// argmin returns the index of the smallest finite value, the first on ties
// (GAUSS minindc, MATLAB min and R which.min all take the first, i.e. the
// smallest candidate), and false when no value is finite.
func argmin(ssr []float64) (int, bool) {
	best, found := 0, false
	for j, v := range ssr {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if !found || v < ssr[best] {
			best, found = j, true
		}
	}
	return best, found
}

// fStat returns (S_{k-1} - S_k) / (S_k / df): Hansen's eq. (12) and, with
// df = T(N-1), xthreg's Fstat.
func fStat(prev, cur, df float64) float64 { return (prev - cur) / (cur / df) }
