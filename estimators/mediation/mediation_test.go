package mediation

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/ols"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/stream"
	"github.com/thresher/thresher/estimators/twfe"
)

// True effects of the simulated panels: a*b = 0.4.
const trueA, trueB, trueDirect = 0.5, 0.8, 0.3

var layout = panel.Layout{ID: "prov", Time: "year"}

// simulate returns a CSV panel of units x periods in which x varies within
// the first varying units only (it is constant within the others).
func simulate(seed uint64, units, periods, varying int) *panel.Table {
	rng := rand.New(rand.NewPCG(seed, 1))
	gamma := make([]float64, periods)
	for t := range gamma {
		gamma[t] = rng.NormFloat64()
	}
	var b strings.Builder
	b.WriteString("prov,year,y,x,m,ctl\n")
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i := 0; i < units; i++ {
		ax, am, ay := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		for t := 0; t < periods; t++ {
			ctl := rng.NormFloat64() + 0.3*ax
			x := ax
			if i < varying {
				x += 0.5*gamma[t] + rng.NormFloat64()
			}
			m := trueA*x + 0.4*ctl + am + gamma[t] + 0.5*rng.NormFloat64()
			y := trueDirect*x + trueB*m - 0.2*ctl + ay + gamma[t] + 0.5*rng.NormFloat64()
			fmt.Fprintf(&b, "%d,%d,%s,%s,%s,%s\n", i+1, 2008+t, f(y), f(x), f(m), f(ctl))
		}
	}
	tab, err := panel.ReadCSV(strings.NewReader(b.String()))
	if err != nil {
		panic(err)
	}
	return tab
}

func spec(reps int) Spec {
	return Spec{Outcome: "y", Treatment: "x", Mediator: "m", Controls: []string{"ctl"},
		PeriodEffects: true, Reps: reps, Level: 0.95, Seed: 2024}
}

func prepare(t *testing.T, tab *panel.Table, s Spec) *Problem {
	t.Helper()
	p, err := Prepare(tab, layout, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// TestIndirectTests checks Sobel, Aroian and Goodman against
// testdata/tests.json, including an undefined Goodman test.
func TestIndirectTests(t *testing.T) {
	var ref struct {
		Cases []struct {
			A     float64
			SEA   float64 `json:"se_a"`
			B     float64
			SEB   float64 `json:"se_b"`
			Tests []struct {
				Name     string
				SE, Z, P *float64
			}
		}
	}
	readJSON(t, "tests.json", &ref)
	for _, c := range ref.Cases {
		got := indirectTests(Effects{A: c.A, SEA: c.SEA, B: c.B, SEB: c.SEB})
		for i, want := range c.Tests {
			g := got[i]
			if g.Name != want.Name || (want.SE == nil) != (g.SE == nil) {
				t.Errorf("a=%v b=%v: %s defined=%v, want %s defined=%v", c.A, c.B, g.Name, g.SE != nil, want.Name, want.SE != nil)
				continue
			}
			if want.SE == nil {
				if g.Z != nil || g.P != nil || !strings.Contains(g.Note, "undefined") {
					t.Errorf("a=%v b=%v %s: %+v, want undefined", c.A, c.B, g.Name, g)
				}
				continue
			}
			if !near(*g.SE, *want.SE) || !near(*g.Z, *want.Z) || !near(*g.P, *want.P) {
				t.Errorf("a=%v b=%v %s: se %v z %v p %v, want %v %v %v", c.A, c.B, g.Name, *g.SE, *g.Z, *g.P, *want.SE, *want.Z, *want.P)
			}
		}
	}
}

// TestSummarize checks the quantile rule and both intervals against
// testdata/summarize.json, with the draws in shuffled order.
func TestSummarize(t *testing.T) {
	var ref struct {
		Draws    []float64
		Mean, SE float64
		Cases    []struct {
			Estimate, Level float64
			Percentile      [2]float64
			Z0              *float64
			BiasCorrected   *[2]float64 `json:"bias_corrected"`
		}
	}
	readJSON(t, "summarize.json", &ref)
	draws := slices.Clone(ref.Draws)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(draws), func(i, j int) { draws[i], draws[j] = draws[j], draws[i] })
	for _, c := range ref.Cases {
		ci := Summarize(c.Estimate, draws, c.Level)
		if !near(ci.Mean, ref.Mean) || !near(ci.SE, ref.SE) || ci.Reps != len(draws) {
			t.Errorf("mean %v se %v reps %d, want %v %v", ci.Mean, ci.SE, ci.Reps, ref.Mean, ref.SE)
		}
		if ci.Percentile != (Interval{c.Percentile[0], c.Percentile[1]}) {
			t.Errorf("estimate %v level %v: percentile %+v, want %v", c.Estimate, c.Level, ci.Percentile, c.Percentile)
		}
		if c.BiasCorrected == nil {
			if ci.BiasCorrected != nil || ci.Z0 != nil || ci.Note == "" {
				t.Errorf("estimate %v: bias-corrected %+v, want undefined with a note", c.Estimate, ci)
			}
			continue
		}
		if ci.BiasCorrected == nil || *ci.BiasCorrected != (Interval{c.BiasCorrected[0], c.BiasCorrected[1]}) || !near(*ci.Z0, *c.Z0) {
			t.Errorf("estimate %v level %v: bias-corrected %+v z0 %v, want %v %v", c.Estimate, c.Level, ci.BiasCorrected, ci.Z0, *c.BiasCorrected, *c.Z0)
		}
	}
}

// estimate runs the analysis on a simulated 30 x 13 panel.
func estimate(t *testing.T, seed uint64, s Spec) (*Problem, *Result) {
	t.Helper()
	p := prepare(t, simulate(seed, 30, 13, 30), s)
	res, err := p.Estimate()
	if err != nil {
		t.Fatal(err)
	}
	return p, res
}

// TestSteps checks the equations' roles and the identity c = c' + a b of
// least squares on a common sample.
func TestSteps(t *testing.T) {
	_, res := estimate(t, 1, spec(0))
	e := res.Effects
	if math.Abs(e.Total-(e.Direct+e.Indirect)) > 1e-10 {
		t.Errorf("c = %v, c' + ab = %v", e.Total, e.Direct+e.Indirect)
	}
	if res.NObs != 390 || res.NUnits != 30 || res.NPeriods != 13 || res.Bootstrap != nil {
		t.Errorf("N %d, units %d, periods %d, bootstrap %v", res.NObs, res.NUnits, res.NPeriods, res.Bootstrap)
	}
	b, _ := res.Steps.Outcome.Coefficient("m")
	if b.Estimate != e.B || b.SECluster != e.SEB || len(res.Steps.Mediator.Coefficients) != 2 || len(res.Steps.Outcome.Coefficients) != 3 {
		t.Errorf("effects %+v do not match the equations", e)
	}
	if math.Abs(e.A-trueA) > 4*e.SEA || math.Abs(e.B-trueB) > 4*e.SEB {
		t.Errorf("a = %v (se %v), b = %v (se %v); true %v, %v", e.A, e.SEA, e.B, e.SEB, trueA, trueB)
	}
}

// chunked concatenates the replications of the ranges bounds[i]..bounds[i+1]-1.
func chunked(t *testing.T, p *Problem, bounds ...int) []float64 {
	t.Helper()
	var draws []float64
	for i := 0; i+1 < len(bounds); i++ {
		d, err := p.Bootstrap(bounds[i], bounds[i+1])
		if err != nil {
			t.Fatal(err)
		}
		draws = append(draws, d...)
	}
	return draws
}

// TestCoverage checks that both bootstrap intervals cover the true a*b on a
// simulated panel, and that the distributed path (Steps, Bootstrap in
// chunks, Assemble) gives the same JSON as Estimate.
func TestCoverage(t *testing.T) {
	p, res := estimate(t, 6, spec(199))
	ci := res.Bootstrap
	ab := trueA * trueB
	if ci.Percentile.Lower > ab || ci.Percentile.Upper < ab || ci.BiasCorrected.Lower > ab || ci.BiasCorrected.Upper < ab {
		t.Errorf("a*b = %v outside the intervals %+v, %+v", ab, ci.Percentile, *ci.BiasCorrected)
	}
	if ci.Percentile.Lower >= ci.Percentile.Upper || ci.SE <= 0 {
		t.Errorf("degenerate bootstrap %+v", ci)
	}
	steps, err := p.Steps()
	if err != nil {
		t.Fatal(err)
	}
	split, err := p.Assemble(steps, chunked(t, p, 0, 50, 51, 199))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(res)
	got, err := json.Marshal(split)
	if err != nil || string(got) != string(want) {
		t.Errorf("chunked result differs (error %v):\n%s\n%s", err, got, want)
	}
}

// TestSplitInvariance checks that a replication's value does not depend on
// the range that computes it, bit for bit, nor on the Problem instance.
func TestSplitInvariance(t *testing.T) {
	tab := simulate(5, 12, 6, 12)
	p := prepare(t, tab, spec(30))
	all, err := p.Bootstrap(0, 30)
	if err != nil {
		t.Fatal(err)
	}
	parts := chunked(t, p, 0, 7, 8, 8, 30)
	again, _ := prepare(t, tab, spec(30)).Bootstrap(17, 18)
	for r := range all {
		if math.Float64bits(all[r]) != math.Float64bits(parts[r]) {
			t.Errorf("replication %d: %v in one call, %v in pieces", r, all[r], parts[r])
		}
	}
	if math.Float64bits(again[0]) != math.Float64bits(all[17]) {
		t.Errorf("replication 17: %v alone, %v in a range", again[0], all[17])
	}
	if distinct := slices.Compact(slices.Sorted(slices.Values(all))); len(distinct) != len(all) {
		t.Errorf("replications are not distinct: %v", all)
	}
}

// TestReplicationByHand rebuilds replications from their streams in the
// test: n units drawn with replacement, a duplicated unit a new unit, and a
// resample that cannot be fitted (x constant within every drawn unit)
// replaced by the next n draws of the same stream.
func TestReplicationByHand(t *testing.T) {
	const units, periods, reps = 8, 5, 25
	tab := simulate(9, units, periods, 2) // x varies within units 1 and 2 only
	s := spec(reps)
	p := prepare(t, tab, s)
	got, err := p.Bootstrap(0, reps)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string][]float64{}
	for _, name := range []string{"y", "x", "m", "ctl", "year"} {
		cols[name], _ = tab.Numbers(name)
	}
	redrawn := -1
	for r := 0; r < reps; r++ {
		st := stream.New(s.Seed, stream.MediationBootstrap, 1, r)
		for attempt := 0; ; attempt++ {
			rs := map[string][]float64{}
			var unit []int32
			var period []int
			for i := 0; i < units; i++ {
				u := st.IntN(units) // the CSV holds unit u's rows at u*periods...
				for row := u * periods; row < (u+1)*periods; row++ {
					for name, c := range cols {
						rs[name] = append(rs[name], c[row])
					}
					unit, period = append(unit, int32(i)), append(period, int(cols["year"][row]))
				}
			}
			opts := twfe.Options{PeriodEffects: true}
			med, err2 := twfe.Fit(rs["m"], [][]float64{rs["x"], rs["ctl"]}, []string{"x", "ctl"}, unit, period, opts)
			out, err3 := twfe.Fit(rs["y"], [][]float64{rs["x"], rs["m"], rs["ctl"]}, []string{"x", "m", "ctl"}, unit, period, opts)
			if err2 != nil || err3 != nil {
				redrawn = r
				continue
			}
			if want := med.Coefficients[0].Estimate * out.Coefficients[1].Estimate; math.Float64bits(got[r]) != math.Float64bits(want) {
				t.Errorf("replication %d (attempt %d): %v, by hand %v", r, attempt, got[r], want)
			}
			break
		}
	}
	if redrawn < 0 {
		t.Fatal("no replication needed a redraw; the test does not exercise it")
	}
	// With a single resample allowed, that replication fails.
	p.maxDraws = 1
	if _, err := p.Bootstrap(redrawn, redrawn+1); !errors.Is(err, ErrBootstrap) || !strings.Contains(err.Error(), fmt.Sprintf("replication %d: none of 1 resamples", redrawn)) ||
		!strings.Contains(err.Error(), `regressor "x" is constant within every unit`) {
		t.Errorf("error %v", err)
	}
}

func TestErrors(t *testing.T) {
	tab := simulate(1, 4, 5, 4)
	oneUnit, _ := panel.ReadCSV(strings.NewReader("prov,year,y,x,m,ctl\n1,1,1,2,3,4\n1,2,2,3,1,5\n1,3,0,1,2,6\n"))
	cases := []struct {
		name string
		tab  *panel.Table
		edit func(*Spec)
		is   error
		msg  string
	}{
		{"missing column", tab, func(s *Spec) { s.Mediator = "tec" }, panel.ErrUnknownColumn, `"tec"`},
		{"one unit", oneUnit, func(*Spec) {}, twfe.ErrFewUnits, "fewer than 2 units in the sample"},
		{"no mediator", tab, func(s *Spec) { s.Mediator = "" }, ErrSpec, "required"},
		{"one replication", tab, func(s *Spec) { s.Reps = 1 }, ErrSpec, "1 bootstrap replications"},
		{"level", tab, func(s *Spec) { s.Level = 95 }, ErrSpec, "confidence level 95"},
		{"duplicate", tab, func(s *Spec) { s.Controls = []string{"ctl", " x"} }, ErrSpec, `"x" appears twice`},
		{"bad term", tab, func(s *Spec) { s.Controls = []string{"ctl+1"} }, panel.ErrSyntax, "ctl+1"},
		{"outcome as control", tab, func(s *Spec) { s.Controls = []string{"ctl", "2*y"} }, ErrSpec,
			`the control "2*y" contains the outcome "y" and would fit it exactly`},
		{"outcome in the treatment", tab, func(s *Spec) { s.Treatment = "y/100" }, ErrSpec, `the treatment "y/100" contains the outcome "y"`},
		{"outcome in the mediator", tab, func(s *Spec) { s.Mediator = "y^2" }, ErrSpec, `the mediator "y^2" contains the outcome "y"`},
		{"mediator in a control", tab, func(s *Spec) { s.Controls = []string{"m*ctl"} }, ErrSpec, `the control "m*ctl" contains the mediator "m"`},
	}
	for _, c := range cases {
		s := spec(0)
		c.edit(&s)
		_, err := Prepare(c.tab, layout, s)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}
	lagged := spec(0)
	lagged.Controls = []string{"ctl", "L.y", "L.m"}
	if _, err := Prepare(tab, layout, lagged); err != nil {
		t.Errorf("lags of the outcome and mediator as controls: %v", err)
	}
	p := prepare(t, tab, spec(10))
	for _, r := range [][2]int{{-1, 2}, {3, 2}, {5, 11}} {
		if _, err := p.Bootstrap(r[0], r[1]); !errors.Is(err, ErrBootstrap) {
			t.Errorf("range %v: error %v", r, err)
		}
	}
	steps, err := p.Steps()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Assemble(steps, make([]float64, 9)); !errors.Is(err, ErrBootstrap) {
		t.Errorf("9 draws for 10 replications: error %v", err)
	}
	draws := make([]float64, 10)
	draws[4] = math.NaN()
	if _, err := p.Assemble(steps, draws); !errors.Is(err, ErrBootstrap) || !strings.Contains(err.Error(), "replication 4 is NaN") {
		t.Errorf("NaN draw: error %v", err)
	}
	// x constant within every unit: equation (2) names it.
	if _, err := prepare(t, simulate(1, 4, 5, 0), spec(0)).Steps(); !errors.Is(err, ols.ErrCollinear) || !strings.Contains(err.Error(), "equation (1)") {
		t.Errorf("time-invariant treatment: error %v", err)
	}
}

// TestResample checks that a unit drawn twice enters as two units.
func TestResample(t *testing.T) {
	p := prepare(t, simulate(1, 3, 2, 3), spec(0))
	s := p.resample([]int{2, 0, 2})
	if !slices.Equal(s.unit, []int32{0, 0, 1, 1, 2, 2}) || !slices.Equal(s.period, []int{2008, 2009, 2008, 2009, 2008, 2009}) {
		t.Errorf("units %v, periods %v", s.unit, s.period)
	}
	if s.x[0] != p.data.x[4] || s.y[3] != p.data.y[1] || s.m[5] != p.data.m[5] || s.controls[0][2] != p.data.controls[0][0] {
		t.Errorf("resampled rows do not come from units 2, 0, 2")
	}
}

func TestSpecNormalized(t *testing.T) {
	s := spec(0)
	s.Level = 0
	s.Treatment = " x "
	p := prepare(t, simulate(1, 4, 5, 4), s)
	got := p.Spec()
	if got.Level != 0.95 || got.Treatment != "x" || !slices.Equal(got.Controls, []string{"ctl"}) {
		t.Errorf("spec %+v", got)
	}
	got.Controls[0] = "changed"
	if p.Spec().Controls[0] != "ctl" {
		t.Error("Spec shares its controls with the caller")
	}
}
