package threshold

import (
	"math"
	"slices"
	"testing"
)

// TestPostEstimation checks, at given thresholds in both conventions, that
// the JSON's three covariance matrices reproduce the reported standard errors
// exactly and that the observations per regime add up to the observations
// used.
func TestPostEstimation(t *testing.T) {
	cases := []struct {
		file  string
		spec  Spec
		given []float64
		obs   []int // regime_obs of the last stage
	}{
		{"invest.csv", hansenSpec(0), []float64{0.0157, 0.53616}, []int{903, 5989, 453}},            // 565 x 13 rows,
		{"hansen1999_xthreg.csv", xthregSpec(0), []float64{0.01538, 0.5418}, []int{963, 6423, 524}}, // 565 x 14 rows,
	}
	for _, c := range cases {
		spec := c.spec
		spec.Thresholds, spec.Trim, spec.Given = len(c.given), spec.Trim[:len(c.given)], c.given
		p := prepareFile(t, c.file, spec)
		res, err := p.Estimate(Options{})
		if err != nil {
			t.Fatal(err)
		}
		cov := res.Covariance
		for i, co := range res.Coefficients {
			for _, m := range []struct {
				name string
				v    [][]float64
				se   float64
			}{{"classical", cov.Classical, co.SE}, {"robust", cov.Robust, co.SERobust}, {"cluster", cov.Cluster, co.SECluster}} {
				if len(m.v) != len(res.Coefficients) || len(m.v[i]) != len(res.Coefficients) {
					t.Fatalf("%s: %s covariance is not %d x %d", c.file, m.name, len(res.Coefficients), len(res.Coefficients))
				}
				if got := math.Sqrt(m.v[i][i]); got != m.se {
					t.Errorf("%s %s: sqrt of %s variance %v, reported SE %v", c.file, co.Name, m.name, got, m.se)
				}
			}
		}
		if got := res.Stages[len(res.Stages)-1].RegimeObs; !slices.Equal(got, c.obs) {
			t.Errorf("%s: regime_obs %v, want %v", c.file, got, c.obs)
		}
		for _, st := range res.Stages {
			sum := 0
			for _, n := range st.RegimeObs {
				sum += n
			}
			if len(st.RegimeObs) != st.K+1 || sum != res.NObsUsed || slices.Contains(st.RegimeObs, 0) {
				t.Errorf("%s stage %d: regime_obs %v for %d observations", c.file, st.K, st.RegimeObs, res.NObsUsed)
			}
		}
	}
}
