package panel

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadCSV reads arbitrary bytes as a CSV panel and compares the table
// with the reference reader and number parser of reference_test.go: the
// same failure, columns, rows, lines and cells, and for every cell the
// same number and period. It then builds the columns of every header
// column, plain and lagged, with and without listwise deletion, from this
// table and from one of ReadSchema: errors are fine, panics are not, both
// tables give the same panel or error (buildBoth), and a built panel holds
// only finite numbers in sorted rows.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("id,t,x\n1,1,2\n1,2,3\n2,1,4\n2,2,5\n"))
	f.Add([]byte("\xef\xbb\xbfid,t,x,y\na,1974,1e3,NA\na,1975,.,2\n"))
	f.Add([]byte("id,t\n\"1\",\"2\"\n"))
	f.Add([]byte("id,t,x\n1,1.0,2\n1,1,3\n"))
	f.Add([]byte("id,t,x\n1,0x1p3,1_000\n\n1,\"2\n\",Inf\n"))
	f.Add([]byte("\"\",\"id\",\"t\",\"x\"\n\"1\",\"a\",1,NA\n\"2\",\"a\",2,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadCSV(bytes.NewReader(data))
		ref, refErr := refRead(data)
		// Both fail, and for the same reason unless the file is not UTF-8
		// or holds a NUL byte (the reference checks those first, ReadCSV
		// field by field and as it streams, so an earlier line's error may
		// come first).
		text := utf8.Valid(data) && bytes.IndexByte(data, 0) < 0
		if (err == nil) != (refErr == nil) || err != nil && text && !errors.Is(err, refErr) {
			t.Fatalf("ReadCSV: %v; the reference: %v", err, refErr)
		}
		if err != nil {
			return
		}
		compareTable(t, tab, ref)
		var terms []Term
		for _, c := range tab.Columns() {
			for _, s := range []string{c, "L." + c, c + "^2", "D." + c, "F." + c, "i." + c} {
				if term, err := ParseTerm(s); err == nil {
					terms = append(terms, term)
				}
			}
		}
		cols := tab.Columns()
		if len(cols) < 2 {
			return
		}
		layout := Layout{ID: cols[0], Time: cols[1]}
		buildBoth(t, data, layout, terms, BuildOptions{Factors: true})
		p, err := buildBoth(t, data, layout, terms, BuildOptions{Factors: true, DropMissing: true, MinUnitRows: 2})
		if err != nil {
			return
		}
		for r := 1; r < p.Len(); r++ {
			if p.Unit[r] < p.Unit[r-1] || p.Unit[r] == p.Unit[r-1] && p.Period[r] <= p.Period[r-1] {
				t.Fatalf("rows out of order at %d", r)
			}
		}
		for _, col := range p.Values {
			for _, v := range col {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatal("a built column holds a non-finite value")
				}
			}
		}
		p.CheckBalanced()
		p.DropUnitsBelow(2)
	})
}

// FuzzParseTerm parses arbitrary variable-list terms: a parsed term must
// print back as its name and evaluate without panicking.
func FuzzParseTerm(f *testing.F) {
	for _, s := range []string{"x", "L.q^2", "(L.q)^3", "L.q*L.d", "L2.x/100", "((x))", "l.x*2.5e-3",
		"D.x", "L2D.x", "F.x", "D2L.x", "i.year", "ib2009.year", "ln(x)", "sqrt(abs(L.x))*exp(D.y)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		term, err := ParseTerm(s)
		if err != nil {
			return
		}
		if term.String() == "" {
			t.Fatal("a parsed term has no name")
		}
		again, err := ParseTerm(term.Name)
		if err != nil || again.Name != term.Name {
			t.Fatalf("the name %q of a parsed term does not parse back: %v", term.Name, err)
		}
		term.Eval(func(Ref) float64 { return 1.5 })
	})
}

// FuzzParseList parses arbitrary variable lists: a parsed list has one term
// per comma-separated part, and the names joined by commas parse back to
// the same names.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{"", "x", "L.q,L.q^2,L.q^3,L.d,L.q*L.d", " x , L2.y ", "x,,y", "a,(b", "L.q*L.d,c^2",
		"i.year,D.x,F2.y", "ib3.t, log(L.x)^2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := ParseList(s)
		if err != nil {
			return
		}
		if strings.TrimSpace(s) != "" && len(terms) != strings.Count(s, ",")+1 {
			t.Fatalf("%q parsed into %d terms", s, len(terms))
		}
		names := make([]string, len(terms))
		for i, term := range terms {
			names[i] = term.Name
		}
		again, err := ParseList(strings.Join(names, ","))
		if err != nil || len(again) != len(terms) {
			t.Fatalf("the names %q do not parse back: %v", names, err)
		}
		for i := range again {
			if again[i].Name != names[i] {
				t.Fatalf("term %d: %q parsed back as %q", i, names[i], again[i].Name)
			}
		}
	})
}

// compareTable compares a table with the reference's, cell by cell.
func compareTable(t *testing.T, tab *Table, ref *refTable) {
	t.Helper()
	if !slices.Equal(tab.Columns(), ref.header) || tab.Len() != len(ref.rows) {
		t.Fatalf("columns %q, %d rows; the reference: %q, %d rows", tab.Columns(), tab.Len(), ref.header, len(ref.rows))
	}
	for j, name := range ref.header {
		cells, err := tab.Strings(name)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := tab.column(name)
		for r, row := range ref.rows {
			if tab.Line(r) != ref.lines[r] || cells[r] != row[j] {
				t.Fatalf("row %d, column %q: %q on line %d; the reference: %q on line %d", r, name, cells[r], tab.Line(r), row[j], ref.lines[r])
			}
			compareCell(t, cells[r])
			if _, err := tab.number(c, name, r); err != nil && !strings.Contains(err.Error(), fmt.Sprintf("line %d", ref.lines[r])) {
				t.Fatalf("the message %q does not name line %d", err, ref.lines[r])
			}
		}
	}
	// The last column alone: the same cells.
	last := ref.header[len(ref.header)-1]
	again, err := ReadCSV(strings.NewReader(tableCSV(ref)), last)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := tab.Strings(last)
	if got, _ := again.Strings(last); !slices.Equal(got, want) {
		t.Fatalf("column %q read alone: %q, with the others: %q", last, got, want)
	}
}

// tableCSV writes the reference's table back as CSV, every field quoted
// (so that a row of one empty field is not a blank line).
func tableCSV(ref *refTable) string {
	var b strings.Builder
	for _, rec := range append([][]string{ref.header}, ref.rows...) {
		for i, f := range rec {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strings.ReplaceAll(f, `"`, `""`) + `"`)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// compareCell compares the number and the period a cell parses into with
// the reference's.
func compareCell(t *testing.T, s string) {
	t.Helper()
	compareNumber(t, s)
	comparePeriod(t, s)
}

func compareNumber(t *testing.T, s string) {
	t.Helper()
	v, err := parseNumber(s)
	want, kind := refNumber(s)
	if kindOf(err, ErrNotNumeric) != kind || err == nil && v != want {
		t.Fatalf("parseNumber(%q) = %v, %v; the reference: %v, kind %d", s, v, err, want, kind)
	}
}

func comparePeriod(t *testing.T, s string) {
	t.Helper()
	p, err := parsePeriod(s)
	want, kind := refPeriod(s)
	if kindOf(err, ErrBadPeriod) != kind || err == nil && p != want {
		t.Fatalf("parsePeriod(%q) = %v, %v; the reference: %v, kind %d", s, p, err, want, kind)
	}
}

// kindOf classifies a parse error as the reference does.
func kindOf(err, bad error) refKind {
	switch {
	case err == nil:
		return refOK
	case errors.Is(err, ErrMissingValue):
		return refMissingValue
	case errors.Is(err, bad):
		return refBad
	}
	return -1
}

// FuzzParseNumber compares parseNumber with the reference parser.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1.5", "-.5e-3", "0x1p3", "1_000", "Inf", "1e309", "4.9e-324", "NA"} {
		f.Add(s)
	}
	f.Fuzz(compareNumber)
}

// FuzzParsePeriod compares parsePeriod with the reference parser.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"1974", "1974.0", "1.974e3", "1974.0000000000001", "1e15", "-0", "0x7b6p0"} {
		f.Add(s)
	}
	f.Fuzz(comparePeriod)
}
