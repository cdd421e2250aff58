package threshold

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// givenThresholdCase is a model on one of Hansen's data files with its
// thresholds given.
type givenThresholdCase struct {
	file string
	spec Spec
}

// givenThresholdCases are Hansen's model in both conventions, each on its
// data file, with the two thresholds given at their estimates and reps
// bootstrap replications per stage.
func givenThresholdCases(reps int) []givenThresholdCase {
	cases := []givenThresholdCase{{"invest.csv", hansenSpec(reps)}, {"hansen1999_xthreg.csv", xthregSpec(reps)}}
	for i, given := range [][]float64{{0.0157, 0.53616}, {0.01538, 0.5418}} {
		s := &cases[i].spec
		s.Thresholds, s.Trim, s.Given = len(given), s.Trim[:len(given)], given
	}
	return cases
}

// TestPostEstimation checks, at given thresholds in both conventions, that
// the JSON's three covariance matrices reproduce the reported standard errors
// exactly and that the observations per regime add up to the observations
// used.
func TestPostEstimation(t *testing.T) {
	// regime_obs of the last stage, for 565 x 13 and 565 x 14 rows
	wantObs := [][]int{{903, 5989, 453}, {963, 6423, 524}}
	for i, c := range givenThresholdCases(0) {
		p := prepareFile(t, c.file, c.spec)
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
		if got := res.Stages[len(res.Stages)-1].RegimeObs; !slices.Equal(got, wantObs[i]) {
			t.Errorf("%s: regime_obs %v, want %v", c.file, got, wantObs[i])
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

// TestIntervalPieces covers confidence sets that are intervals, disjoint,
// degenerate, at the edge of the searched candidates and around a threshold
// that is not a candidate, with the warning each gives.
func TestIntervalPieces(t *testing.T) {
	curve := func(th float64, lr ...float64) LRCurve {
		c := LRCurve{Threshold: th}
		for i, v := range lr {
			c.Points = append(c.Points, [2]float64{float64(i + 1), v})
		}
		return c
	}
	cases := []struct {
		name    string
		curve   LRCurve
		lower   float64
		upper   float64
		pieces  [][2]float64
		warning string
	}{
		{"interval", curve(3, 9, 5, 0, 1, 9), 2, 4, [][2]float64{{2, 4}}, ""},
		{"disjoint", curve(2, 9, 0, 9, 6, 9), 2, 4, [][2]float64{{2, 2}, {4, 4}}, "not an interval (2 disjoint pieces)"},
		{"degenerate", curve(3, 9, 8, 0, 8, 9), 3, 3, [][2]float64{{3, 3}}, "degenerate (the threshold alone)"},
		{"edge", curve(2, 1, 0, 9, 9, 9), 1, 2, [][2]float64{{1, 2}}, "at the edge of the searched candidates"},
		{"off grid", curve(3.5, 9, 1, 9, 9, 9), 2, 3.5, [][2]float64{{2, 2}, {3.5, 3.5}}, "not an interval (2 disjoint pieces)"},
		{"all", curve(1, 0, 9, 9, 9, 9), 1, 1, [][2]float64{{1, 1}},
			"degenerate (the threshold alone); at the edge of the searched candidates"},
	}
	for _, c := range cases {
		in := c.curve.interval(7.35)
		if in.Lower != c.lower || in.Upper != c.upper || !reflect.DeepEqual(in.Pieces, c.pieces) {
			t.Errorf("%s: [%v, %v] pieces %v, want [%v, %v] pieces %v", c.name, in.Lower, in.Upper, in.Pieces, c.lower, c.upper, c.pieces)
		}
		if got := in.Warning(); got != c.warning {
			t.Errorf("%s: warning %q, want %q", c.name, got, c.warning)
		}
	}
}

// TestIntervalWarningText checks the warning line of the text report.
func TestIntervalWarningText(t *testing.T) {
	r := &Result{Convention: "hansen", NUnits: 10, NObsUsed: 100, Model: Model{Depvar: "y", Qx: "q", Reps: []int{0}}, Stages: []StageResult{{K: 1,
		Thresholds: []float64{2}, Regimes: []string{"q < 2", "2 <= q"},
		Intervals: []Interval{{Threshold: 2, Lower: 2, Upper: 4, Pieces: [][2]float64{{2, 2}, {4, 4}}}}}}}
	var b strings.Builder
	if err := r.WriteText(&b, Conventional); err != nil {
		t.Fatal(err)
	}
	want := "Warning: the confidence set of Th-1 is not an interval (2 disjoint pieces): [2, 2] u [4, 4]\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, b.String())
	}
}

// TestLaggedDepvarWarning checks the Nickell-bias warning for a lag of the
// dependent variable among the regressors, and its absence otherwise.
func TestLaggedDepvarWarning(t *testing.T) {
	cases := []struct {
		indep, rx []string
		want      []string
	}{
		{[]string{"L.i", "L.q"}, []string{"L.c"}, []string{`regressor "L.i" is a lag of the dependent variable "i": in this static ` +
			`fixed-effect model its slope and the others are biased (Nickell bias, O(1/T)); thresher xthenreg estimates the dynamic model`}},
		{[]string{"L.q"}, []string{"L.i*L.c"}, []string{`regressor "L.i*L.c" is a lag of the dependent variable "i": in this static ` +
			`fixed-effect model its slope and the others are biased (Nickell bias, O(1/T)); thresher xthenreg estimates the dynamic model`}},
		{[]string{"L.q"}, []string{"L.c"}, nil},
	}
	for _, c := range cases {
		spec := hansenSpec(0)
		spec.Indep, spec.Rx, spec.Thresholds, spec.Trim, spec.Given = c.indep, c.rx, 1, []float64{0.01}, []float64{0.0157}
		res, err := prepareFile(t, "invest.csv", spec).Estimate(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Warnings, c.want) {
			t.Errorf("indep %v rx %v: warnings %q, want %q", c.indep, c.rx, res.Warnings, c.want)
		}
	}
}

// TestMissingPeriodGap checks the report of one observation dropped for a
// missing period: the singular, and the next observation of its unit, which
// loses its lag across the gap, counted and explained.
func TestMissingPeriodGap(t *testing.T) {
	rows := smallPanel()
	rows[3] = "1,,2,1,1,1,0.5" // the period of unit 1's third observation
	tab, err := panel.ReadCSV(strings.NewReader(strings.Join(rows, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	spec := validSpec()
	spec.Indep = []string{"L.z"}
	_, res := prepareAndEstimate(t, tab, spec)
	if d := res.Dropped; d == nil || d.Rows != 1 || d.GapRows != 1 || res.NObsUsed != 14 {
		t.Fatalf("dropped %+v, %d observations used; want 1 missing, 1 after the gap, 14 used", d, res.NObsUsed)
	}
	var text bytes.Buffer
	if err := res.WriteText(&text, Conventional); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Dropped 1 observation with missing values (listwise; by column: t 1); then 1 observation whose lag falls in a gap of its unit's periods\n",
		"Note: the panel is unbalanced after dropping 1 observation with missing values, so it",
	} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("the text lacks %q:\n%s", line, text.String())
		}
	}
}

// TestMissingDropped checks listwise deletion end to end: the observations
// with a missing value are dropped and counted per column in the JSON and
// the text, the balanced panel they leave unbalanced is estimated with the
// wild bootstrap and the report says so, and R's row names are skipped
// with a note.
func TestMissingDropped(t *testing.T) {
	rows := smallPanel()
	rows[3] = "1,3,NA,1,1,1,0.5" // y of unit 1, period 3
	rows[8] = "2,3,2,.,2,1,0.5"  // z of unit 2, period 3
	for i := range rows {
		name := strconv.Itoa(i)
		if i == 0 {
			name = `""`
		}
		rows[i] = name + "," + rows[i]
	}
	tab, err := panel.ReadCSV(strings.NewReader(strings.Join(rows, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	spec := validSpec()
	spec.Reps = []int{2}
	_, res := prepareAndEstimate(t, tab, spec)
	want := &Dropped{Rows: 2, ByColumn: []panel.MissingCount{{Column: "y", Rows: 1}, {Column: "z", Rows: 1}}}
	if !reflect.DeepEqual(res.Dropped, want) || res.NObsUsed != 18 || res.Balanced || res.Model.Bootstrap != WildRademacher.String() {
		t.Errorf("dropped %+v, %d observations, balanced %v, bootstrap %s", res.Dropped, res.NObsUsed, res.Balanced, res.Model.Bootstrap)
	}
	notes := []string{"the unnamed first column (R's row names 1..N) is ignored",
		"the panel is unbalanced after dropping 2 observations with missing values, so it is estimated as unbalanced: the bootstrap is the wild bootstrap"}
	if !slices.Equal(res.Notes, notes) {
		t.Errorf("notes %q, want %q", res.Notes, notes)
	}
	var text bytes.Buffer
	if err := res.WriteText(&text, Conventional); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"Dropped 2 observations with missing values (listwise; by column: y 1, z 1)\n", "Note: " + notes[0] + "\n", "Note: " + notes[1] + "\n"} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("the text lacks %q:\n%s", line, text.String())
		}
	}
	js, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(js, []byte(`"dropped":{"rows":2,"by_column":[{"column":"y","rows":1},{"column":"z","rows":1}]}`)) {
		t.Errorf("the JSON lacks the dropped observations: %s", js)
	}
	// The residual bootstrap needs the balanced panel the drops undid.
	spec.Bootstrap = ResidualBootstrap
	if _, err := Prepare(tab, spec); !errors.Is(err, panel.ErrUnbalanced) ||
		!strings.Contains(err.Error(), "needs a balanced panel, after dropping 2 observations with missing values; use the wild bootstrap") {
		t.Errorf("residual bootstrap: %v", err)
	}
	// --missing error refuses the first.
	spec.MissingError = true
	if _, err := Prepare(tab, spec); !errors.Is(err, panel.ErrMissingValue) || !strings.Contains(err.Error(), `column "y", line 4`) {
		t.Errorf("missing error: %v", err)
	}
}

// TestLeanResult checks, in both conventions and with a bootstrap, that a
// lean estimation is the full one without its post-estimation statistics:
// the same thresholds, F statistics, bootstrap summaries, intervals and
// coefficient estimates.
func TestLeanResult(t *testing.T) {
	for _, c := range givenThresholdCases(10) {
		p := prepareFile(t, c.file, c.spec)
		full, err := p.Estimate(Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		lean, err := p.Estimate(Options{Workers: 1, Lean: true})
		if err != nil {
			t.Fatal(err)
		}
		if full.Covariance == nil || full.Heteroskedasticity == nil || full.Stages[0].Header == nil {
			t.Fatalf("%s: the full result lacks its post-estimation statistics", c.file)
		}
		want := *full
		want.Covariance, want.Heteroskedasticity = nil, nil
		want.Stages = nil
		for _, st := range full.Stages {
			st.RegimeObs, st.Header, st.EqualSlopes = nil, nil, nil
			st.Coefficients = slices.Clone(st.Coefficients)
			for i := range st.Coefficients {
				st.Coefficients[i].SE, st.Coefficients[i].SERobust, st.Coefficients[i].SECluster = 0, 0, 0
			}
			want.Stages = append(want.Stages, st)
		}
		want.Coefficients = want.Stages[len(want.Stages)-1].Coefficients
		if got, exp := mustJSON(t, lean), mustJSON(t, &want); got != exp {
			t.Errorf("%s: lean result\n%s\nwant\n%s", c.file, got, exp)
		}
	}
}

func mustJSON(t *testing.T, res *Result) string {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWithBootstrap checks that a problem derived with another bootstrap
// kind estimates exactly as one prepared with that kind, in both
// conventions, and fails as Prepare does where the kind does not fit.
func TestWithBootstrap(t *testing.T) {
	for _, c := range givenThresholdCases(10) {
		for _, kinds := range [][2]BootstrapKind{{ResidualBootstrap, WildRademacher}, {WildMammen, ResidualBootstrap}, {AutoBootstrap, WildWebb}} {
			spec := c.spec
			spec.Bootstrap = kinds[0]
			derived, err := prepareFile(t, c.file, spec).WithBootstrap(kinds[1])
			if err != nil {
				t.Fatal(err)
			}
			spec.Bootstrap = kinds[1]
			direct := prepareFile(t, c.file, spec)
			got, err := derived.Estimate(Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			want, err := direct.Estimate(Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
				t.Errorf("%s %v -> %v: derived result\n%s\nwant\n%s", c.file, kinds[0], kinds[1], g, w)
			}
		}
	}

	spec := hansenSpec(0)
	spec.Thresholds, spec.Trim = 1, spec.Trim[:1]
	tab, err := panel.ReadCSVFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	unbalanced, err := panel.ReadCSV(strings.NewReader(dropRows(t, string(text), 0.05, 1)))
	if err != nil {
		t.Fatal(err)
	}
	robust := spec
	robust.VCE = Cluster
	for _, c := range []struct {
		name  string
		tab   *panel.Table
		spec  Spec
		kind  BootstrapKind
		wants error
	}{
		{"residual on an unbalanced panel", unbalanced, spec, ResidualBootstrap, nil},
		{"residual with clustered errors", tab, robust, ResidualBootstrap, ErrSpec},
	} {
		p, err := Prepare(c.tab, c.spec)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, got := p.WithBootstrap(c.kind)
		c.spec.Bootstrap = c.kind
		_, want := Prepare(c.tab, c.spec)
		if got == nil || want == nil || got.Error() != want.Error() || (c.wants != nil && !errors.Is(got, c.wants)) {
			t.Errorf("%s: WithBootstrap fails with %v, Prepare with %v", c.name, got, want)
		}
	}
}
