package threshold

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/ols"
	"github.com/thresher/thresher/estimators/panel"
)

// smallPanel is a valid 4-unit, 5-period panel; rows can be edited per case.
func smallPanel() []string {
	rows := []string{"id,t,y,z,c,x,q"}
	for i := 1; i <= 4; i++ {
		for t := 1; t <= 5; t++ {
			q := float64((i*7+t*3)%11) / 10
			x := float64((i*5+t*2)%7) - 3
			z := float64((i*3+t*5)%9) / 3
			y := 0.5*z + x + q + float64(i)
			rows = append(rows, fmt.Sprintf("%d,%d,%g,%g,%d,%g,%g", i, t, y, z, i, x, q))
		}
	}
	return rows
}

func validSpec() Spec {
	return Spec{ID: "id", Time: "t", Depvar: "y", Indep: []string{"z"}, Rx: []string{"x"}, Qx: "q",
		Thresholds: 1, Grid: Grid{}, Trim: []float64{0.2}, Reps: []int{0}}
}

// TestValidationErrors asserts the message and sentinel of every validation
// error of the estimator core, and that nothing panics.
func TestValidationErrors(t *testing.T) {
	edit := func(f func(rows []string) []string) string {
		return strings.Join(f(smallPanel()), "\n") + "\n"
	}
	same := func(rows []string) []string { return rows }
	cases := []struct {
		name string
		csv  string
		spec func(*Spec)
		is   error
		msg  []string
	}{
		{"missing value", edit(func(r []string) []string { r[3] = "1,3,,1,1,1,0.5"; return r }), nil,
			panel.ErrMissingValue, []string{`column "y", line 4`, "missing value"}},
		{"non-numeric", edit(func(r []string) []string { r[5] = "1,5,2,abc,1,1,0.5"; return r }), nil,
			panel.ErrNotNumeric, []string{`column "z", line 6`, `"abc"`}},
		{"infinite", edit(func(r []string) []string { r[5] = "1,5,2,1e999,1,1,0.5"; return r }), nil,
			panel.ErrNotNumeric, []string{`column "z", line 6`}},
		{"duplicate observation", edit(func(r []string) []string { r[2] = strings.Replace(r[2], "1,2,", "1,1,", 1); return r }), nil,
			panel.ErrDuplicate, []string{`unit "1", period 1 appears on lines 2 and 3`}},
		{"residual bootstrap on an unbalanced panel", edit(func(r []string) []string { return append(r[:7], r[8:]...) }),
			func(s *Spec) { s.Bootstrap = ResidualBootstrap; s.Reps = []int{10} },
			panel.ErrUnbalanced, []string{`unit "2" lacks 2`, "needs a balanced panel"}},
		{"unknown column", edit(same), func(s *Spec) { s.Indep = []string{"zz"} },
			panel.ErrUnknownColumn, []string{`unknown column "zz"`, "the file has: id, t, y, z, c, x, q"}},
		{"bad term", edit(same), func(s *Spec) { s.Rx = []string{"L.x^"} },
			panel.ErrSyntax, []string{"rx:", `"L.x^"`, "exponent"}},
		{"time-invariant threshold variable", edit(same), func(s *Spec) { s.Qx = "c" },
			ErrData, []string{`threshold variable "c" is time-invariant`}},
		{"time-invariant regime-dependent regressor", edit(same), func(s *Spec) { s.Rx = []string{"c"} },
			ErrData, []string{`regime-dependent regressor "c" is time-invariant`}},
		{"constant regressor", edit(same), func(s *Spec) { s.Indep = []string{"z", "c"} },
			ols.ErrCollinear, []string{`regressor "c" is zero after the transformation`}},
		{"collinear regressors", edit(same), func(s *Spec) { s.Indep = []string{"z", "2*z"} },
			ols.ErrCollinear, []string{`regressor "2*z" is a linear combination`, `"z"`}},
		{"too few observations in a regime", edit(same), func(s *Spec) { s.Convention = Hansen; s.Trim = []float64{0.01} },
			ErrData, []string{"not identified", "too few observations in a regime for trim 0.01"}},
		{"one period after lags", edit(func(r []string) []string {
			out := r[:1]
			for _, row := range r[1:] {
				if period := strings.Split(row, ",")[1]; period == "4" || period == "5" {
					out = append(out, row)
				}
			}
			return out
		}), func(s *Spec) { s.Depvar = "L.y" },
			ErrData, []string{"every unit has a single observation"}},
		{"one unit", edit(func(r []string) []string { return r[:6] }), nil,
			ErrData, []string{"needs at least 2 units"}},
		{"trim out of range", edit(same), func(s *Spec) { s.Trim = []float64{0.5} },
			ErrSpec, []string{"trim 0.5 for stage 1"}},
		{"trim count", edit(same), func(s *Spec) { s.Thresholds = 3; s.Trim = []float64{0.1, 0.1} },
			ErrSpec, []string{"2 values of trim for 3 thresholds"}},
		{"given thresholds leave a regime empty", edit(same), func(s *Spec) { s.Given = []float64{-5} },
			ErrData, []string{"regime 1", "without observations"}},
		{"no rx", edit(same), func(s *Spec) { s.Rx = nil },
			ErrSpec, []string{"regime-dependent regressor"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := validSpec()
			if c.spec != nil {
				c.spec(&spec)
			}
			var err error
			tab, err := panel.ReadCSV(strings.NewReader(c.csv))
			if err == nil {
				var p *Problem
				if p, err = Prepare(tab, spec); err == nil {
					_, err = p.Estimate(Options{})
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.is) {
				t.Errorf("error %q does not wrap %q", err, c.is)
			}
			for _, m := range c.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
		})
	}
}

// TestSmallPanelEstimates is the valid baseline of the validation cases.
func TestSmallPanelEstimates(t *testing.T) {
	tab, err := panel.ReadCSV(strings.NewReader(strings.Join(smallPanel(), "\n")))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(tab, validSpec())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Estimate(Options{}); err != nil {
		t.Fatal(err)
	}
}
