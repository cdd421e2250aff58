package threshold

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// hansenSpec is Hansen's (1999) application on invest.csv (docs/threshold-model.md §1).
func hansenSpec(reps int) Spec {
	return Spec{Convention: Hansen, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"}, Rx: []string{"L.c"}, Qx: "L.d",
		Thresholds: 3, Grid: Grid{Points: 400}, Trim: []float64{0.01, 0.01, 0.05}, Reps: []int{reps}, Seed: 1}
}

// xthregSpec is Wang's (2015) example on hansen1999_xthreg.csv.
func xthregSpec(reps int) Spec {
	return Spec{Convention: Xthreg, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"q1", "q2", "q3", "d1", "qd1"}, Rx: []string{"c1"}, Qx: "d1",
		Thresholds: 3, Grid: Grid{Points: 400}, Trim: []float64{0.01, 0.01, 0.05}, Reps: []int{reps}, Seed: 1}
}

func prepareFile(t testing.TB, file string, spec Spec) *Problem {
	t.Helper()
	tab, err := panel.ReadCSVFile("../../testdata/hansen1999/" + file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(tab, spec)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// prepareAndEstimate prepares spec on tab and estimates it with the
// default options.
func prepareAndEstimate(t testing.TB, tab *panel.Table, spec Spec) (*Problem, *Result) {
	t.Helper()
	p, err := Prepare(tab, spec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Estimate(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, res
}

// printedMatch reports whether v agrees with the printed decimal s to s's
// last printed digit (|v - s| <= half a unit of that digit).
func printedMatch(v float64, s string) bool {
	want, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		exp, _ = strconv.Atoi(s[i+1:])
	}
	decimals := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		decimals = len(mant) - i - 1
	}
	unit := math.Pow(10, float64(exp-decimals))
	return math.Abs(v-want) <= unit/2*(1+1e-9)
}

type printedStage struct {
	Thresholds   []string       `json:"thresholds"`
	Intervals    [][3]string    `json:"intervals"`
	RSS          string         `json:"rss"`
	MSE          string         `json:"mse"`
	FStat        string         `json:"f_stat"`
	Coefficients [][]string     `json:"coefficients"`
	Header       *printedHeader `json:"header"`
}

// printedHeader is xtreg, fe's header as Wang (2015) prints it.
type printedHeader struct {
	Obs       int    `json:"obs"`
	Groups    int    `json:"groups"`
	R2Within  string `json:"r2_within"`
	R2Between string `json:"r2_between"`
	R2Overall string `json:"r2_overall"`
	F         string `json:"f"`
	FDF       [2]int `json:"f_df"`
	CorrUXb   string `json:"corr_u_xb"`
	SigmaU    string `json:"sigma_u"`
	SigmaE    string `json:"sigma_e"`
	Rho       string `json:"rho"`
	FUnits    string `json:"f_units"`
	FUnitsDF  [2]int `json:"f_units_df"`
}

type printedRun struct {
	LinearRSS string         `json:"linear_rss"`
	Given     []float64      `json:"given"`
	Stages    []printedStage `json:"stages"`
	Bootstrap struct {
		PValues []float64 `json:"p_values"`
		Reps    int       `json:"reps"`
	} `json:"bootstrap_gauss"`
}

func loadPrinted(t *testing.T, name string) printedRun {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var run printedRun
	if err := json.Unmarshal(raw, &run); err != nil {
		t.Fatal(err)
	}
	return run
}

func checkPrinted(t *testing.T, what string, v float64, s string) {
	t.Helper()
	if !printedMatch(v, s) {
		t.Errorf("%s = %.10g, published %s", what, v, s)
	}
}

// TestHansenGAUSS reproduces every deterministic number of Hansen's GAUSS
// output thresh.out with both kernels.
func TestHansenGAUSS(t *testing.T) {
	want := loadPrinted(t, "hansen_gauss.json")
	p := prepareFile(t, "invest.csv", hansenSpec(0))
	for _, alg := range []Algorithm{Fast, Reference} {
		t.Run(alg.String(), func(t *testing.T) {
			res, err := p.Estimate(Options{Algorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			checkPrinted(t, "S0", res.LinearRSS, want.LinearRSS)
			for k, ws := range want.Stages {
				st := res.Stages[k]
				for i, th := range ws.Thresholds {
					checkPrinted(t, "threshold", st.Thresholds[i], th)
				}
				for i, in := range ws.Intervals {
					checkPrinted(t, "interval threshold", st.Intervals[i].Threshold, in[0])
					checkPrinted(t, "interval lower", st.Intervals[i].Lower, in[1])
					checkPrinted(t, "interval upper", st.Intervals[i].Upper, in[2])
				}
				checkPrinted(t, "RSS", st.RSS, ws.RSS)
				checkPrinted(t, "F", st.FStat, ws.FStat)
				if len(st.Coefficients) != len(ws.Coefficients) {
					t.Fatalf("stage %d: %d coefficients, want %d", k+1, len(st.Coefficients), len(ws.Coefficients))
				}
				for i, c := range ws.Coefficients {
					got := st.Coefficients[i]
					checkPrinted(t, got.Name+" estimate", got.Estimate, c[0])
					checkPrinted(t, got.Name+" OLS SE", got.SE, c[1])
					checkPrinted(t, got.Name+" White SE", got.SERobust, c[2])
				}
			}
		})
	}
}

// TestXthregGiven reproduces Wang's (2015) RSS, MSE, F and xtreg, fe
// coefficients and header at the given thresholds.
func TestXthregGiven(t *testing.T) {
	want := loadPrinted(t, "xthreg_sj.json")
	spec := xthregSpec(0)
	spec.Given = want.Given
	p := prepareFile(t, "hansen1999_xthreg.csv", spec)
	res, err := p.Estimate(Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPrinted(t, "S0", res.LinearRSS, want.LinearRSS)
	for k, ws := range want.Stages {
		st := res.Stages[k]
		checkPrinted(t, "RSS", st.RSS, ws.RSS)
		checkPrinted(t, "MSE", st.Sigma2, ws.MSE)
		checkPrinted(t, "F", st.FStat, ws.FStat)
		for i, c := range ws.Coefficients {
			checkPrinted(t, st.Coefficients[i].Name+" estimate", st.Coefficients[i].Estimate, c[0])
			checkPrinted(t, st.Coefficients[i].Name+" SE", st.Coefficients[i].SE, c[1])
		}
		if wh := ws.Header; wh != nil {
			h := st.Header
			if h.Obs != wh.Obs || h.Groups != wh.Groups || [2]int{h.F.DF1, h.F.DF2} != wh.FDF || [2]int{h.FUnits.DF1, h.FUnits.DF2} != wh.FUnitsDF {
				t.Errorf("header: obs %d, groups %d, F(%d,%d), F units (%d,%d); published %+v", h.Obs, h.Groups, h.F.DF1, h.F.DF2, h.FUnits.DF1, h.FUnits.DF2, *wh)
			}
			checkPrinted(t, "R-sq within", float64(h.R2Within), wh.R2Within)
			checkPrinted(t, "R-sq between", float64(h.R2Between), wh.R2Between)
			checkPrinted(t, "R-sq overall", float64(h.R2Overall), wh.R2Overall)
			checkPrinted(t, "F", float64(h.F.Stat), wh.F)
			checkPrinted(t, "corr(u_i, Xb)", float64(h.CorrUXb), wh.CorrUXb)
			checkPrinted(t, "sigma_u", float64(h.SigmaU), wh.SigmaU)
			checkPrinted(t, "sigma_e", float64(h.SigmaE), wh.SigmaE)
			checkPrinted(t, "rho", float64(h.Rho), wh.Rho)
			checkPrinted(t, "F test that all u_i = 0", float64(h.FUnits.Stat), wh.FUnits)
		}
	}
	var text strings.Builder
	single := *res
	single.Stages = res.Stages[:1]
	if err := single.WriteText(&text, Conventional); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"     within  = 0.0951", "     between = 0.0692", "     overall = 0.0660",
		"F(7,7338)          =     110.21", "corr(u_i, Xb)  = -0.3972", "sigma_u |  0.03980548", "sigma_e |  0.04922656",
		"rho |  0.39535508", "F test that all u_i=0: F(564, 7338) = 6.90, Prob > F = 0.0000",
		// (S_0 - S_1)/s^2 = 35.1964 * 7338/7896, Hansen's F1 with the regression's df.
		"Equal slopes of c1 across regimes (Wald, conventional covariance): F(1, 7338) = 32.71, Prob > F = 0.0000"} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("the single-threshold report lacks %q:\n%s", line, text.String())
		}
	}
	// Given values are snapped to the float32 data values of d1.
	if got := res.Model.Given[1]; got != 0.5418000221252441 {
		t.Errorf("given 0.5418 snapped to %v, want the data value 0.5418000221252441", got)
	}
}

// TestXthregGridStage1 checks that xthreg's grid(400) finds Wang's first
// threshold 0.01538 and F1 = 35.20.
func TestXthregGridStage1(t *testing.T) {
	spec := xthregSpec(0)
	spec.Thresholds, spec.Trim = 1, []float64{0.01}
	p := prepareFile(t, "hansen1999_xthreg.csv", spec)
	res, err := p.Estimate(Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPrinted(t, "Th-1", res.Stages[0].Thresholds[0], "0.01538")
	checkPrinted(t, "F1", res.Stages[0].FStat, "35.20")
}

// TestHansenBootstrap checks that B = 300 bootstrap p-values agree with
// Hansen's run within Monte Carlo error and that a rerun is identical.
func TestHansenBootstrap(t *testing.T) {
	want := loadPrinted(t, "hansen_gauss.json").Bootstrap
	p := prepareFile(t, "invest.csv", hansenSpec(want.Reps))
	res, err := p.Estimate(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := float64(want.Reps)
	for k, pw := range want.PValues {
		got := res.Stages[k].Bootstrap.PValue
		// Two independent runs: sd of the difference is sqrt(2 p(1-p)/B).
		tol := 4*math.Sqrt(2*pw*(1-pw)/b) + 2/b
		if math.Abs(got-pw) > tol {
			t.Errorf("stage %d p-value %.4f, Hansen %.4f (tolerance %.4f)", k+1, got, pw, tol)
		}
	}
	again, err := p.Estimate(Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(res)
	c, _ := json.Marshal(again)
	if string(a) != string(c) {
		t.Error("a rerun with the same seed and another number of workers gave different JSON")
	}
}
