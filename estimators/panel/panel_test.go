package panel

import (
	"errors"
	"strings"
	"testing"
)

func build(t *testing.T, csv string, terms ...string) (*Panel, error) {
	t.Helper()
	tab, err := ReadCSV(strings.NewReader(csv))
	if err != nil {
		return nil, err
	}
	var ts []Term
	for _, s := range terms {
		term, err := ParseTerm(s)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, term)
	}
	return Build(tab, Layout{ID: "id", Time: "t"}, ts)
}

// TestLags checks Stata's lag semantics: rows without a lag are dropped,
// gaps in the periods break lags, rows are sorted by unit and period
// whatever the file order, and numeric unit labels sort numerically.
func TestLags(t *testing.T) {
	csv := "id,t,x\n" +
		"10,3,30\n10,1,10\n10,2,20\n" + // unit 10, unsorted rows
		"9,1,1\n9,2,2\n9,4,4\n9,5,5\n" // unit 9 has a gap at 3
	p, err := build(t, csv, "x", "L.x", "L2.x")
	if err != nil {
		t.Fatal(err)
	}
	// Unit 9 lacks period 3, so none of its rows has both lags; unit 10
	// keeps period 3.
	if p.Len() != 1 || p.Units[0] != "10" || p.Period[0] != 3 {
		t.Fatalf("rows %v of units %v, periods %v", p.Len(), p.Units, p.Period)
	}
	if p.Values[0][0] != 30 || p.Values[1][0] != 20 || p.Values[2][0] != 10 {
		t.Errorf("x, L.x, L2.x = %v %v %v", p.Values[0][0], p.Values[1][0], p.Values[2][0])
	}
	if p.Dropped != 6 {
		t.Errorf("dropped %d rows, want 6", p.Dropped)
	}
	q, err := build(t, csv, "x", "L.x")
	if err != nil {
		t.Fatal(err)
	}
	// Units sorted numerically: 9 before 10.
	if q.Units[0] != "9" || q.Units[1] != "10" {
		t.Errorf("units %v, want [9 10]", q.Units)
	}
	if got := q.UnitStarts(); len(got) != 3 || got[1] != 2 || got[2] != 4 {
		t.Errorf("unit starts %v, want [0 2 4]", got)
	}
}

// TestMissingOnlyWhereUsed checks that a bad cell matters only when a kept
// row uses it.
func TestMissingOnlyWhereUsed(t *testing.T) {
	csv := "id,t,x,y\n1,1,1,NA\n1,2,2,5\n1,3,3,6\n"
	if _, err := build(t, csv, "y"); !errors.Is(err, ErrMissingValue) || !strings.Contains(err.Error(), `column "y", line 2`) {
		t.Errorf("y used at line 2: error %v", err)
	}
	// L.x drops period 1, whose y is missing: no error.
	if _, err := build(t, csv, "y", "L.x"); err != nil {
		t.Errorf("missing y in a dropped row: %v", err)
	}
	// L.y at period 2 reads the missing y of period 1.
	if _, err := build(t, csv, "L.y"); !errors.Is(err, ErrMissingValue) {
		t.Errorf("L.y reads a missing cell: error %v", err)
	}
}

func TestReadCSVErrors(t *testing.T) {
	cases := []struct {
		name, csv string
		is        error
		msg       string
	}{
		{"empty file", "", ErrEmpty, "empty"},
		{"header only", "id,t,x\n", ErrEmpty, "no data rows"},
		{"duplicate column", "id,t,x,x\n1,1,2,3\n", ErrHeader, `"x" appears twice`},
		{"empty column name", "id,,x\n1,1,2\n", ErrHeader, "column 2 has an empty name"},
		{"ragged row", "id,t,x\n1,1\n", ErrFormat, "wrong number of fields"},
		{"not UTF-8", "id,t,x\n1,1,\xff\n", ErrFormat, "UTF-8"},
	}
	for _, c := range cases {
		_, err := ReadCSV(strings.NewReader(c.csv))
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}
	// A byte-order mark and spaces around fields are ignored.
	tab, err := ReadCSV(strings.NewReader("\xef\xbb\xbfid, t ,x\n1, 2 ,3\n"))
	if err != nil || !tab.Has("t") {
		t.Fatalf("BOM and spaces: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name, csv string
		terms     []string
		is        error
		msg       string
	}{
		{"bad period", "id,t,x\n1,1.5,2\n", []string{"x"}, ErrBadPeriod, `time column "t", line 2`},
		{"missing unit", "id,t,x\n,1,2\n", []string{"x"}, ErrMissingValue, `unit column "id", line 2`},
		{"unknown id column", "unit,t,x\n1,1,2\n", []string{"x"}, ErrUnknownColumn, `unknown column "id"`},
		{"division by zero", "id,t,x\n1,1,0\n", []string{"1/x"}, ErrNotFinite, `"1/x" is +Inf at line 2`},
		{"no row with lags", "id,t,x\n1,1,2\n2,1,3\n", []string{"L.x"}, ErrTooFewRows, "no row has every lag"},
	}
	for _, c := range cases {
		_, err := build(t, c.csv, c.terms...)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}
}

func TestCheckBalanced(t *testing.T) {
	p, err := build(t, "id,t,x\n1,1,1\n1,2,2\n1,3,3\n2,1,1\n2,3,3\n", "x")
	if err != nil {
		t.Fatal(err)
	}
	err = p.CheckBalanced()
	if !errors.Is(err, ErrUnbalanced) || !strings.Contains(err.Error(), `unit "2" lacks 2`) {
		t.Errorf("error %v", err)
	}
}

func TestDropUnitsBelow(t *testing.T) {
	p, err := build(t, "id,t,x\n1,1,1\n1,2,2\n2,1,5\n3,1,7\n3,2,8\n3,3,9\n", "x")
	if err != nil {
		t.Fatal(err)
	}
	dropped := p.DropUnitsBelow(2)
	if len(dropped) != 1 || dropped[0] != "2" {
		t.Fatalf("dropped %v, want [2]", dropped)
	}
	if p.Len() != 5 || len(p.Units) != 2 || p.Units[1] != "3" || p.Unit[4] != 1 || p.Values[0][2] != 7 {
		t.Errorf("after dropping: units %v, unit %v, x %v", p.Units, p.Unit, p.Values[0])
	}
}
