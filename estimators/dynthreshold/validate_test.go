package dynthreshold

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// readCSV parses an inline CSV.
func readCSV(t *testing.T, s string) *panel.Table {
	t.Helper()
	tab, err := panel.ReadCSV(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// csvOf returns the CSV of randomTable(n, T) without data row drop
// (0-based; -1 keeps every row).
func csvOf(t *testing.T, n, T int, drop int) string {
	t.Helper()
	var b strings.Builder
	tab := randomTable(t, n, T, 11)
	cols := tab.Columns()
	b.WriteString(strings.Join(cols, ",") + "\n")
	vals := make([][]string, len(cols))
	for c, name := range cols {
		v, err := tab.Strings(name)
		if err != nil {
			t.Fatal(err)
		}
		vals[c] = v
	}
	for r := 0; r < tab.Len(); r++ {
		if r == drop {
			continue
		}
		var row []string
		for c := range cols {
			row = append(row, vals[c][r])
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	return b.String()
}

// farPeriods returns csv with the periods of unit id moved by offset.
func farPeriods(t *testing.T, csv, id string, offset int) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(csv, "\n"), "\n")
	header := strings.Split(lines[0], ",")
	idCol, timeCol := slices.Index(header, "id"), slices.Index(header, "t")
	for i, line := range lines[1:] {
		cells := strings.Split(line, ",")
		if cells[idCol] != id {
			continue
		}
		period, err := strconv.Atoi(cells[timeCol])
		if err != nil {
			t.Fatal(err)
		}
		cells[timeCol] = strconv.Itoa(period + offset)
		lines[i+1] = strings.Join(cells, ",")
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestBadInput: every bad input stops with an error that wraps its
// sentinel and names the problem.
func TestBadInput(t *testing.T) {
	base := Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"}, GridNum: 5}
	balanced := csvOf(t, 60, 5, -1)
	with := func(f func(*Spec)) Spec { s := base; f(&s); return s }
	cases := []struct {
		name string
		csv  string
		spec Spec
		err  error
		msg  string
	}{
		{"unbalanced", csvOf(t, 60, 5, 7), base, panel.ErrUnbalanced, `unit "2" lacks 3`},
		{"gap in periods", strings.ReplaceAll(csvOf(t, 60, 5, -1), ",3,", ",9,"), base, panel.ErrUnbalanced, "between 2 and 4"},
		{"periods far apart", farPeriods(t, csvOf(t, 60, 5, -1), "60", 1<<31), with(func(s *Spec) { s.Unbalanced = true }),
			panel.ErrUnbalanced, "span 2147483653 periods, of which 10 are observed"},
		{"too few periods (dynamic)", csvOf(t, 60, 2, -1), base, ErrTooFewPeriods, "start in period 3 of the panel, which has 2"},
		{"too few instruments", csvOf(t, 60, 2, -1), with(func(s *Spec) { s.Endo = nil; s.Static = true; s.Indep = []string{"x", "w"} }),
			ErrIdentification, "instruments for 6 parameters"},
		{"more instruments than units", csvOf(t, 15, 5, -1), base, ErrIdentification, "need more than 18 units"},
		{"singular weight matrix", balanced, with(func(s *Spec) { s.Exog = []string{"w"}; s.Inst = []string{"w/1"} }),
			ErrSingular, "first-step weight matrix"},
		{"grid above the support", balanced, with(func(s *Spec) { s.Gammas = []float64{0, 1e6} }), ErrGrid, "grid point 1e+06 of q"},
		{"grid below the support", balanced, with(func(s *Spec) { s.Gammas = []float64{-1e6} }), ErrGrid, "one regime"},
		{"trim", balanced, with(func(s *Spec) { s.Trim = 1 }), ErrSpec, "trim 1"},
		{"grid size", balanced, with(func(s *Spec) { s.GridNum = -1 }), ErrSpec, "grid of -1 points"},
		{"h0", balanced, with(func(s *Spec) { s.H0 = -1 }), ErrSpec, "h0 -1"},
		{"bootstrap", balanced, with(func(s *Spec) { s.Bootstrap = 7 }), ErrSpec, "unknown bootstrap 7"},
		{"depvar among regressors", balanced, with(func(s *Spec) { s.Indep = []string{"y"} }), ErrSpec, `"y" appears in both depvar and indep`},
		{"repeated instrument", balanced, with(func(s *Spec) { s.Exog = []string{"w"}; s.Inst = []string{"w"} }), ErrSpec, "both exog and inst"},
		{"no threshold variable", balanced, with(func(s *Spec) { s.Qx = "" }), ErrSpec, "threshold variable is required"},
		{"unknown column", balanced, with(func(s *Spec) { s.Indep = []string{"z"} }), panel.ErrUnknownColumn, `"z"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pr, err := Prepare(readCSV(t, c.csv), c.spec)
			if err == nil {
				_, err = pr.Estimate(context.Background())
			}
			if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v, want %v containing %q", err, c.err, c.msg)
			}
		})
	}
}
