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

// TestValidationErrors is the malformed-input table: every case asserts its
// sentinel error and message, and nothing may panic.
func TestValidationErrors(t *testing.T) {
	edit := func(f func(rows []string) []string) string {
		return strings.Join(f(smallPanel()), "\n") + "\n"
	}
	same := func(rows []string) []string { return rows }
	set := func(f func(rows []string) []string) string { return strings.Join(f(smallPanel()), "\n") + "\n" }
	row := func(i int, line string) string {
		return edit(func(r []string) []string { r[i] = line; return r })
	}
	refuseMissing := func(s *Spec) { s.MissingError = true }
	cases := []struct {
		name string
		csv  string
		spec func(*Spec)
		is   error
		msg  []string
	}{
		// The file.
		{"empty file", "", nil, panel.ErrEmpty, []string{"the file is empty"}},
		{"header only", "id,t,y,z,c,x,q\n", nil, panel.ErrEmpty, []string{"no data rows"}},
		{"duplicate columns", strings.Replace(edit(same), "id,t,y,z,c,x,q", "id,t,y,z,c,x,x", 1), nil,
			panel.ErrHeader, []string{`"x" appears twice`}},
		{"empty column name", strings.Replace(edit(same), "id,t,y,z,c,x,q", "id,t,,z,c,x,q", 1), nil,
			panel.ErrHeader, []string{"column 3 has an empty name"}},
		{"not UTF-8", row(3, "1,3,\xff,1,1,1,0.5"), nil, panel.ErrFormat, []string{"not valid UTF-8"}},
		{"ragged row", row(3, "1,3,2"), nil, panel.ErrFormat, []string{"wrong number of fields"}},
		// Cells.
		{"missing value", row(3, "1,3,,1,1,1,0.5"), refuseMissing,
			panel.ErrMissingValue, []string{`column "y", line 4`, "missing value"}},
		{"NA value", row(3, "1,3,NA,1,1,1,0.5"), refuseMissing, panel.ErrMissingValue, []string{`column "y", line 4`}},
		{"NaN value", row(3, "1,3,NaN,1,1,1,0.5"), refuseMissing, panel.ErrMissingValue, []string{`column "y", line 4`}},
		{"infinite value", row(5, "1,5,2,Inf,1,1,0.5"), nil, panel.ErrNotNumeric, []string{`column "z", line 6`, `"Inf"`}},
		{"huge number", row(5, "1,5,2,1e999,1,1,0.5"), nil, panel.ErrNotNumeric, []string{`column "z", line 6`, `"1e999"`}},
		{"non-numeric", row(5, "1,5,2,abc,1,1,0.5"), nil, panel.ErrNotNumeric, []string{`column "z", line 6`, `"abc"`}},
		{"non-integer period", row(2, "1,2.5,2,1,1,1,0.5"), nil, panel.ErrBadPeriod, []string{`time column "t", line 3`}},
		{"missing period", row(2, "1,,2,1,1,1,0.5"), refuseMissing, panel.ErrMissingValue, []string{`time column "t", line 3`}},
		{"missing unit", row(2, ",2,2,1,1,1,0.5"), refuseMissing, panel.ErrMissingValue, []string{`unit column "id", line 3`}},
		{"duplicate observation", edit(func(r []string) []string { r[2] = strings.Replace(r[2], "1,2,", "1,1,", 1); return r }), nil,
			panel.ErrDuplicate, []string{`unit "1", period 1 appears on lines 2 and 3`}},
		{"division by zero", edit(same), func(s *Spec) { s.Indep = []string{"z/(0*x)"} },
			panel.ErrNotFinite, []string{`"z/(0*x)" is -Inf (beyond float64's range, about 1.8e308: an overflow or a division by 0) at line 2 (unit "1", period 1)`}},
		// Variable lists.
		{"unknown column", edit(same), func(s *Spec) { s.Indep = []string{"zz"} },
			panel.ErrUnknownColumn, []string{`unknown column "zz"`, "the file has: id, t, y, z, c, x, q"}},
		{"unknown unit column", edit(same), func(s *Spec) { s.ID = "firm" }, panel.ErrUnknownColumn, []string{`unknown column "firm"`}},
		{"factor variable as rx", edit(same), func(s *Spec) { s.Rx = []string{"i.t"} },
			panel.ErrSyntax, []string{`rx: invalid term "i.t": a factor variable is a regime-independent regressor (--indep) only`}},
		{"factor variable as qx", edit(same), func(s *Spec) { s.Qx = "ib2.t" },
			panel.ErrSyntax, []string{`qx: invalid term "ib2.t": a factor variable is a regime-independent regressor (--indep) only`}},
		{"absent base level", edit(same), func(s *Spec) { s.Indep = []string{"ib1999.t"} },
			panel.ErrFactorLevel, []string{`invalid factor level: the base level 1999 of "ib1999.t" does not occur in the estimation sample (its levels are 1, 2, 3`}},
		{"ln of a negative value", edit(same), func(s *Spec) { s.Indep = []string{"ln(x)"} },
			panel.ErrNotFinite, []string{`"ln(x)" is NaN (ln and log need a positive argument, sqrt a non-negative one) at line 2 (unit "1", period 1)`}},
		{"sqrt of a negative value", edit(same), func(s *Spec) { s.Indep = []string{"z", "sqrt(L.x)"} },
			panel.ErrNotFinite, []string{`"sqrt(L.x)" is NaN (ln and log need a positive argument, sqrt a non-negative one) at line 3 (unit "1", period 2)`}},
		{"bad term", edit(same), func(s *Spec) { s.Rx = []string{"L.x^"} },
			panel.ErrSyntax, []string{"rx:", `"L.x^"`, "exponent"}},
		{"lag longer than the panel", edit(same), func(s *Spec) { s.Qx = "L9.q" },
			panel.ErrTooFewRows, []string{"no row has every lag"}},
		// The dependent variable among the regressors, or an exact fit.
		{"dependent variable among indep", edit(same), func(s *Spec) { s.Indep = []string{"q", "y"} },
			ErrSpec, []string{`indep term "y" contains the dependent variable "y"`, "fit it exactly", "L.y are allowed"}},
		{"dependent variable doubled", edit(same), func(s *Spec) { s.Indep = []string{"2*y"} },
			ErrSpec, []string{`indep term "2*y" contains the dependent variable "y"`}},
		{"dependent variable squared", edit(same), func(s *Spec) { s.Indep = []string{"z", "y^2"} },
			ErrSpec, []string{`indep term "y^2" contains`}},
		{"dependent variable scaled", edit(same), func(s *Spec) { s.Indep = []string{"y/100"} },
			ErrSpec, []string{`indep term "y/100" contains`}},
		{"dependent variable in an interaction", edit(same), func(s *Spec) { s.Indep = []string{"z*y"} },
			ErrSpec, []string{`indep term "z*y" contains`}},
		{"dependent variable as rx", edit(same), func(s *Spec) { s.Rx = []string{"x", "y"} },
			ErrSpec, []string{`rx term "y" contains the dependent variable "y"`}},
		{"dependent variable as qx", edit(same), func(s *Spec) { s.Qx = "y" },
			ErrSpec, []string{`qx term "y" contains the dependent variable "y" and would split the regimes on it`}},
		{"lagged dependent variable and its lag", edit(same), func(s *Spec) { s.Depvar = "L.y"; s.Indep = []string{"L.y^2"} },
			ErrSpec, []string{`indep term "L.y^2" contains the dependent variable "L.y"`}},
		{"time-invariant dependent variable", edit(same), func(s *Spec) { s.Depvar = "c" },
			ErrData, []string{`dependent variable "c" is time-invariant`}},
		{"time-invariant dependent variable that does not round to 0", edit(same), func(s *Spec) { s.Depvar = "c/30" },
			ErrData, []string{`dependent variable "c/30" is time-invariant`}},
		{"exact linear fit", edit(same), func(s *Spec) { s.Indep = []string{"z", "q"} },
			ErrData, []string{`the linear model (no threshold) fits the dependent variable "y" exactly`, "meaningless"}},
		{"exact threshold fit", exactThresholdPanel(), nil,
			ErrData, []string{`stage 1: the model with thresholds [0.5] fits the dependent variable "y" exactly`}},
		// The panel.
		{"residual bootstrap on an unbalanced panel", edit(func(r []string) []string { return append(r[:7], r[8:]...) }),
			func(s *Spec) { s.Bootstrap = ResidualBootstrap; s.Reps = []int{10} },
			panel.ErrUnbalanced, []string{`unit "2" lacks 2`, "needs a balanced panel"}},
		{"one period after lags", set(func(r []string) []string {
			out := r[:1]
			for _, row := range r[1:] {
				if period := strings.Split(row, ",")[1]; period == "4" || period == "5" {
					out = append(out, row)
				}
			}
			return out
		}), func(s *Spec) { s.Depvar = "L.y" }, ErrData, []string{"every unit has a single observation"}},
		{"one unit", edit(func(r []string) []string { return r[:6] }), nil, ErrData, []string{"needs at least 2 units"}},
		{"time-invariant threshold variable", edit(same), func(s *Spec) { s.Qx = "c" },
			ErrData, []string{`threshold variable "c" is time-invariant`}},
		{"time-invariant regime-dependent regressor", edit(same), func(s *Spec) { s.Rx = []string{"c"} },
			ErrData, []string{`regime-dependent regressor "c" is time-invariant`}},
		{"regressor whose squares overflow", edit(same), func(s *Spec) { s.Rx = []string{"x*1e200"} },
			ErrData, []string{`"x*1e200" has the value`, "beyond 1e+100 in absolute value", "rescale it"}},
		{"dependent variable whose squares overflow", edit(same), func(s *Spec) { s.Depvar = "y*1e101" },
			ErrData, []string{`"y*1e101" has the value`, "would overflow float64"}},
		{"constant regressor", edit(same), func(s *Spec) { s.Indep = []string{"z", "c"} },
			ols.ErrCollinear, []string{`regressor "c" is zero after the transformation`}},
		{"collinear regressors", edit(same), func(s *Spec) { s.Indep = []string{"z", "2*z"} },
			ols.ErrCollinear, []string{`regressor "2*z" is a linear combination`, `"z"`}},
		{"regressor both independent and regime-dependent", edit(same), func(s *Spec) { s.Indep = []string{"z", "x"} },
			ols.ErrCollinear, []string{`regressor "x" is a linear combination`}},
		{"more regressors than observations", set(func(r []string) []string {
			return []string{r[0], r[1], r[2], r[6], r[7]} // units 1 and 2, periods 1 and 2
		}), func(s *Spec) { s.Indep = []string{"z", "z^2", "z^3", "z^4"} },
			ols.ErrTooFewRows, []string{"4 observations for 5 regressors"}},
		// Regimes.
		// The smallest q (Hansen's lower regime q < gamma would be empty)
		// is no candidate; below the next one lies a single row, where x is 0.
		{"too few observations in a regime", row(11, "3,1,3,1,3,0,-1"), func(s *Spec) { s.Convention = Hansen; s.Trim = []float64{0.01} },
			ErrData, []string{"not identified", "too few observations in a regime for trim 0.01"}},
		{"all observations in one regime", edit(same), func(s *Spec) { s.Given = []float64{-5} },
			ErrData, []string{"regime 1", "without observations", "given threshold -5 lies outside the range of q in the estimation sample"}},
		{"given thresholds equal", edit(same), func(s *Spec) { s.Thresholds = 2; s.Given = []float64{0.5, 0.5}; s.Trim = []float64{0.1} },
			ErrSpec, []string{"given thresholds 1 and 2 are both 0.5"}},
		{"given thresholds snapping to one candidate", edit(same), func(s *Spec) {
			s.Thresholds = 2
			s.Given = []float64{0.5, 0.5 * (1 + 1e-7)}
			s.Trim = []float64{0.1}
		}, ErrData, []string{"given thresholds 1 (0.5) and 2 (0.50000005) snap to the same candidate 0.5 of q"}},
		// The specification.
		{"no rx", edit(same), func(s *Spec) { s.Rx = nil }, ErrSpec, []string{"regime-dependent regressor"}},
		{"no threshold", edit(same), func(s *Spec) { s.Thresholds = 0 }, ErrSpec, []string{"between 1 and 64, not 0"}},
		{"trim out of range", edit(same), func(s *Spec) { s.Trim = []float64{0.5} }, ErrSpec, []string{"trim 0.5 for stage 1"}},
		{"trim count", edit(same), func(s *Spec) { s.Thresholds = 3; s.Trim = []float64{0.1, 0.1} },
			ErrSpec, []string{"2 values of trim for 3 thresholds"}},
		{"negative replications", edit(same), func(s *Spec) { s.Reps = []int{-1} }, ErrSpec, []string{"replications -1 for stage 1 must be between 0 and 10000000"}},
		{"level out of range", edit(same), func(s *Spec) { s.Level = 1.5 }, ErrSpec, []string{"confidence level 1.5"}},
		{"one-point grid", edit(same), func(s *Spec) { s.Grid = Grid{Points: 1} }, ErrSpec, []string{"not 1"}},
		{"given count", edit(same), func(s *Spec) { s.Given = []float64{0.1, 0.2} }, ErrSpec, []string{"2 given thresholds for 1"}},
	}
	if len(cases) < 30 {
		t.Fatalf("the malformed-input table has %d cases; keep at least 30", len(cases))
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

// exactThresholdPanel is smallPanel with y a noise-free threshold model of
// x at q <= 0.5 plus z and the unit's effect, which stage 1 fits exactly.
func exactThresholdPanel() string {
	rows := smallPanel()
	for i, row := range rows[1:] {
		f := strings.Split(row, ",")
		var unit, z, x, q float64
		fmt.Sscan(f[0], &unit)
		fmt.Sscan(f[3], &z)
		fmt.Sscan(f[5], &x)
		fmt.Sscan(f[6], &q)
		slope := 1.0
		if q <= 0.5 {
			slope = 3
		}
		f[2] = fmt.Sprint(slope*x + 0.5*z + unit)
		rows[i+1] = strings.Join(f, ",")
	}
	return strings.Join(rows, "\n") + "\n"
}

// TestSmallPanelEstimates is the valid baseline of the validation cases,
// with the specifications they must not refuse.
func TestSmallPanelEstimates(t *testing.T) {
	tab, err := panel.ReadCSV(strings.NewReader(strings.Join(smallPanel(), "\n")))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		spec func(*Spec)
	}{
		{"baseline", func(*Spec) {}},
		{"lagged dependent variable", func(s *Spec) { s.Indep = []string{"z", "L.y"} }},
		{"lagged dependent variable as threshold variable", func(s *Spec) { s.Qx = "L.y" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := validSpec()
			c.spec(&spec)
			p, err := Prepare(tab, spec)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Estimate(Options{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
