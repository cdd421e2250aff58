package panel

import (
	"errors"
	"math"
	"slices"
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
		{"q/1E+2", "q/1E+2", []Ref{{"q", 0}}, 0.03},
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

// TestOperatorsAndFunctions evaluates time-series operators and functions
// on a column whose value k periods earlier is k^3 + 3 (k < 0 for leads).
func TestOperatorsAndFunctions(t *testing.T) {
	lookup := func(r Ref) float64 { k := float64(r.Lag); return k*k*k + 3 }
	cases := []struct {
		in   string
		lags []int // the lags of x read, in order of appearance
		want float64
	}{
		{"L0.x", []int{0}, 3},
		{"D.x", []int{0, 1}, 3 - 4},
		{"d.x", []int{0, 1}, 3 - 4},
		{"D2.x", []int{0, 1, 2}, (3 - 4) - (4 - 11)},
		{"LD.x", []int{1, 2}, 4 - 11},
		{"DL.x", []int{1, 2}, 4 - 11},
		{"L.D.x", []int{1, 2}, 4 - 11},
		{"L2D.x", []int{2, 3}, 11 - 30},
		{"F.x", []int{-1}, 2},
		{"f2.x", []int{-2}, -5},
		{"FD.x", []int{-1, 0}, 2 - 3},
		{"LF.x", []int{0}, 3},
		{"ln(x)", []int{0}, math.Log(3)},
		{"log(L.x)", []int{1}, math.Log(4)},
		{"exp(D.x)", []int{0, 1}, math.Exp(-1)},
		{"sqrt(L2.x)", []int{2}, math.Sqrt(11)},
		{"abs(F2.x)", []int{-2}, 5},
		{"ln(x*L.x)^2/2", []int{0, 1}, math.Log(12) * math.Log(12) / 2},
	}
	for _, c := range cases {
		term, err := ParseTerm(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var lags []int
		for _, r := range term.Refs() {
			lags = append(lags, r.Lag)
		}
		if !slices.Equal(lags, c.lags) || term.IsFactor() {
			t.Errorf("%q: lags %v (factor %v), want %v", c.in, lags, term.IsFactor(), c.lags)
		}
		if got := term.Eval(lookup); got != c.want {
			t.Errorf("%q = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseFactor(t *testing.T) {
	cases := []struct {
		in      string
		factor  bool
		base    int
		hasBase bool
	}{
		{"i.year", true, 0, false},
		{"ib2009.year", true, 2009, true},
		{"ib-1.x", true, -1, true},
		{"i", false, 0, false},
		{"id", false, 0, false},
		{"ib2", false, 0, false},
		{"L.i", false, 0, false},
	}
	for _, c := range cases {
		term, err := ParseTerm(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if term.IsFactor() != c.factor || c.factor && (term.factor.base != c.base || term.factor.hasBase != c.hasBase) {
			t.Errorf("%q: factor %+v, want %v base %d (%v)", c.in, term.factor, c.factor, c.base, c.hasBase)
		}
	}
}

func TestParseTermErrors(t *testing.T) {
	cases := map[string]string{
		"":                        "empty term",
		"L.":                      "expected a column name",
		"x^":                      "exponent",
		"x^0":                     "exponent",
		"x^2.5":                   "unexpected",
		"(x":                      "missing ')'",
		"x+y":                     `unexpected "+y"`,
		"L9999.x":                 "add up to more than 1000 periods",
		"L600F600.x":              "add up to more than 1000 periods",
		"D9.x":                    "the differences of a variable add up to more than order 8",
		"D.":                      `expected a column name after the operator "D."`,
		"i.year*x":                "a factor variable is i.<column> or ib<level>.<column> alone, as a whole term",
		"i.L.x":                   "a factor variable is i.<column> or ib<level>.<column> alone",
		"i.":                      "a factor variable is i.<column>",
		"x*i.year":                "a factor variable (i.x, ib#.x) must be a whole term of --indep",
		"ib.year":                 `the base level of ib#. must be an integer below 10^15 in absolute value, not ""`,
		"ib1000000000000000.year": "the base level of ib#. must be an integer",
		"foo(x)":                  `unknown function "foo" (the functions are ln, log (both the natural logarithm), exp, sqrt and abs)`,
		"ln(x":                    "missing ')' after the argument of ln",
		"ln()":                    `unexpected ")"`,
		"L.ln(x)":                 `unexpected "(x)"`,
		"x*":                      "unexpected end",
		"é":                       `'é': a column name in a variable list uses the ASCII letters, digits and _ only`,
		"qé":                      `position 2: 'é': a column name`,
		"L.é":                     "position 3: 'é': a column name",
		"x*1e":                    `unexpected "e"`,
		"x*1e999":                 "the number 1e999 is beyond float64's range (about 1.8e308)",
		"x*1e-400":                "the number 1e-400 is below float64's range (about 5e-324) and would be 0",
		"x*0.0001e-399":           "the number 0.0001e-399 is below float64's range",
		"x*0x1p3":                 `unexpected "x1p3"`,
		"x*1.5.2":                 `unexpected ".2"`,
		"x*1_000":                 `unexpected "_000"`,
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
