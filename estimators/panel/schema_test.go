package panel

import (
	"bytes"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
)

// buildBoth builds terms on CSV text read twice, with ReadCSV (every
// column's text: the reference) and with ReadSchema (the columns the terms
// use, parsed as the rows stream in), fails unless both give the same
// error or the same panel, bit for bit, and returns the reference's.
func buildBoth(t testing.TB, csv []byte, layout Layout, terms []Term, opts BuildOptions) (*Panel, error) {
	t.Helper()
	ref, err := ReadCSV(bytes.NewReader(csv))
	var want *Panel
	if err == nil {
		want, err = BuildWith(ref, layout, terms, opts)
	}
	tab, errSchema := ReadSchema(bytes.NewReader(csv), SchemaOf(layout, terms))
	var got *Panel
	if errSchema == nil {
		got, errSchema = BuildWith(tab, layout, terms, opts)
	}
	if (err == nil) != (errSchema == nil) || err != nil && err.Error() != errSchema.Error() {
		t.Fatalf("ReadCSV, then Build: %v\nReadSchema, then Build: %v", err, errSchema)
	}
	if err != nil {
		return nil, err
	}
	if field := panelDiff(got, want); field != "" {
		t.Fatalf("ReadSchema, then Build: the panel's %s differs from ReadCSV's", field)
	}
	return want, nil
}

// panelDiff names the first field in which two panels differ, values
// compared bit for bit and terms by name (they hold functions); "" if none.
func panelDiff(a, b *Panel) string {
	if len(a.Values) != len(b.Values) || len(a.Terms) != len(b.Terms) {
		return "number of columns"
	}
	for i := range a.Values {
		if a.Terms[i].Name != b.Terms[i].Name {
			return "Terms"
		}
		if len(a.Values[i]) != len(b.Values[i]) {
			return "Values"
		}
		for r, v := range a.Values[i] {
			if math.Float64bits(v) != math.Float64bits(b.Values[i][r]) {
				return "Values"
			}
		}
	}
	x, y := *a, *b
	x.Values, y.Values, x.Terms, y.Terms = nil, nil, nil, nil
	v, w := reflect.ValueOf(x), reflect.ValueOf(y)
	for i := range v.NumField() {
		if !reflect.DeepEqual(v.Field(i).Interface(), w.Field(i).Interface()) {
			return v.Type().Field(i).Name
		}
	}
	return ""
}

// TestReadSchemaBuildsAsReadCSV builds models on Hansen's data and on
// files with bad, missing and unknown cells both ways (buildBoth): the
// same panels and the same messages.
func TestReadSchemaBuildsAsReadCSV(t *testing.T) {
	hansen, err := os.ReadFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	xthreg, err := os.ReadFile("../../testdata/hansen1999/hansen1999_xthreg.csv")
	if err != nil {
		t.Fatal(err)
	}
	idT := Layout{ID: "id", Time: "t"}
	for _, c := range []struct {
		name    string
		csv     []byte
		layout  Layout
		terms   string
		opts    BuildOptions
		wantErr string // a part of the message; empty for a panel
	}{
		{"hansen", hansen, Layout{ID: "id", Time: "year"}, "i,L.q,L.q^2,L.q^3,L.d,L.q*L.d,L.c,L.d", BuildOptions{}, ""},
		{"hansen factors", hansen, Layout{ID: "id", Time: "year"}, "i,sqrt(abs(c)),F.q,D2.d,i.year", BuildOptions{Factors: true, MinUnitRows: 2}, ""},
		{"xthreg", xthreg, Layout{ID: "id", Time: "year"}, "i,q1,c1,d1,L.q1", BuildOptions{DropMissing: true}, ""},
		{"unit as a number", []byte("id,t,x\n1,1,2\n1,2,3\n2,1,4\n2,2,5\n"), idT, "x,id,t,L.x", BuildOptions{}, ""},
		{"string units", []byte("id,t,x\nb,1,2\na,2,3\nb,2,4\na,1,5\n"), idT, "x", BuildOptions{}, ""},
		{"missing dropped", []byte("id,t,x\n1,1,NA\n,2,3\n1,3,.\n2,NaN,5\n2,1,6\n2,2,7\n"), idT, "x,L.x", BuildOptions{DropMissing: true}, ""},
		{"missing unit", []byte("id,t,x\n1,1,2\nNA,2,3\n"), idT, "x", BuildOptions{}, "unit column \"id\", line 3: missing value"},
		{"missing period", []byte("id,t,x\n1,1,2\n1,null,3\n"), idT, "x", BuildOptions{}, "time column \"t\", line 3: \"null\": missing value"},
		{"bad period", []byte("id,t,x\n1,1.5,2\n1,2,3\n"), idT, "x", BuildOptions{DropMissing: true}, "\"1.5\": not an integer period"},
		{"bad number", []byte("id,t,x\n1,1,2\n1,2,0x1p3\n"), idT, "x", BuildOptions{DropMissing: true}, "\"0x1p3\" is not a finite number"},
		{"missing number", []byte("id,t,x\n1,1,2\n1,2,N/A\n"), idT, "L.x,x", BuildOptions{}, "column \"x\", line 3: missing value"},
		{"bad cell unused", []byte("id,t,x,y\n1,1,2,oops\n1,2,3,4\n"), idT, "x", BuildOptions{}, ""},
		{"unknown column", []byte("id,t,x\n1,1,2\n"), idT, "x,nope", BuildOptions{}, "unknown column \"nope\""},
		{"unknown unit column", []byte("id,t,x\n1,1,2\n"), Layout{ID: "firm", Time: "t"}, "x", BuildOptions{}, "unit column: unknown column \"firm\""},
		{"duplicate", []byte("id,t,x\n1,1,2\n1,1.0,3\n"), idT, "x", BuildOptions{}, "appears on lines 2 and 3"},
		{"unknown column before duplicate", []byte("id,t,x\n1,1,2\n1,1,3\n"), idT, "x,nope", BuildOptions{}, "unknown column \"nope\""},
		{"not finite", []byte("id,t,x\n1,1,-1\n1,2,3\n"), idT, "ln(x)", BuildOptions{}, "is NaN"},
		{"periods widened", []byte("id,t,x\n1,NA,1\n1,5,2\n1,6,3\n1,.,4\n1,-2147483600,5\n1,-2147483599,6\n2,999999999999998,7\n2,999999999999999,8\n2,NULL,9\n"),
			idT, "x,L.x", BuildOptions{DropMissing: true}, ""},
		{"bad period widened", []byte("id,t,x\n1,1,2\n1,-999999999999999,3\n1,1.5,4\n"), idT, "x", BuildOptions{}, "\"1.5\": not an integer period"},
	} {
		t.Run(c.name, func(t *testing.T) {
			terms, err := ParseList(c.terms)
			if err != nil {
				t.Fatal(err)
			}
			p, err := buildBoth(t, c.csv, c.layout, terms, c.opts)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatal(err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("got %v, want an error with %q", err, c.wantErr)
			case err == nil && p.Len() == 0:
				t.Fatal("an empty panel")
			}
		})
	}
}

// TestReadSchemaText checks that a table of ReadSchema keeps no text:
// Strings names the reason, and Numbers reads a parsed column.
func TestReadSchemaText(t *testing.T) {
	tab, err := ReadSchema(strings.NewReader("id,t,x\n1,1,2.5\n1,2,3\n"), Schema{"x": AsNumber})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Strings("x"); err == nil || !strings.Contains(err.Error(), "not read as text") {
		t.Fatalf("Strings: %v", err)
	}
	if _, err := tab.Strings("id"); err == nil || !strings.Contains(err.Error(), "not among those read") {
		t.Fatalf("Strings: %v", err)
	}
	if x, err := tab.Numbers("x"); err != nil || !reflect.DeepEqual(x, []float64{2.5, 3}) {
		t.Fatalf("Numbers: %v, %v", x, err)
	}
}

// TestPeriodColumn adds periods and the markers of missing and bad cells to
// a periodColumn and reads them back: within the 4-byte offsets' range (its
// edges included) and beyond it, before and after the offsets are widened.
func TestPeriodColumn(t *testing.T) {
	const base = 5
	markers := []int64{missingPeriod, missingPeriod + 7, badPeriod}
	for _, c := range []struct {
		name    string
		periods []int64
		wide    bool
	}{
		{"narrow", []int64{base, base + math.MaxInt32, base + narrowMin + 1, 0, -999}, false},
		{"above", []int64{base, base + 1, base + math.MaxInt32 + 1, base, -999999999999999}, true},
		{"below", []int64{base, base + narrowMin, 999999999999999, base + 2}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var col periodColumn
			var want []int64
			for _, m := range markers { // before the first period
				col.add(m)
				want = append(want, m)
			}
			for i, p := range c.periods {
				col.add(p)
				col.add(markers[i%len(markers)])
				want = append(want, p, markers[i%len(markers)])
			}
			for r, w := range want {
				if got := col.at(r); got != w {
					t.Errorf("row %d: %d, want %d", r, got, w)
				}
			}
			if (col.wide != nil) != c.wide {
				t.Errorf("widened %v, want %v", col.wide != nil, c.wide)
			}
		})
	}
}
