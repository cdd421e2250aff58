package threshold

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// TestHansenGrid pins the grid and exclusion windows of the GAUSS program on
// the Hansen data (docs/threshold-model.md §3.1, §3.2 and §6): 393 quantiles of the
// 6747 distinct values from 0.00403 to 1.00593, the estimates at 1-based
// grid points 13, 365 and 291, and stage sizes 393, 385, 385 and 321.
func TestHansenGrid(t *testing.T) {
	p := prepareFile(t, "invest.csv", hansenSpec(0))
	g := p.grid
	if len(p.distinct) != 6747 || len(g.values) != 393 {
		t.Fatalf("%d distinct values and %d candidates, want 6747 and 393", len(p.distinct), len(g.values))
	}
	if g.values[0] != 0.00403 || g.values[392] != 1.00593 {
		t.Errorf("grid runs from %v to %v, want 0.00403 to 1.00593", g.values[0], g.values[392])
	}
	for point, v := range map[int]float64{13: 0.0157, 365: 0.53616, 291: 0.33134} {
		if g.values[point-1] != v {
			t.Errorf("grid point %d is %v, want %v", point, g.values[point-1], v)
		}
	}
	for _, c := range []struct {
		fixed []float64
		trim  float64
		want  int
	}{
		{nil, 0.01, 393},
		{[]float64{0.0157}, 0.01, 385},
		{[]float64{0.53616}, 0.01, 385},
		{[]float64{0.0157, 0.53616}, 0.05, 321},
	} {
		if got := countTrue(g.admissible(c.fixed, c.trim)); got != c.want {
			t.Errorf("admissible with %v, trim %v: %d, want %d", c.fixed, c.trim, got, c.want)
		}
	}
}

// TestExclusionWindow checks the GAUSS window nn-qnt < i <= nn+qnt
// (1-based), that overlapping windows stay excluded and that a fixed
// threshold off the grid still excludes the grid points around it.
func TestExclusionWindow(t *testing.T) {
	g := &grid{values: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, width: 10}
	cases := []struct {
		fixed []float64
		trim  float64
		want  string
	}{
		// nn = 4 grid points below 5; qnt = 2 removes 1-based 3..6.
		{[]float64{5}, 0.2, "1100001111"},
		// qnt = 0.5: nn-0.5 < i <= nn+0.5 removes i = 4 only; the threshold
		// itself goes because a candidate never equals a fixed threshold.
		{[]float64{5}, 0.05, "1110011111"},
		// Overlapping windows around 4 and 6.
		{[]float64{4, 6}, 0.2, "1000000111"},
		// 5.5 is not a grid point: nn = 5 removes 4..7.
		{[]float64{5.5}, 0.2, "1110000111"},
	}
	for _, c := range cases {
		ok := g.admissible(c.fixed, c.trim)
		got := ""
		for _, v := range ok {
			got += map[bool]string{true: "1", false: "0"}[v]
		}
		if got != c.want {
			t.Errorf("fixed %v trim %v: %s, want %s", c.fixed, c.trim, got, c.want)
		}
	}
}

// TestGridConstructions covers the three grids on 100 distinct values.
func TestGridConstructions(t *testing.T) {
	distinct := make([]float64, 100)
	for i := range distinct {
		distinct[i] = float64(i + 1)
	}
	cases := []struct {
		conv        Convention
		grid        Grid
		trim        float64
		n           int
		first, last float64
		wantErr     bool
	}{
		{Hansen, Grid{Points: 20}, 0.05, 19, 5, 95, false},  // quantiles .05, .10, ..., .95
		{Xthreg, Grid{Points: 10}, 0.05, 10, 5, 95, false},  // 10 points evenly spaced on [.05, .95]
		{Hansen, Grid{}, 0.05, 91, 5, 95, false},            // every value from index 5 to 95
		{Hansen, Grid{Points: 500}, 0.05, 91, 5, 95, false}, // more points than values: exact
		{Hansen, Grid{}, 0.001, 98, 2, 99, false},           // index floor(0.1) = 0 is clamped to 1, the minimum (empty lower regime q < 1) left out
		{Hansen, Grid{}, 0.01, 98, 2, 99, false},            // index floor(1) = 1, the minimum, left out
		{Xthreg, Grid{}, 0.001, 99, 1, 99, false},           // the minimum has one observation in the lower regime q <= 1
		{Hansen, Grid{Points: 50}, 0.001, 49, 2, 98, false}, // GAUSS's quantile grid starts at the clamped minimum too
	}
	for _, c := range cases {
		g, err := newGrid(distinct, c.conv, c.grid, c.trim)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.values) != c.n || g.values[0] != c.first || g.values[len(g.values)-1] != c.last {
			t.Errorf("%v grid %v trim %v: %d points %v..%v, want %d points %v..%v", c.conv, c.grid, c.trim,
				len(g.values), g.values[0], g.values[len(g.values)-1], c.n, c.first, c.last)
		}
	}
}

// TestSummarize pins the p-value rule (strictly greater) and the order
// statistics ceil(p B) of GAUSS model(): for B = 300 the 270th, 285th and
// 297th values; 0.9*300 in floating point exceeds 270.
func TestSummarize(t *testing.T) {
	stats := make([]float64, 300)
	for i := range stats {
		stats[i] = float64(300 - i) // 300, 299, ..., 1
	}
	s := Summarize(270, stats)
	if s.PValue != 30.0/300 {
		t.Errorf("p-value %v, want 0.1 (30 values strictly above 270)", s.PValue)
	}
	if s.Crit10 != 270 || s.Crit5 != 285 || s.Crit1 != 297 {
		t.Errorf("critical values %v %v %v, want 270 285 297", s.Crit10, s.Crit5, s.Crit1)
	}
	if s := Summarize(0, []float64{3, 1, 2}); s.Crit10 != 3 || s.Crit1 != 3 || s.PValue != 1 {
		t.Errorf("B = 3: %+v", s)
	}
}

// TestLRCritical pins c(a) = -2 ln(1 - sqrt(a)) (docs/threshold-model.md §6).
func TestLRCritical(t *testing.T) {
	for level, want := range map[float64]float64{0.90: 5.9395, 0.925: 6.5282, 0.95: 7.3523, 0.975: 8.7514, 0.99: 10.5916} {
		if got := LRCritical(level); math.Abs(got-want) > 5e-5 {
			t.Errorf("c(%v) = %.5f, want %v", level, got, want)
		}
	}
}

// TestHansenGridFloat checks that the hansen grid takes GAUSS's
// floating-point index floor(sq*nd): where (qn*t + j)*nd/qn is an integer
// the product can fall just below it and the point is one rank lower than
// the exact index. Distinct values 1..nd make a point's value its index.
func TestHansenGridFloat(t *testing.T) {
	cases := []struct {
		nd    int
		qn    int
		trim  float64
		n     int
		lower []int // 1-based grid points one rank below the exact index
	}{
		{1600, 400, 0.05, 361, []int{72, 97}},
		{1600, 400, 0.01, 393, []int{25, 26, 30, 198, 200}},
		{1400, 400, 0.01, 393, []int{25, 31}},
		{6747, 400, 0.01, 393, nil}, // Hansen's data: gcd(6747, 400) = 1
	}
	for _, c := range cases {
		distinct := make([]float64, c.nd)
		for i := range distinct {
			distinct[i] = float64(i + 1)
		}
		g, err := newGrid(distinct, Hansen, Grid{Points: c.qn}, c.trim)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.values) != c.n {
			t.Fatalf("nd %d qn %d trim %v: %d points, want %d", c.nd, c.qn, c.trim, len(g.values), c.n)
		}
		var lower []int
		qnt := int(math.Round(float64(c.qn) * c.trim))
		for j, v := range g.values {
			exact := (qnt + j) * c.nd / c.qn // integer floor
			switch int(v) {
			case exact:
			case exact - 1:
				lower = append(lower, j+1)
			default:
				t.Errorf("nd %d qn %d trim %v: point %d is %v, exact index %d", c.nd, c.qn, c.trim, j+1, v, exact)
			}
		}
		if !slices.Equal(lower, c.lower) {
			t.Errorf("nd %d qn %d trim %v: points one rank lower %v, want %v", c.nd, c.qn, c.trim, lower, c.lower)
		}
	}
}

// TestHansenGridPanel builds a 200 x 8 panel whose threshold variable has
// 1600 distinct values and checks that Prepare's hansen grid (qn = 400,
// trim 0.05) has GAUSS's 361 points, two of them one rank below the exact
// quantile (exact indices 364 and 464).
func TestHansenGridPanel(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,year,y,x,q\n")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		for s := range 8 {
			fmt.Fprintf(&b, "%d,%d,%.6f,%.6f,%d\n", i+1, s+1, rng.NormFloat64(), rng.NormFloat64(), (s*200+i)*7%1600+1)
		}
	}
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tab, err := panel.ReadCSVFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(tab, Spec{Convention: Hansen, ID: "id", Time: "year", Depvar: "y", Rx: []string{"x"}, Qx: "q",
		Thresholds: 1, Grid: Grid{Points: 400}, Trim: []float64{0.05}, Reps: []int{0}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.distinct) != 1600 || len(p.grid.values) != 361 {
		t.Fatalf("%d distinct values and %d grid points, want 1600 and 361", len(p.distinct), len(p.grid.values))
	}
	for point, want := range map[int]float64{71: 360, 72: 363, 73: 368, 97: 463, 98: 468} {
		if got := p.grid.values[point-1]; got != want {
			t.Errorf("grid point %d is %v, want %v", point, got, want)
		}
	}
}
