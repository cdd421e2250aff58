package threshold

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ols"
	"github.com/thresher/thresher/estimators/panel"
)

// twoWayPanel is randomPanel with period effects added to y.
func twoWayPanel(rng *rand.Rand, n, T int) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(randomPanel(rng, n, T), "\n"), "\n") {
		if i == 0 {
			b.WriteString(line + "\n")
			continue
		}
		f := strings.Split(line, ",")
		var period int
		var y float64
		fmt.Sscan(f[1], &period)
		fmt.Sscan(f[2], &y)
		f[2] = fmt.Sprintf("%.6f", y+math.Sin(float64(period)))
		b.WriteString(strings.Join(f, ",") + "\n")
	}
	return b.String()
}

// TestTwoWayMatchesLSDV checks the period effects i.t at a given threshold
// against a least-squares dummy-variable regression built here from the
// data, in each convention's documented arithmetic (docs/threshold-model.md):
// xthreg regresses the levels on the regressors, the period dummies (all
// but the sample's first period) and a dummy per unit; Hansen's convention
// regresses the unit-demeaned rows without each unit's last period. Every
// slope, its conventional and clustered standard error, and xthreg's
// constant agree to 1e-8 relative, on a balanced and an unbalanced panel.
func TestTwoWayMatchesLSDV(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for c, conv := range []Convention{Xthreg, Hansen, Xthreg, Hansen} {
		text := twoWayPanel(rng, 12, 7)
		if c >= 2 {
			text = dropRows(t, text, 0.15, uint64(c))
		}
		t.Run(fmt.Sprintf("%v/unbalanced=%v", conv, c >= 2), func(t *testing.T) {
			tab, err := panel.ReadCSV(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			spec := Spec{Convention: conv, ID: "id", Time: "t", Depvar: "y", Indep: []string{"z1", "i.t"}, Rx: []string{"x1"},
				Qx: "q", Thresholds: 1, Reps: []int{0}, Given: []float64{0.5}, Bootstrap: WildRademacher}
			if err := spec.Normalize(); err != nil {
				t.Fatal(err)
			}
			p, err := Prepare(tab, spec)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := p.coefficients(p.given)
			if err != nil {
				t.Fatal(err)
			}
			checkLSDV(t, tab, p.given[0], conv, got)
		})
	}
}

// checkLSDV fits the dummy-variable regression of TestTwoWayMatchesLSDV
// on the table (rows sorted by unit and period, every unit with at least
// two rows) and compares it with the coefficients.
func checkLSDV(t *testing.T, tab *panel.Table, g float64, conv Convention, got []Coefficient) {
	t.Helper()
	col := func(name string) []float64 {
		v, err := tab.Numbers(name)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ids, periods, y, z1, x1, q := col("id"), col("t"), col("y"), col("z1"), col("x1"), col("q")
	N := len(y)
	// Units as contiguous blocks, and the sample's periods.
	var starts []int
	for r := range ids {
		if r == 0 || ids[r] != ids[r-1] {
			starts = append(starts, r)
		}
	}
	starts = append(starts, N)
	levels := slices.Compact(slices.Sorted(slices.Values(periods)))
	var cols [][]float64
	names := []string{"z1"}
	cols = append(cols, z1)
	for _, l := range levels[1:] {
		d := make([]float64, N)
		for r, p := range periods {
			if p == l {
				d[r] = 1
			}
		}
		cols, names = append(cols, d), append(names, fmt.Sprintf("%v.t", l))
	}
	for reg := 0; reg < 2; reg++ {
		v := make([]float64, N)
		for r := range v {
			lower := q[r] <= g
			if conv == Hansen {
				lower = q[r] < g
			}
			if lower == (reg == 0) {
				v[r] = x1[r]
			}
		}
		cols, names = append(cols, v), append(names, "x1")
	}
	K, n := len(cols), len(starts)-1
	if len(got) < K {
		t.Fatalf("%d coefficients, want at least %d", len(got), K)
	}
	for j := range K {
		if got[j].Name != names[j] {
			t.Fatalf("coefficient %d is %q, want %q", j, got[j].Name, names[j])
		}
	}

	var design *mat.Dense
	var dep []float64
	var group []int
	switch conv {
	case Xthreg: // levels with a dummy per unit
		design = mat.NewDense(N, K+n, nil)
		for r := range N {
			for j, c := range cols {
				design.Set(r, j, c[r])
			}
		}
		for i := range n {
			for r := starts[i]; r < starts[i+1]; r++ {
				design.Set(r, K+i, 1)
				group = append(group, i)
			}
		}
		dep = y
	case Hansen: // demeaned by unit, each unit's last row deleted
		rows := N - n
		design = mat.NewDense(rows, K, nil)
		out := 0
		for i := range n {
			lo, hi := starts[i], starts[i+1]
			mean := func(v []float64) float64 {
				s := 0.0
				for _, x := range v[lo:hi] {
					s += x
				}
				return s / float64(hi-lo)
			}
			means := make([]float64, K)
			for j, c := range cols {
				means[j] = mean(c)
			}
			my := mean(y)
			for r := lo; r < hi-1; r++ {
				for j, c := range cols {
					design.Set(out, j, c[r]-means[j])
				}
				dep, group = append(dep, y[r]-my), append(group, i)
				out++
			}
		}
	}
	allNames := slices.Clone(names)
	for i := range n {
		allNames = append(allNames, fmt.Sprintf("unit%d", i))
	}
	fit, err := ols.Regress(design, dep, allNames[:design.RawMatrix().Cols])
	if err != nil {
		t.Fatal(err)
	}
	rows, fn, fk := float64(len(dep)), float64(n), float64(K)
	clusterScale := fn / (fn - 1) * (rows - 1) / (rows - fk)
	if conv == Xthreg {
		clusterScale = fn / (fn - 1) * (rows - 1) / (rows - fk - 1)
	}
	se := ols.StdErrors(fit.Classical(rows - fn - fk))
	seCluster := ols.StdErrors(fit.Cluster(group, clusterScale))
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-8*math.Abs(want) {
			t.Errorf("%s: %.12g, LSDV %.12g", what, got, want)
		}
	}
	for j := range K {
		near(names[j]+" estimate", got[j].Estimate, fit.Coef[j])
		near(names[j]+" se", got[j].SE, se[j])
		near(names[j]+" se_cluster", got[j].SECluster, seCluster[j])
	}
	if conv == Xthreg {
		// _cons = mean(y) - mean(X)'b (Stata's xtreg, fe).
		cons := average(y)
		for j, c := range cols {
			cons -= average(c) * fit.Coef[j]
		}
		if got[K].Name != ConstantName {
			t.Fatalf("coefficient %d is %q, want %s", K, got[K].Name, ConstantName)
		}
		near("_cons", got[K].Estimate, cons)
	}
}

// average returns the mean of v.
func average(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestTwoWayKernelsAgree extends the kernel property test to period
// effects: with i.t among the regime-independent regressors the fast and
// reference kernels find the same thresholds and profiles and the same
// bootstrap statistics, balanced (residual bootstrap) and unbalanced
// (wild), in both conventions.
func TestTwoWayKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 4))
	for c := range 6 {
		conv := []Convention{Hansen, Xthreg}[c%2]
		k := 1 + c%2
		unbalanced := c >= 4
		spec := Spec{Convention: conv, ID: "id", Time: "t", Depvar: "y", Indep: []string{"i.t", "z1"}, Rx: []string{"x1"},
			Qx: "q", Thresholds: k, Trim: []float64{0.15, 0.1}[:k], Reps: []int{3}, Seed: uint64(c)}
		t.Run(fmt.Sprintf("%d/%v/K%d/unbalanced=%v", c, conv, k, unbalanced), func(t *testing.T) {
			text := twoWayPanel(rng, 12+rng.IntN(6), 6+rng.IntN(3))
			if unbalanced {
				text = dropRows(t, text, 0.15, uint64(c))
			}
			tab, err := panel.ReadCSV(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Prepare(tab, spec)
			if err != nil {
				t.Fatal(err)
			}
			if (p.unbalanced != nil) != unbalanced || len(p.zNames) < 5 {
				t.Fatalf("balanced %v, regime-independent regressors %v", p.unbalanced == nil, p.zNames)
			}
			est, err := p.PointEstimates(Fast)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := p.PointEstimates(Reference)
			if err != nil {
				t.Fatal(err)
			}
			for s, st := range est.Stages {
				if fmt.Sprint(st.Thresholds) != fmt.Sprint(ref.Stages[s].Thresholds) || relDiff(st.RSS, ref.Stages[s].RSS) > 1e-9 {
					t.Fatalf("stage %d: %v (RSS %v), reference %v (RSS %v)", s+1, st.Thresholds, st.RSS, ref.Stages[s].Thresholds, ref.Stages[s].RSS)
				}
				checkProfiles(t, p, st.Null, st.K)
				checkBootstrap(t, p, st, 3)
			}
		})
	}
}

// TestTwoWayHeader checks xtreg, fe's F test that all u_i = 0 with period
// effects, searched and at a given threshold, in both conventions, against
// the pooled regression built here over the used rows: y on a constant, z1,
// the period dummies that are not zero on those rows and the regime-specific
// x1 in levels. Hansen's transform deletes each unit's last period, so the
// last period's dummy is zero there and the restricted model has one
// parameter fewer: F(n, dfR) instead of xthreg's F(n-1, dfR).
func TestTwoWayHeader(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 11))
	const n, T = 12, 7
	text := twoWayPanel(rng, n, T)
	tab, err := panel.ReadCSV(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) []float64 {
		v, err := tab.Numbers(name)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	periods, y, z1, x1, q := col("t"), col("y"), col("z1"), col("x1"), col("q")
	levels := slices.Compact(slices.Sorted(slices.Values(periods)))
	for _, conv := range []Convention{Xthreg, Hansen} {
		for _, given := range [][]float64{nil, {0.5}} {
			t.Run(fmt.Sprintf("%v/given=%v", conv, given), func(t *testing.T) {
				spec := Spec{Convention: conv, ID: "id", Time: "t", Depvar: "y", Indep: []string{"z1", "i.t"}, Rx: []string{"x1"},
					Qx: "q", Thresholds: 1, Trim: []float64{0.15}, Reps: []int{0}, Given: given}
				if err := spec.Normalize(); err != nil {
					t.Fatal(err)
				}
				_, res := prepareAndEstimate(t, tab, spec)
				st := res.Stages[0]
				g := st.Thresholds[0]
				var rows [][]float64
				var dep []float64
				for r := range y {
					if conv == Hansen && periods[r] == levels[len(levels)-1] {
						continue // each unit's last period (the panel is balanced)
					}
					row := []float64{1, z1[r]}
					for _, l := range levels[1:] {
						if conv == Hansen && l == levels[len(levels)-1] {
							continue // zero on the used rows
						}
						d := 0.0
						if periods[r] == l {
							d = 1
						}
						row = append(row, d)
					}
					lower := q[r] <= g
					if conv == Hansen {
						lower = q[r] < g
					}
					if lower {
						row = append(row, x1[r], 0)
					} else {
						row = append(row, 0, x1[r])
					}
					rows, dep = append(rows, row), append(dep, y[r])
				}
				k := len(rows[0])
				design := mat.NewDense(len(rows), k, nil)
				for i, row := range rows {
					design.SetRow(i, row)
				}
				fit, err := ols.Regress(design, dep, nil)
				if err != nil {
					t.Fatal(err)
				}
				h := st.Header
				slopes := 1 + len(levels) - 1 + 2 // z1, the period dummies, x1 in two regimes
				dfR := len(dep) - n - slopes
				df1 := len(dep) - k - dfR
				want := (fit.SSR - st.RSS) / float64(df1) / (st.RSS / float64(dfR))
				if h.Obs != len(dep) || h.FUnits.DF1 != df1 || h.FUnits.DF2 != dfR || math.Abs(float64(h.FUnits.Stat)-want) > 1e-8*want {
					t.Errorf("F test that all u_i = 0: F(%d, %d) = %.10g on %d obs; want F(%d, %d) = %.10g on %d obs",
						h.FUnits.DF1, h.FUnits.DF2, h.FUnits.Stat, h.Obs, df1, dfR, want, len(dep))
				}
				wantDF1 := n - 1
				if conv == Hansen {
					wantDF1 = n
				}
				if df1 != wantDF1 {
					t.Errorf("numerator df %d, want %d", df1, wantDF1)
				}
			})
		}
	}
}

// TestTwoWayHansenData runs the reported failure: period effects on
// Hansen's data in both conventions, searched and at a given threshold.
// Hansen's transform leaves the last year's dummy zero on the used rows, so
// the F test that all u_i = 0 has n = 565 numerator df there, n - 1 in
// xthreg's convention.
func TestTwoWayHansenData(t *testing.T) {
	for _, conv := range []Convention{Hansen, Xthreg} {
		for _, given := range [][]float64{nil, {0.5}} {
			t.Run(fmt.Sprintf("%v/given=%v", conv, given), func(t *testing.T) {
				spec := Spec{Convention: conv, ID: "id", Time: "year", Depvar: "i", Indep: []string{"L.q", "i.year"}, Rx: []string{"L.c"},
					Qx: "L.d", Thresholds: 1, Grid: Grid{Points: 30}, Trim: []float64{0.01}, Reps: []int{0}, Given: given}
				if err := spec.Normalize(); err != nil {
					t.Fatal(err)
				}
				res, err := prepareFile(t, "invest.csv", spec).Estimate(Options{})
				if err != nil {
					t.Fatal(err)
				}
				want := 564
				if conv == Hansen {
					want = 565
				}
				if h := res.Stages[0].Header; h.FUnits.DF1 != want || !(h.FUnits.Stat > 1) {
					t.Errorf("F test that all u_i = 0: F(%d, %d) = %v; want %d numerator df and a statistic above 1", h.FUnits.DF1, h.FUnits.DF2, h.FUnits.Stat, want)
				}
			})
		}
	}
}
