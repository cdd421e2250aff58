package panel

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseTerm(t *testing.T) {
	values := map[Ref]float64{{"q", 0}: 3, {"q", 1}: 2, {"d", 1}: 5, {"x", 2}: 7}
	lookup := func(r Ref) float64 { return values[r] }
	cases := []struct {
		in   string
		name string
		refs []Ref
		want float64
	}{
		{"q", "q", []Ref{{"q", 0}}, 3},
		{"L.q", "L.q", []Ref{{"q", 1}}, 2},
		{"l.q", "l.q", []Ref{{"q", 1}}, 2},
		{"L2.x", "L2.x", []Ref{{"x", 2}}, 7},
		{"L.q^2", "L.q^2", []Ref{{"q", 1}}, 4},
		{"(L.q)^3", "(L.q)^3", []Ref{{"q", 1}}, 8},
		{" L.q * L.d ", "L.q*L.d", []Ref{{"q", 1}, {"d", 1}}, 10},
		{"L.q^2/100", "L.q^2/100", []Ref{{"q", 1}}, 0.04},
		{"L.q*L.q*q", "L.q*L.q*q", []Ref{{"q", 1}, {"q", 0}}, 12},
		{"2*L.d", "2*L.d", []Ref{{"d", 1}}, 10},
		{"q*1e-5", "q*1e-5", []Ref{{"q", 0}}, 3e-5},
		{"q*2.5E+1", "q*2.5E+1", []Ref{{"q", 0}}, 75},
		{"q/1e2", "q/1e2", []Ref{{"q", 0}}, 0.03},
		{"q*.5", "q*.5", []Ref{{"q", 0}}, 1.5},
	}
	for _, c := range cases {
		term, err := ParseTerm(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if term.Name != c.name {
			t.Errorf("%q: name %q, want %q", c.in, term.Name, c.name)
		}
		refs := term.Refs()
		if len(refs) != len(c.refs) {
			t.Errorf("%q: refs %v, want %v", c.in, refs, c.refs)
		} else {
			for i := range refs {
				if refs[i] != c.refs[i] {
					t.Errorf("%q: refs %v, want %v", c.in, refs, c.refs)
				}
			}
		}
		if got := term.Eval(lookup); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%q = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseTermErrors(t *testing.T) {
	cases := map[string]string{
		"":        "empty term",
		"L.":      "expected a column name",
		"x^":      "exponent",
		"x^0":     "exponent",
		"x^2.5":   "unexpected",
		"(x":      "missing ')'",
		"x+y":     `unexpected "+y"`,
		"L9999.x": "out of range",
		"x*":      "unexpected end",
		"é":       `'é': a column name in a variable list uses the ASCII letters, digits and _ only`,
		"qé":      `position 2: 'é': a column name`,
		"L.é":     "position 3: 'é': a column name",
	}
	for in, msg := range cases {
		_, err := ParseTerm(in)
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", in, err, msg)
		}
	}
}

func TestParseList(t *testing.T) {
	terms, err := ParseList("L.q, L.q^2 ,L.q*L.d")
	if err != nil || len(terms) != 3 || terms[2].Name != "L.q*L.d" {
		t.Errorf("ParseList: %v, %v", terms, err)
	}
	if terms, err := ParseList("  "); err != nil || terms != nil {
		t.Errorf("empty list: %v, %v", terms, err)
	}
}
