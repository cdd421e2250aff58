package panel

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func build(t *testing.T, csv string, terms ...string) (*Panel, error) {
	t.Helper()
	return buildWith(t, csv, BuildOptions{}, terms...)
}

func buildWith(t *testing.T, csv string, opts BuildOptions, terms ...string) (*Panel, error) {
	t.Helper()
	var ts []Term
	for _, s := range terms {
		term, err := ParseTerm(s)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, term)
	}
	return buildBoth(t, []byte(csv), Layout{ID: "id", Time: "t"}, ts, opts)
}

// TestRowLines checks that each row's line in the file is recorded when
// asked for, through the sort by unit and period and DropUnitsBelow, and
// left nil otherwise.
func TestRowLines(t *testing.T) {
	csv := "id,t,x\n" +
		"b,2,3\nb,1,2\n" + // lines 2 and 3, unit b sorted after a
		"a,1,1\n" + // line 4: a unit of one row
		"c,1,5\nc,2,6\nc,3,7\n" // lines 5-7
	p, err := buildWith(t, csv, BuildOptions{Lines: true}, "x")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{4, 3, 2, 5, 6, 7}; !slices.Equal(p.Line, want) {
		t.Errorf("lines %v, want %v", p.Line, want)
	}
	if dropped := p.DropUnitsBelow(2); !slices.Equal(dropped, []string{"a"}) {
		t.Errorf("dropped units %v, want [a]", dropped)
	}
	if want := []int32{3, 2, 5, 6, 7}; !slices.Equal(p.Line, want) || !slices.Equal(p.Values[0], []float64{2, 3, 5, 6, 7}) {
		t.Errorf("after dropping a: lines %v, x %v", p.Line, p.Values[0])
	}
	p, err = build(t, csv, "x")
	if err != nil {
		t.Fatal(err)
	}
	if p.Line != nil || p.DropUnitsBelow(2) == nil || p.Line != nil || p.Len() != 5 {
		t.Errorf("without Lines: lines %v, %d rows", p.Line, p.Len())
	}
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

// TestDropMissing checks listwise deletion: a row is dropped when a cell it
// needs is missing, counted per column, and a lag reads its period's cell
// whatever the rest of that period's row holds (Stata's rule).
func TestDropMissing(t *testing.T) {
	csv := "id,t,x,y\n" +
		"1,1,1,10\n1,2,2,NA\n1,3,3,30\n1,4,.,40\n1,5,5,50\n" +
		"2,1,1,1\n2,2,2,2\n,3,3,3\n2,NaN,4,4\n"
	p, err := buildWith(t, csv, BuildOptions{DropMissing: true}, "y", "L.x")
	if err != nil {
		t.Fatal(err)
	}
	// Period 3 of unit 1 keeps L.x = 2 although y is missing at period 2;
	// period 5 loses L.x (x is missing at 4); period 4 does not use x.
	if !slices.Equal(p.Values[0], []float64{30, 40, 2}) || !slices.Equal(p.Values[1], []float64{2, 3, 1}) {
		t.Errorf("y = %v, L.x = %v", p.Values[0], p.Values[1])
	}
	want := []MissingCount{{"id", 1}, {"t", 1}, {"y", 1}, {"x", 1}}
	if !slices.Equal(p.Missing, want) || p.MissingRows != 4 || p.Dropped != 2 {
		t.Errorf("missing %v in %d rows, %d dropped for lags; want %v in 4 rows, 2", p.Missing, p.MissingRows, p.Dropped, want)
	}
	// Without the option the first missing cell is an error, as before.
	if _, err := build(t, csv, "y", "L.x"); !errors.Is(err, ErrMissingValue) || !strings.Contains(err.Error(), `unit column "id", line 9`) {
		t.Errorf("without DropMissing: %v", err)
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
		{"row names not 1..N", "\"\",id,t\n\"1\",1,1\n\"3\",1,2\n", ErrHeader,
			`column 1 has an empty name and is not R's row names 1..N (line 3 holds "3", not 2); name it`},
		{"empty name after row names", "\"\",id,,x\n1,1,1,2\n", ErrHeader, "column 3 has an empty name"},
		{"ragged row", "id,t,x\n1,1\n", ErrFormat, "wrong number of fields"},
		{"not UTF-8", "id,t,x\n1,1,\xff\n", ErrFormat, "UTF-8"},
		{"NUL bytes", "\x00\x00\x00", ErrFormat, "line 1 holds a NUL byte: the file is not text (CSV)"},
		{"a NUL byte in an unused cell", "id,t,x\n1,1,2\n1,2,\x00\n", ErrFormat, "line 3 holds a NUL byte"},
	}
	for _, c := range cases {
		_, err := ReadCSV(strings.NewReader(c.csv))
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}
	// R's row names are skipped with a note.
	tab, err := ReadCSV(strings.NewReader("\"\",\"id\",\"t\"\n\"1\",\"a\",1\n\"2\",\"a\",2\n"))
	if err != nil || !slices.Equal(tab.Columns(), []string{"id", "t"}) ||
		!slices.Equal(tab.Notes(), []string{"the unnamed first column (R's row names 1..N) is ignored"}) {
		t.Fatalf("R's row names: %v", err)
	}
	if ids, _ := tab.Strings("id"); !slices.Equal(ids, []string{"a", "a"}) {
		t.Errorf("R's row names: id = %v", ids)
	}
	// A byte-order mark and spaces around fields are ignored.
	tab, err = ReadCSV(strings.NewReader("\xef\xbb\xbfid, t ,x\n1, 2 ,3\n"))
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
		{"bad period", "id,t,x\n1,1.5,2\n", []string{"x"}, ErrBadPeriod, `time column "t", line 2: "1.5": not an integer`},
		{"huge period", "id,t,x\n1,-9223372036854775808,2\n", []string{"x"}, ErrBadPeriod, "|t| < 10^15"},
		{"hex cell", "id,t,x\n1,1,0x1p3\n", []string{"x"}, ErrNotNumeric, `"0x1p3" is not a finite number in decimal or scientific notation`},
		{"duplicate", "id,t,x\n1,2,1\n2,1,1\n1,2.0,1\n", []string{"x"}, ErrDuplicate, `unit "1", period 2 appears on lines 2 and 4`},
		{"missing unit", "id,t,x\n,1,2\n", []string{"x"}, ErrMissingValue, `unit column "id", line 2`},
		{"unknown id column", "unit,t,x\n1,1,2\n", []string{"x"}, ErrUnknownColumn, `unknown column "id"`},
		{"division by zero", "id,t,x\n1,1,0\n", []string{"1/x"}, ErrNotFinite, `"1/x" is +Inf (beyond float64's range, about 1.8e308: an overflow or a division by 0) at line 2`},
		{"no row with lags", "id,t,x\n1,1,2\n2,1,3\n", []string{"L.x"}, ErrTooFewRows, "no row has every lag"},
	}
	for _, c := range cases {
		_, err := build(t, c.csv, c.terms...)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
		// Only an absent base level lies in the option, not in the data.
		if option := c.name == "absent base"; errors.Is(err, ErrOption) != option {
			t.Errorf("%s: errors.Is(err, ErrOption) is %v, want %v", c.name, !option, option)
		}
	}
}

// TestBuildWithErrors checks the messages of factor variables and
// functions.
func TestBuildWithErrors(t *testing.T) {
	factors := BuildOptions{Factors: true}
	cases := []struct {
		name, csv string
		opts      BuildOptions
		terms     []string
		is        error
		msg       string
	}{
		{"ln of 0", "id,t,x\n1,1,0\n", factors, []string{"ln(x)"}, ErrNotFinite,
			`"ln(x)" is -Inf (ln and log need a positive argument, sqrt a non-negative one) at line 2 (unit "1", period 1)`},
		{"sqrt of -1", "id,t,x\n1,1,1\n1,2,-1\n", factors, []string{"sqrt(x)"}, ErrNotFinite, `"sqrt(x)" is NaN (ln and log need`},
		{"exp overflow", "id,t,x\n1,1,1\n", factors, []string{"exp(x*1000)"}, ErrNotFinite,
			`"exp(x*1000)" is +Inf (beyond float64's range, about 1.8e308: an overflow, as exp of a large value`},
		{"product overflow", "id,t,x\n1,1,1e300\n", factors, []string{"x*x/(x*x)"}, ErrNotFinite, `"x*x/(x*x)" is NaN (an overflow met another`},
		{"factor not allowed", "id,t,x\n1,1,1\n", BuildOptions{}, []string{"i.x"}, ErrSyntax, `"i.x": factor variables are not supported by this model`},
		{"fractional level", "id,t,x\n1,1,1.5\n", factors, []string{"i.x"}, ErrFactorLevel,
			`invalid factor level: the factor variable "i.x" has the level 1.5, not an integer below 10^15 in absolute value at line 2`},
		{"absent base", "id,t,x\n1,1,1\n1,2,2\n", factors, []string{"ib3.x"}, ErrFactorLevel,
			`invalid factor level: the base level 3 of "ib3.x" does not occur in the estimation sample (its levels are 1, 2)`},
		{"division by zero in parentheses", "id,t,x\n1,1,0\n", factors, []string{"1/(2*x)"}, ErrNotFinite, `"1/(2*x)" is +Inf (beyond float64's range, about 1.8e308: an overflow or a division by 0) at line 2`},
		{"everything missing", "id,t,x\n1,1,NA\n", BuildOptions{DropMissing: true}, []string{"x"}, ErrTooFewRows,
			"(0 rows dropped for lags, 1 for missing values)"},
	}
	for _, c := range cases {
		_, err := buildWith(t, c.csv, c.opts, c.terms...)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
		// Only an absent base level lies in the option, not in the data.
		if option := c.name == "absent base"; errors.Is(err, ErrOption) != option {
			t.Errorf("%s: errors.Is(err, ErrOption) is %v, want %v", c.name, !option, option)
		}
	}
}

// TestFactors checks the indicators of i.x and ib#.x: levels of the
// estimation sample (after lags), the lowest or the given base omitted,
// named as Stata names them, with the source term of every column.
func TestFactors(t *testing.T) {
	csv := "id,t,x\n1,2001,5\n1,2002,6\n1,2003,7\n2,2001,1\n2,2002,2\n2,2003,4\n"
	p, err := buildWith(t, csv, BuildOptions{Factors: true}, "L.x", "i.t", "x")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, term := range p.Terms {
		names = append(names, term.Name)
	}
	// L.x drops 2001, so 2002 is the base.
	if !slices.Equal(names, []string{"L.x", "2003.t", "x"}) || !slices.Equal(p.Source, []int{0, 1, 2}) {
		t.Fatalf("terms %v from %v", names, p.Source)
	}
	if !slices.Equal(p.Values[1], []float64{0, 1, 0, 1}) {
		t.Errorf("2003.t = %v", p.Values[1])
	}
	p, err = buildWith(t, csv, BuildOptions{Factors: true}, "ib2002.t", "i.id")
	if err != nil {
		t.Fatal(err)
	}
	names = names[:0]
	for _, term := range p.Terms {
		names = append(names, term.Name)
	}
	if !slices.Equal(names, []string{"2001.t", "2003.t", "2.id"}) || !slices.Equal(p.Source, []int{0, 0, 1}) {
		t.Fatalf("terms %v from %v", names, p.Source)
	}
	if !slices.Equal(p.Values[0], []float64{1, 0, 0, 1, 0, 0}) || !slices.Equal(p.Values[2], []float64{0, 0, 0, 1, 1, 1}) {
		t.Errorf("2001.t = %v, 2.id = %v", p.Values[0], p.Values[2])
	}
}

// TestFactorsAfterDroppedUnits checks that a level observed only in a unit
// that MinUnitRows drops gets no indicator, and neither does a base level
// that such a unit alone had.
func TestFactorsAfterDroppedUnits(t *testing.T) {
	csv := "id,t,x\n1,2,1\n1,3,2\n2,2,3\n2,3,4\n3,1,5\n4,9,6\n"
	p, err := buildWith(t, csv, BuildOptions{Factors: true, MinUnitRows: 2}, "x", "i.t")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Terms) != 2 || p.Terms[1].Name != "3.t" || !slices.Equal(p.DroppedUnits, []string{"3", "4"}) || !slices.Equal(p.Units, []string{"1", "2"}) {
		t.Errorf("terms %v, dropped units %v, units %v", p.Terms, p.DroppedUnits, p.Units)
	}
	// Every unit dropped: no rows and no indicator, for the caller to refuse.
	p, err = buildWith(t, "id,t,x\n1,1,1\n2,2,2\n", BuildOptions{Factors: true, MinUnitRows: 2}, "x", "i.t")
	if err != nil || p.Len() != 0 || len(p.Terms) != 1 {
		t.Errorf("every unit dropped: %v, %d rows, terms %v", err, p.Len(), p.Terms)
	}
}

// TestLeadsAndDifferences checks F. and D. on a panel with a gap: a lead
// exists only when the unit is observed exactly k periods later.
func TestLeadsAndDifferences(t *testing.T) {
	csv := "id,t,x\n1,1,1\n1,2,4\n1,3,9\n1,5,25\n1,6,36\n"
	p, err := build(t, csv, "x", "F.x", "D.x", "FD.x")
	if err != nil {
		t.Fatal(err)
	}
	// Only period 2 has periods 1 and 3 around it.
	want := map[string][]float64{"x": {4}, "F.x": {9}, "D.x": {3}, "FD.x": {5}}
	for name, w := range want {
		if got, _ := p.Column(name); !slices.Equal(got, w) {
			t.Errorf("%s = %v, want %v (periods %v)", name, got, w, p.Period)
		}
	}
	// F3.x exists at periods 2 and 3 (reading 5 and 6), not at 1 (4 is absent).
	p, err = build(t, csv, "F3.x")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Period, []int{2, 3}) || !slices.Equal(p.Values[0], []float64{25, 36}) || p.Dropped != 3 {
		t.Errorf("F3.x = %v at periods %v, %d dropped", p.Values[0], p.Period, p.Dropped)
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

// TestReadCSVBlocks reads tables of several blocks whose cells are short
// (two-byte offsets) and long (blocks beyond 64 KiB of text, four-byte
// offsets), cells of every length from empty up, and gets every cell back.
func TestReadCSVBlocks(t *testing.T) {
	for _, width := range []int{3, 200} {
		var b strings.Builder
		b.WriteString("id,t,x\n")
		want := make([]string, 10_000)
		for r := range want {
			want[r] = strings.Repeat("7", r%width)
			fmt.Fprintf(&b, "%d,%d,%s\n", r/10, r%10, want[r])
		}
		tab, err := ReadCSV(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := tab.Strings("x")
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("cells of up to %d bytes: read back differently (%v)", width-1, err)
		}
		if ids, err := tab.Strings("id"); err != nil || ids[len(ids)-1] != "999" {
			t.Errorf("cells of up to %d bytes: last id %v (%v)", width-1, ids[len(ids)-1], err)
		}
	}
}

// TestReadCSVKeep checks that a table keeps only the columns asked for,
// still checks every row, and refuses unknown names with a short message.
func TestReadCSVKeep(t *testing.T) {
	csv := "id,t,x,junk\n1,1,2,a\n1,2,3,b\n"
	tab, err := ReadCSV(strings.NewReader(csv), "x", "id", "x")
	if err != nil {
		t.Fatal(err)
	}
	if x, err := tab.Numbers("x"); err != nil || len(x) != 2 || x[1] != 3 {
		t.Errorf("x = %v, %v", x, err)
	}
	if id, err := tab.Strings("id"); err != nil || id[0] != "1" {
		t.Errorf("id = %v, %v", id, err)
	}
	if _, err := tab.Strings("junk"); !errors.Is(err, ErrUnknownColumn) || !strings.Contains(err.Error(), "not among those read") {
		t.Errorf("a column not kept: %v", err)
	}
	if !tab.Has("junk") {
		t.Error("Has: the file has the column junk")
	}
	if _, err := ReadCSV(strings.NewReader("id,t,x\n1,1\n"), "x"); !errors.Is(err, ErrFormat) {
		t.Errorf("a ragged row outside the kept columns: %v", err)
	}
	if _, err := ReadCSV(strings.NewReader("id,t,x\n1,1,\xff\n"), "id"); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), `line 2, column "x"`) {
		t.Errorf("bad UTF-8 outside the kept columns: %v", err)
	}

	// A header of a million columns: the error lists ten and counts the rest.
	var header strings.Builder
	for i := range 1_000_000 {
		if i > 0 {
			header.WriteByte(',')
		}
		header.WriteString("v" + strconv.Itoa(i))
	}
	wide := header.String() + "\n" + strings.Repeat("1,", 999_999) + "1\n"
	_, err = ReadCSV(strings.NewReader(wide), "v0", "y")
	if !errors.Is(err, ErrUnknownColumn) || len(err.Error()) > 200 || !strings.Contains(err.Error(), "v9, ... and 999,990 more") {
		t.Errorf("unknown column of a wide file: %.300v", err)
	}
}

// TestLines checks the line numbers in messages when a quoted field spans
// lines and blank lines are skipped.
func TestLines(t *testing.T) {
	cases := []struct{ csv, msg string }{
		{"id,t,x\n1,1,2\n1,2,oops\n", `column "x", line 3: "oops" is`},
		{"id,t,x\n1,1,\"2\n\"\n\n1,2,oops\n", `column "x", line 5: "oops" is`},
		{"id,t,x\n\n1,1,oops\n1,2,3\n", `column "x", line 3: "oops" is`},
		{"id,t,x\n1,1,1\n1,2," + strings.Repeat("9", 100) + "x\n", `line 3: "` + strings.Repeat("9", 40) + `..." is`},
	}
	for _, c := range cases {
		_, err := build(t, c.csv, "x")
		if !errors.Is(err, ErrNotNumeric) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: error %v, want %q", c.csv, err, c.msg)
		}
	}
}

// TestUnitOrder checks that units are in numeric order only when every
// label is a canonical integer, and in string order otherwise, whatever the
// order of rows.
func TestUnitOrder(t *testing.T) {
	cases := []struct {
		labels []string
		want   []string
	}{
		{[]string{"10", "9", "-1"}, []string{"-1", "9", "10"}},
		{[]string{"10", "9", "01"}, []string{"01", "10", "9"}},
		{[]string{"1", "01", "+1"}, []string{"+1", "01", "1"}},
		{[]string{"b", "a", "2"}, []string{"2", "a", "b"}},
	}
	for _, c := range cases {
		for _, rows := range [][]string{c.labels, {c.labels[2], c.labels[1], c.labels[0]}} {
			csv := "id,t,x\n"
			for _, l := range rows {
				csv += l + ",1,1\n"
			}
			p, err := build(t, csv, "x")
			if err != nil || !slices.Equal(p.Units, c.want) {
				t.Errorf("labels %v: units %v, %v; want %v", rows, p.Units, err, c.want)
			}
		}
	}
}

func TestCheckCSV(t *testing.T) {
	cases := []struct {
		csv string
		is  error
	}{
		{"id,t,x\n1,1,2\n", nil},
		{"id,t,x\n1,1,not a number\n", nil}, // cells are parsed by Build
		{"", ErrEmpty},
		{"id,t,x\n1,1\n", ErrFormat},
		{"id,t,t\n1,1,1\n", ErrHeader},
	}
	for _, c := range cases {
		if err := CheckCSV(strings.NewReader(c.csv)); !errors.Is(err, c.is) || (err == nil) != (c.is == nil) {
			t.Errorf("%q: error %v, want %v", c.csv, err, c.is)
		}
	}
}

// TestGapRows checks that a row dropped for a missing period leaves a gap
// whose next row loses its lag and is counted in GapRows, while the rows
// without a lag at the start of a unit are not.
func TestGapRows(t *testing.T) {
	csv := "id,t,x\n1,1,1\n1,,2\n1,3,3\n1,4,4\n2,1,5\n2,2,6\n2,3,7\n"
	p, err := buildWith(t, csv, BuildOptions{DropMissing: true}, "L.x")
	if err != nil {
		t.Fatal(err)
	}
	if p.MissingRows != 1 || p.Dropped != 3 || p.GapRows != 1 || len(p.Unit) != 3 {
		t.Errorf("missing %d, dropped for lags %d, of them after a gap %d, rows kept %d; want 1, 3, 1, 3",
			p.MissingRows, p.Dropped, p.GapRows, len(p.Unit))
	}
}

// TestRepeatedTermSharesValues: a term given twice (a threshold variable
// that is also a regressor) is evaluated once, its columns one slice, also
// after units are dropped.
func TestRepeatedTermSharesValues(t *testing.T) {
	p, err := buildWith(t, "id,t,x\n1,1,1\n1,2,2\n2,1,5\n3,1,7\n3,2,8\n3,3,9\n", BuildOptions{MinUnitRows: 2}, "L.x", "x", "L.x")
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{7, 8} // units 1 and 2 keep one row each: dropped
	if !slices.Equal(p.Values[0], want) || !slices.Equal(p.Values[2], want) || &p.Values[0][0] != &p.Values[2][0] {
		t.Errorf("L.x given twice: %v and %v, want %v in one slice", p.Values[0], p.Values[2], want)
	}
}

// TestPeriods checks the distinct periods against a sorted copy, through
// the bitmap of their span (short spans, gaps, negative periods, a word's
// edges) and through the sort (a span beyond 64 times the rows).
func TestPeriods(t *testing.T) {
	for _, periods := range [][]int{
		{1990, 1988, 1990, 1989, 1988},
		{-3, 5, -3, 0, 60, 61, 63, 64, 127, 128},
		{7},
		{1, 999999999999999, -999999999999999, 1},
	} {
		want := slices.Compact(slices.Sorted(slices.Values(periods)))
		if got := (&Panel{Period: periods}).Periods(); !slices.Equal(got, want) {
			t.Errorf("Periods of %v = %v, want %v", periods, got, want)
		}
	}
}
