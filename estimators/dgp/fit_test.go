package dgp

import (
	"testing"

	"github.com/thresher/thresher/estimators/twfe"
)

// withinFit regresses a sample's outcome on the truth's regressors and its
// regime-dependent regressors split at the true thresholds, with unit
// effects, and returns the slopes (regressors first, then regime by regime)
// and the fit.
func withinFit(t *testing.T, s *Sample, truth Truth) ([]float64, *twfe.Result) {
	t.Helper()
	col := func(name string) []float64 {
		v, ok := s.Column(name)
		if !ok {
			t.Fatalf("no column %s in %v", name, s.Names)
		}
		return v
	}
	var x [][]float64
	var names []string
	for _, name := range truth.Regressors {
		x, names = append(x, col(name)), append(names, name)
	}
	q := col(truth.Q)
	for k := range len(truth.Thresholds) + 1 {
		for _, name := range truth.RegimeDependent {
			v := col(name)
			split := make([]float64, len(v))
			for i := range v {
				if regime(truth.Thresholds, q[i]) == k {
					split[i] = v[i]
				}
			}
			x, names = append(x, split), append(names, name+string(rune('a'+k)))
		}
	}
	unit, period := make([]int32, s.Len()), make([]int, s.Len())
	for i, v := range col(truth.ID) {
		unit[i] = int32(v)
	}
	for i, v := range col(truth.Time) {
		period[i] = int(v)
	}
	fit, err := twfe.Fit(col(truth.Y), x, names, unit, period, twfe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(fit.Coefficients))
	for j, c := range fit.Coefficients {
		out[j] = c.Estimate
	}
	return out, fit
}
