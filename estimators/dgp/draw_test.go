package dgp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/stream"
	"github.com/thresher/thresher/internal/golden"
)

// goldenDesigns are one design of every family and error law.
var goldenDesigns = map[string]string{
	"normal": base,
	"student_t": base + `regressors: [{name: z, law: uniform, a: -1, b: 1, slope: 0.5}]
errors: {law: student_t, df: 5}
unit_effects: {law: correlated, load: 1}`,
	"hetero_unit": base + "errors: {law: hetero_unit, a: 0.5, b: 2}\nq: {law: normal, mean: 0.5, sd: 0.3}",
	"hetero_x":    base + "errors: {law: hetero_x, a: 0.5, b: 1, regressor: x}\nunit_effects: {law: none}",
	"ar1_drop":    base + "errors: {law: ar1, rho: 0.5, sd: 2}\ndrop: 0.2",
	"provinces":   "family: provinces",
	"resample": `family: resample
y: y
regime_dependent: [{name: x}]
q: {name: q}
thresholds: [0.5]
slopes: [[1]]
effect: 0.3
resample: unit`,
}

// resampleBase is the user's data of the golden resample design: a sample
// of the normal design.
func resampleData(t testing.TB) *panel.Table {
	t.Helper()
	var d Design
	if err := json.Unmarshal([]byte(`{"family":"threshold","n":30,"t":5,"regime_dependent":[{"name":"x"}],"thresholds":[0.5],"slopes":[[1],[1.4]]}`), &d); err != nil {
		t.Fatal(err)
	}
	s, err := d.Draw(7, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := s.Table()
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestGolden pins the samples of every family and error law: a change of
// a draw, its order or the CSV text changes every published study and must
// be deliberate (go test -run TestGolden -update).
func TestGolden(t *testing.T) {
	got := map[string]string{}
	data := resampleData(t)
	for name, text := range goldenDesigns {
		d := decode(t, text)
		s, err := d.Draw(2026, 3, 11, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sum := sha256.Sum256(s.CSV())
		got[name] = hex.EncodeToString(sum[:])
	}
	var want map[string]string
	golden.JSON(t, "testdata/golden.json", got, &want)
	if len(want) != len(got) {
		t.Errorf("golden file has %d designs, the test %d", len(want), len(got))
	}
	for name, sum := range got {
		if want[name] != sum {
			t.Errorf("%s: sample hash %s, golden %s", name, sum, want[name])
		}
	}
}

// TestDeterminism checks that a key gives the same bytes, through
// Design.Draw and a prepared Generator alike, and that other keys differ.
func TestDeterminism(t *testing.T) {
	data := resampleData(t)
	for name, text := range goldenDesigns {
		d := decode(t, text)
		g, err := d.Prepare(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		first := g.Draw(1, 0, 0).CSV()
		again, err := d.Draw(1, 0, 0, data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again.CSV()) {
			t.Errorf("%s: the same key gave different samples", name)
		}
		for _, other := range [][3]int{{1, 0, 1}, {1, 1, 0}, {2, 0, 0}} {
			if bytes.Equal(first, g.Draw(uint64(other[0]), other[1], other[2]).CSV()) {
				t.Errorf("%s: key %v gave the sample of (1, 0, 0)", name, other)
			}
		}
	}
}

// TestTableRoundTrip checks that the table read back holds the sample's
// numbers exactly.
func TestTableRoundTrip(t *testing.T) {
	s, err := decode(t, goldenDesigns["student_t"]).Draw(5, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := s.Table()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Columns(), s.Names) || tab.Len() != s.Len() {
		t.Fatalf("table columns %v (%d rows), sample %v (%d rows)", tab.Columns(), tab.Len(), s.Names, s.Len())
	}
	for j, name := range s.Names {
		v, err := tab.Numbers(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(v, s.Columns[j]) {
			t.Errorf("column %s does not round-trip", name)
		}
	}
}

// moments returns the mean, variance, and lag-1 autocorrelation within
// units of periods rows.
func moments(e []float64, periods int) (mean, variance, rho float64) {
	for _, v := range e {
		mean += v
	}
	mean /= float64(len(e))
	var cross float64
	var pairs int
	for i, v := range e {
		variance += (v - mean) * (v - mean)
		if i%periods > 0 {
			cross += (v - mean) * (e[i-1] - mean)
			pairs++
		}
	}
	variance /= float64(len(e))
	return mean, variance, cross / float64(pairs) / variance
}

// TestErrorMoments checks every error law's mean, variance, kurtosis and
// (for ar1) lag-1 autocorrelation on 100,000 draws, with tolerances of
// about 4 to 5 standard errors. The kurtosis of the scale mixtures
// s u (u standard normal) is 3 E s^4 / (E s^2)^2: for s uniform on
// (0.5, 2), E s^2 = 1.75 and E s^4 = (2^5 - 0.5^5) / (5 * 1.5); for
// s = 0.5 + |x|, x standard normal, E s^2 = 0.25 + sqrt(2/pi) + 1 and
// E s^4 = 0.5^4 + 4 0.5^3 sqrt(2/pi) + 6 0.5^2 + 4 0.5 (2 sqrt(2/pi)) + 3.
func TestErrorMoments(t *testing.T) {
	const units, periods = 2000, 50
	r := math.Sqrt(2 / math.Pi) // E|x| for x standard normal; E|x|^3 = 2r
	heteroUnit := 3 * ((32 - 1.0/32) / 7.5) / (1.75 * 1.75)
	xs2, xs4 := 0.25+r+1, 0.0625+0.5*r+1.5+4*r+3
	cases := []struct {
		law                 string
		variance, rho       float64
		varTol, rhoTol      float64
		kurtosis, kurtosTol float64
	}{
		{"{law: normal, sd: 2}", 4, 0, 0.1, 0.02, 3, 0.1},
		{"{law: student_t, df: 10}", 1, 0, 0.03, 0.02, 3 + 6.0/(10-4), 0.25},
		{"{law: student_t, df: 4.5, sd: 3}", 9, 0, 0.9, 0.02, 0, 0},
		{"{law: hetero_unit, a: 0.5, b: 2}", 1.75, 0, 0.1, 0.02, heteroUnit, 0.25},
		{"{law: hetero_x, a: 0.5, b: 1, regressor: x}", xs2, 0, 0.1, 0.02, 3 * xs4 / (xs2 * xs2), 0.4},
		{"{law: ar1, rho: 0.6, sd: 1.5}", 2.25, 0.6, 0.12, 0.02, 3, 0.15},
		{"{law: ar1, rho: -0.3}", 1, -0.3, 0.04, 0.02, 3, 0.1},
	}
	for _, c := range cases {
		d := decode(t, variant(t, "errors: "+c.law)).normalized()
		s := stream.New(1, stream.DataGeneration, 0, 0)
		x := make([]float64, units*periods)
		for i := range x {
			x[i] = s.Normal()
		}
		e := d.errors(s, units, periods, func(string) []float64 { return x })
		mean, variance, rho := moments(e, periods)
		if math.Abs(mean) > 5*math.Sqrt(c.variance/float64(len(e))*(1+math.Abs(c.rho))/(1-math.Abs(c.rho))) {
			t.Errorf("%s: mean %.4f", c.law, mean)
		}
		if math.Abs(variance-c.variance) > c.varTol {
			t.Errorf("%s: variance %.4f, want %.4f", c.law, variance, c.variance)
		}
		if math.Abs(rho-c.rho) > c.rhoTol {
			t.Errorf("%s: lag-1 autocorrelation %.4f, want %.4f", c.law, rho, c.rho)
		}
		if c.kurtosis > 0 {
			m4 := 0.0
			for _, v := range e {
				m4 += math.Pow(v-mean, 4)
			}
			if k := m4 / float64(len(e)) / (variance * variance); math.Abs(k-c.kurtosis) > c.kurtosTol {
				t.Errorf("%s: kurtosis %.3f, want %.3f", c.law, k, c.kurtosis)
			}
		}
		if d.Errors.Law == LawHeteroX {
			// e / (a + b|x|) is standard normal only if the SD follows x.
			ss := 0.0
			for i, v := range e {
				z := v / (0.5 + math.Abs(x[i]))
				ss += z * z
			}
			if v := ss / float64(len(e)); math.Abs(v-1) > 0.03 {
				t.Errorf("%s: variance of e / (a + b|x|) %.4f, want 1", c.law, v)
			}
		}
	}
}

// TestDropShare checks that drop removes exactly round(share n T) rows at
// random and keeps the others in unit and period order.
func TestDropShare(t *testing.T) {
	for _, share := range []float64{0.1, 0.25, 0.5} {
		d := decode(t, variant(t, "n: 200\nt: 10"))
		d.Drop = Grid{share}
		s, err := d.Draw(3, 0, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := 2000 - int(math.Round(share*2000)); s.Len() != want {
			t.Errorf("drop %v: %d rows, want %d", share, s.Len(), want)
		}
		id, _ := s.Column("id")
		period, _ := s.Column("t")
		perPeriod := make([]int, 10)
		for r := range id {
			if r > 0 && (id[r] < id[r-1] || id[r] == id[r-1] && period[r] <= period[r-1]) {
				t.Fatalf("drop %v: row %d out of order", share, r)
			}
			perPeriod[int(period[r])-1]++
		}
		// Each period keeps about (1 - share) of its 200 rows: a
		// hypergeometric count with SD below 10.
		for p, c := range perPeriod {
			if math.Abs(float64(c)-200*(1-share)) > 40 {
				t.Errorf("drop %v: period %d keeps %d rows of 200", share, p+1, c)
			}
		}
	}
}

// TestThresholdRecovered checks the threshold family's model: a within fit
// of y on the regressors split at the true threshold recovers the slopes
// on a large sample.
func TestThresholdRecovered(t *testing.T) {
	d := decode(t, variant(t, `n: 500
t: 10
regressors: [{name: z, law: uniform, a: 0, b: 2, slope: -0.5}]
regime_dependent: [{name: x, mean: 1, sd: 2}, {name: w}]
slopes: [[1, 0], [1.4, -1]]
unit_effects: {law: correlated, load: 3}
q: {law: regressor, name: z}
thresholds: [1.2]`))
	s, err := d.Draw(4, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Names, []string{"id", "t", "y", "z", "x", "w"}) {
		t.Fatalf("columns %v", s.Names)
	}
	coef, _ := withinFit(t, s, d.Truth())
	want := []float64{-0.5, 1, 0, 1.4, -1}
	for j := range want {
		if math.Abs(coef[j]-want[j]) > 0.05 {
			t.Errorf("slope %d: %.4f, want %v", j, coef[j], want[j])
		}
	}
}

// TestProvincesTruth checks the reduced form documented for the provinces
// family: within fits at the true threshold, averaged over 40 replications,
// are near the true slopes.
func TestProvincesTruth(t *testing.T) {
	d := decode(t, "family: provinces")
	truth := d.Truth()
	g, err := d.Prepare(nil)
	if err != nil {
		t.Fatal(err)
	}
	const reps = 40
	mean := make([]float64, len(truth.Fixed)+2)
	for r := range reps {
		s := g.Draw(1, 0, r)
		if s.Len() != 390 {
			t.Fatalf("%d rows", s.Len())
		}
		coef, _ := withinFit(t, s, truth)
		for j, c := range coef {
			mean[j] += c / reps
		}
	}
	want := append(slices.Clone(truth.Fixed), truth.Slopes[0][0], truth.Slopes[1][0])
	tol := []float64{0.02, 0.01, 0.02, 0.02, 0.005, 0.01, 0.01}
	t.Logf("means %.4f truth %.4f", mean, want)
	for j := range want {
		if math.Abs(mean[j]-want[j]) > tol[j] {
			t.Errorf("coefficient %d: mean %.4f over %d replications, truth %.4f", j, mean[j], reps, want[j])
		}
	}
}

// TestUnitEffects checks the laws of mu_i on 20,000 units: normal with its
// SD, correlated as SD v_i + load * mean_t x_it, none.
func TestUnitEffects(t *testing.T) {
	const units, periods = 20000, 4
	s := stream.New(1, stream.DataGeneration, 0, 0)
	x := make([]float64, units*periods)
	for i := range x {
		x[i] = 1 + s.Normal()
	}
	for _, c := range []struct {
		law      string
		load, sd float64
	}{
		{"{sd: 2}", 0, 2}, {"{}", 0, 1}, {"{law: correlated, load: 3, sd: 0.5}", 3, 0.5}, {"{law: correlated, load: -1}", -1, 0}, {"{law: none}", 0, 0},
	} {
		d := decode(t, variant(t, "unit_effects: "+c.law)).normalized()
		mu := d.unitEffects(s, units, periods, func(string) []float64 { return x })
		v := make([]float64, units)
		for i := range v {
			mean := (x[4*i] + x[4*i+1] + x[4*i+2] + x[4*i+3]) / 4
			v[i] = mu[i] - c.load*mean
		}
		m, variance, _ := moments(v, 1)
		if math.Abs(m) > 0.05 || math.Abs(math.Sqrt(variance)-c.sd) > 0.03 {
			t.Errorf("%s: mu - load * mean x has mean %.4f and SD %.4f, want 0 and %v", c.law, m, math.Sqrt(variance), c.sd)
		}
	}
}
