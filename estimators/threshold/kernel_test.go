package threshold

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// randomPanel writes a balanced panel as CSV: n units, T periods, columns y,
// z1, z2, x1, x2 and q. q takes about nT/2 distinct values, so values repeat
// within and across units, and x1 is zero for a fifth of the rows, which
// makes neighbouring candidates' SSRs exactly equal.
func randomPanel(rng *rand.Rand, n, T int) string {
	var b strings.Builder
	b.WriteString("id,t,y,z1,z2,x1,x2,q\n")
	levels := float64(n * T / 2)
	for i := 0; i < n; i++ {
		mu := rng.NormFloat64()
		for t := 0; t < T; t++ {
			q := math.Round(rng.Float64()*levels) / levels
			x1 := rng.NormFloat64()
			if rng.IntN(5) == 0 {
				x1 = 0
			}
			x2 := rng.NormFloat64() + 0.5
			z1, z2 := rng.NormFloat64(), rng.NormFloat64()*3
			slope := 0.5
			if q > 0.5 {
				slope = 1.5
			}
			y := mu + 0.3*z1 - 0.2*z2 + slope*x1 + 0.4*x2 + rng.NormFloat64()
			fmt.Fprintf(&b, "%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.8f\n", i+1, 2000+t, y, z1, z2, x1, x2, q)
		}
	}
	return b.String()
}

func relDiff(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestFastMatchesReference is the property test of the fast kernel against
// the reference kernel: on random panels, both conventions, K = 1..4, one
// or two regime-dependent regressors and grids with ties, the profiles have
// the same excluded and unidentified candidates and SSRs within 1e-9
// relative, the point estimates are identical, and bootstrap statistics
// agree within 1e-9, with and without the refined bootstrap and for the
// wild bootstrap of robust inference.
func TestFastMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	cases, compared := 40, 0
	defer func() {
		// Most random cases must reach the comparison, or the test is idle.
		if compared < cases*2/3 {
			t.Errorf("only %d of %d random models were estimable", compared, cases)
		}
	}()
	for c := 0; c < cases; c++ {
		conv := []Convention{Hansen, Xthreg}[c%2]
		k := 1 + c%4
		n, T := 8+rng.IntN(12), 4+rng.IntN(4)
		rx := [][]string{{"x1"}, {"x1", "x2"}}[rng.IntN(2)]
		indep := [][]string{nil, {"z1"}, {"z1", "z2"}}[rng.IntN(3)]
		grid := []Grid{{}, {Points: 20}, {Points: 50}}[rng.IntN(3)]
		spec := Spec{Convention: conv, ID: "id", Time: "t", Depvar: "y", Indep: indep, Rx: rx, Qx: "q",
			Thresholds: k, Grid: grid, Trim: []float64{0.15, 0.05, 0.05, 0.05}[:k], Reps: []int{3}, Seed: uint64(c),
			BootstrapRefine: k >= 3 && c%8 < 4, VCE: []VCE{Conventional, Cluster}[c/4%2]}
		name := fmt.Sprintf("%d/%v/K%d/n%d/T%d/m%d/grid%v/refine%v/%v", c, conv, k, n, T, len(rx), grid, spec.BootstrapRefine, spec.VCE)
		t.Run(name, func(t *testing.T) {
			tab, err := panel.ReadCSV(strings.NewReader(randomPanel(rng, n, T)))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Prepare(tab, spec)
			if err != nil {
				t.Fatal(err)
			}
			estF, errF := p.PointEstimates(Fast)
			estR, errR := p.PointEstimates(Reference)
			if (errF == nil) != (errR == nil) {
				t.Fatalf("fast error %v, reference error %v", errF, errR)
			}
			if errF != nil {
				if !errors.Is(errF, ErrData) || errF.Error() != errR.Error() {
					t.Fatalf("errors differ: %v / %v", errF, errR)
				}
				return
			}
			compared++
			for s := range estF.Stages {
				f, r := estF.Stages[s], estR.Stages[s]
				if fmt.Sprint(f.Thresholds) != fmt.Sprint(r.Thresholds) {
					t.Fatalf("stage %d thresholds %v, reference %v", s+1, f.Thresholds, r.Thresholds)
				}
				for i := range f.Curves {
					fp, rp := f.Curves[i].Points, r.Curves[i].Points
					if len(fp) != len(rp) {
						t.Fatalf("stage %d curve %d: %d points, reference %d", s+1, i, len(fp), len(rp))
					}
					for j := range fp {
						if fp[j][0] != rp[j][0] || relDiff(fp[j][1], rp[j][1]) > 1e-8 {
							t.Fatalf("stage %d LR at %v: %v, reference %v", s+1, fp[j][0], fp[j][1], rp[j][1])
						}
					}
				}
				checkProfiles(t, p, f.Null, f.K)
				// A fixed threshold off the grid takes the direct sweep build.
				if g := p.grid.values; len(g) > 2 {
					checkProfiles(t, p, append(slices.Clone(f.Null), (g[len(g)/2]+g[len(g)/2+1])/2), f.K)
				}
				bf, errF := p.Bootstrap(Fast, f.Setup(), 0, 3)
				br, errR := p.Bootstrap(Reference, f.Setup(), 0, 3)
				if (errF == nil) != (errR == nil) {
					t.Fatalf("stage %d bootstrap: fast error %v, reference error %v", s+1, errF, errR)
				}
				for r := range bf {
					if relDiff(bf[r], br[r]) > 1e-9 {
						t.Errorf("stage %d replication %d: F* %v, reference %v", s+1, r, bf[r], br[r])
					}
				}
			}
		})
	}
}

// checkProfiles compares the two kernels' SSR profiles given fixed thresholds.
func checkProfiles(t *testing.T, p *Problem, fixed []float64, stage int) {
	t.Helper()
	adm := p.grid.admissible(fixed, p.spec.Trim[stage-1])
	f, errF := p.kernel(Fast).profile(p.yT, fixed, adm)
	r, errR := p.kernel(Reference).profile(p.yT, fixed, adm)
	if (errF == nil) != (errR == nil) || errF != nil && !(errors.Is(errF, ErrData) && errors.Is(errR, ErrData)) {
		t.Fatalf("fixed %v: fast error %v, reference error %v", fixed, errF, errR)
	}
	if errF != nil {
		return // the null model itself is not identified, for both kernels
	}
	for j := range f {
		if math.IsNaN(f[j]) != math.IsNaN(r[j]) || math.IsInf(f[j], 0) != math.IsInf(r[j], 0) {
			t.Fatalf("candidate %v: fast %v, reference %v", p.grid.values[j], f[j], r[j])
		}
		if !math.IsNaN(f[j]) && !math.IsInf(f[j], 0) && math.Abs(f[j]-r[j]) > 1e-9*r[j] {
			t.Fatalf("candidate %v: SSR %v, reference %v", p.grid.values[j], f[j], r[j])
		}
	}
	jf, _ := argmin(f)
	jr, _ := argmin(r)
	if jf != jr {
		t.Fatalf("argmin %d, reference %d", jf, jr)
	}
}

// checkBootstrap compares the two kernels' bootstrap statistics F* of the
// first reps replications under a stage's setup: both must compute them,
// each within 1e-9 relative of the other.
func checkBootstrap(t *testing.T, p *Problem, st StageEstimate, reps int) {
	t.Helper()
	bf, err := p.Bootstrap(Fast, st.Setup(), 0, reps)
	if err != nil {
		t.Fatal(err)
	}
	br, err := p.Bootstrap(Reference, st.Setup(), 0, reps)
	if err != nil {
		t.Fatal(err)
	}
	for r := range bf {
		if relDiff(bf[r], br[r]) > 1e-9 {
			t.Errorf("stage %d replication %d: F* %v, reference %v", st.K, r, bf[r], br[r])
		}
	}
}

// TestFastMatchesReferenceHansen compares the kernels on the Hansen data in
// both conventions, including the bootstrap of every stage. It is the
// package's one slow test (the reference kernel on 7,910 observations, on
// one goroutine), so the short tier skips it; TestFastMatchesReference runs
// the same comparison on small random panels there.
func TestFastMatchesReferenceHansen(t *testing.T) {
	if testing.Short() {
		t.Skip("the reference kernel on the full Hansen data; runs without -short")
	}
	for _, spec := range []Spec{hansenSpec(2), func() Spec { s := hansenSpec(2); s.Convention = Xthreg; return s }()} {
		t.Run(spec.Convention.String(), func(t *testing.T) {
			p := prepareFile(t, "invest.csv", spec)
			est, err := p.PointEstimates(Fast)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range est.Stages {
				checkProfiles(t, p, st.Null, st.K)
				checkBootstrap(t, p, st, 2)
			}
		})
	}
}

// TestBootstrapSplitInvariance checks that replication r's statistic does
// not depend on the range or batch that computes it.
func TestBootstrapSplitInvariance(t *testing.T) {
	p := prepareFile(t, "invest.csv", hansenSpec(40))
	est, err := p.PointEstimates(Fast)
	if err != nil {
		t.Fatal(err)
	}
	setup := est.Stages[2].Setup()
	whole, err := p.Bootstrap(Fast, setup, 0, 40)
	if err != nil {
		t.Fatal(err)
	}
	for _, split := range [][2]int{{0, 1}, {7, 23}, {39, 40}, {13, 40}} {
		part, err := p.Bootstrap(Fast, setup, split[0], split[1])
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range part {
			if v != whole[split[0]+i] {
				t.Fatalf("replication %d: %v in range %v, %v in the whole run", split[0]+i, v, split, whole[split[0]+i])
			}
		}
	}
}

// TestBootstrapRangeChecked rejects replications outside the stage's count.
func TestBootstrapRangeChecked(t *testing.T) {
	p := prepareFile(t, "invest.csv", hansenSpec(5))
	est, err := p.PointEstimates(Fast)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int{{-1, 2}, {3, 2}, {0, 6}} {
		if _, err := p.Bootstrap(Fast, est.Stages[0].Setup(), r[0], r[1]); !errors.Is(err, ErrSpec) {
			t.Errorf("range %v: error %v", r, err)
		}
	}
}
