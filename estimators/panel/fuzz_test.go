package panel

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// FuzzReadCSV reads arbitrary bytes as a CSV panel and builds the columns of
// every header column, plain and lagged: errors are fine, panics are not,
// and a built panel holds only finite numbers in sorted rows.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("id,t,x\n1,1,2\n1,2,3\n2,1,4\n2,2,5\n"))
	f.Add([]byte("\xef\xbb\xbfid,t,x,y\na,1974,1e3,NA\na,1975,.,2\n"))
	f.Add([]byte("id,t\n\"1\",\"2\"\n"))
	f.Add([]byte("id,t,x\n1,1.0,2\n1,1,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		var terms []Term
		for _, c := range tab.Columns() {
			for _, s := range []string{c, "L." + c, c + "^2"} {
				if term, err := ParseTerm(s); err == nil {
					terms = append(terms, term)
				}
			}
		}
		cols := tab.Columns()
		if len(cols) < 2 {
			return
		}
		p, err := Build(tab, Layout{ID: cols[0], Time: cols[1]}, terms)
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
	for _, s := range []string{"x", "L.q^2", "(L.q)^3", "L.q*L.d", "L2.x/100", "((x))", "l.x*2.5e-3"} {
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
	for _, s := range []string{"", "x", "L.q,L.q^2,L.q^3,L.d,L.q*L.d", " x , L2.y ", "x,,y", "a,(b", "L.q*L.d,c^2"} {
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
