package threshold

import (
	"fmt"
	"math"
	"testing"
)

// With every design built in blocks (blockedDesign 0), the regressions of
// Prepare, the search's refits, the coefficients with their three standard
// errors, the heteroskedasticity fit and test, eta^2 and the header's pooled
// regression (its F test that all u_i = 0), and the fast kernel's profiles
// of SSRs with no threshold and with one fixed (its sweep's factor of the
// fixed design) reproduce the dense path's (the oracle) within 1e-10
// relative, in both conventions.
func TestBlockedDesignMatchesDense(t *testing.T) {
	close := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-10*math.Max(math.Abs(want), 1e-300) {
			t.Errorf("%s: blocked %v, dense %v", what, got, want)
		}
	}
	for _, c := range []struct {
		file       string
		spec       Spec
		thresholds []float64
	}{
		{"invest.csv", hansenSpec(0), []float64{0.0157, 0.5362}},
		{"hansen1999_xthreg.csv", xthregSpec(0), []float64{0.01538, 0.5418}},
	} {
		t.Run(c.spec.Convention.String(), func(t *testing.T) {
			type run struct {
				linearSSR, refitSSR, hetSSR float64
				coefs                       []Coefficient
				fUnits                      FTest
				het, eta2                   float64
				profiles                    [][]float64
			}
			do := func() run {
				p := prepareFile(t, c.file, c.spec)
				refit, err := p.fitAt(p.yT, c.thresholds)
				if err != nil {
					t.Fatal(err)
				}
				coefs, _, err := p.coefficients(c.thresholds)
				if err != nil {
					t.Fatal(err)
				}
				het, err := p.regimeFit(c.thresholds)
				if err != nil {
					t.Fatal(err)
				}
				header, err := p.feHeader(c.thresholds, coefs)
				if err != nil {
					t.Fatal(err)
				}
				test, err := p.heteroskedasticity(c.thresholds)
				if err != nil {
					t.Fatal(err)
				}
				eta2 := p.eta2(het, c.thresholds, 1, het.SSR/p.sigmaDF)
				var profiles [][]float64
				admissible := make([]bool, len(p.grid.values))
				for j := range admissible {
					admissible[j] = true
				}
				for _, fixed := range [][]float64{nil, c.thresholds[:1]} {
					ssr, err := p.fastKernel().profile(p.yT, fixed, admissible)
					if err != nil {
						t.Fatal(err)
					}
					profiles = append(profiles, ssr)
				}
				return run{p.linearSSR, refit.SSR, het.SSR, coefs, header.FUnits, test.Statistic, eta2, profiles}
			}
			dense := do()
			defer func(saved int) { blockedDesign = saved }(blockedDesign)
			blockedDesign = 0
			blocked := do()
			close("linear SSR", blocked.linearSSR, dense.linearSSR)
			close("refit SSR", blocked.refitSSR, dense.refitSSR)
			close("regime fit SSR", blocked.hetSSR, dense.hetSSR)
			close("F all u_i = 0", float64(blocked.fUnits.Stat), float64(dense.fUnits.Stat))
			close("heteroskedasticity test", blocked.het, dense.het)
			close("eta^2", blocked.eta2, dense.eta2)
			if blocked.fUnits.DF1 != dense.fUnits.DF1 {
				t.Errorf("F all u_i = 0: df1 blocked %d, dense %d", blocked.fUnits.DF1, dense.fUnits.DF1)
			}
			for i, want := range dense.profiles {
				identified := 0
				for j, v := range want {
					got := blocked.profiles[i][j]
					if math.IsNaN(v) || math.IsNaN(got) {
						if math.IsNaN(v) != math.IsNaN(got) {
							t.Errorf("profile %d, candidate %d: blocked %v, dense %v", i, j, got, v)
						}
						continue
					}
					identified++
					close(fmt.Sprintf("profile %d, candidate %d", i, j), got, v)
				}
				if identified < len(want)/2 {
					t.Errorf("profile %d: %d of %d candidates identified", i, identified, len(want))
				}
			}
			for i, want := range dense.coefs {
				got := blocked.coefs[i]
				close(want.Name+" estimate", got.Estimate, want.Estimate)
				close(want.Name+" se", got.SE, want.SE)
				close(want.Name+" se_robust", got.SERobust, want.SERobust)
				close(want.Name+" se_cluster", got.SECluster, want.SECluster)
			}
		})
	}
}
