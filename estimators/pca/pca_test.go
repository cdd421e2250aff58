package pca

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// reference is a case whose decomposition is derived by hand in testdata
// (see each file's "derivation").
type reference struct {
	X            [][]float64 `json:"x"`
	Names        []string    `json:"names"`
	SD           []float64   `json:"sd"`
	Eigenvalues  []float64   `json:"eigenvalues"`
	Loadings     [][]float64 `json:"loadings"`
	Weights      []float64   `json:"weights"`
	Coefficients []float64   `json:"coefficients"`
	Index        []float64   `json:"index"`
}

func load(t *testing.T, name string) reference {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func checkSlice(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %v, want %v", what, got, want)
		return
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("%s: %v, want %v", what, got, want)
			return
		}
	}
}

func TestReference(t *testing.T) {
	cases := []struct {
		file string
		rule Rule
	}{
		{"three.json", FirstComponent},
		{"three.json", VarianceShare}, // only lambda_1 > 1: the same index
		{"four.json", VarianceShare},
	}
	for _, c := range cases {
		ref := load(t, c.file)
		res, err := Index(ref.X, ref.Names, c.rule)
		if err != nil {
			t.Fatalf("%s %v: %v", c.file, c.rule, err)
		}
		name := c.file + " " + c.rule.String()
		checkSlice(t, name+" sd", res.SD, ref.SD)
		checkSlice(t, name+" eigenvalues", res.Eigenvalues, ref.Eigenvalues)
		for k := range ref.Loadings {
			checkSlice(t, name+" loadings", res.Loadings[k], ref.Loadings[k])
		}
		checkSlice(t, name+" index", res.Index, ref.Index)
		total := 0.0
		for k, l := range res.Eigenvalues {
			total += res.VarianceShares[k]
			if math.Abs(res.VarianceShares[k]-l/float64(len(ref.Names))) > 1e-15 {
				t.Errorf("%s: share %v of eigenvalue %v", name, res.VarianceShares[k], l)
			}
		}
		if math.Abs(total-1) > 1e-12 {
			t.Errorf("%s: variance shares sum to %v", name, total)
		}
		if ref.Weights != nil {
			checkSlice(t, name+" weights", res.Weights, ref.Weights)
			checkSlice(t, name+" coefficients", res.Coefficients, ref.Coefficients)
		} else if len(res.Weights) != 1 || res.Weights[0] != 1 {
			t.Errorf("%s: weights %v, want [1]", name, res.Weights)
		}
	}
}

// TestSignConvention checks that reversing every indicator's direction
// reverses the index, and that the first component's loadings sum to a
// positive number whatever the input order.
func TestSignConvention(t *testing.T) {
	ref := load(t, "three.json")
	neg := make([][]float64, len(ref.X))
	for j, col := range ref.X {
		for _, v := range col {
			neg[j] = append(neg[j], -v)
		}
	}
	res, err := Index(neg, ref.Names, FirstComponent)
	if err != nil {
		t.Fatal(err)
	}
	for r, v := range res.Index {
		if math.Abs(v+ref.Index[r]) > 1e-12 {
			t.Fatalf("index of the negated indicators %v, want the negation of %v", res.Index, ref.Index)
		}
	}
	for k, v := range res.Loadings {
		if s := v[0] + v[1] + v[2]; (math.Abs(s) >= 1e-10 && s < 0) || (math.Abs(s) < 1e-10 && v[0] < 0) {
			t.Errorf("component %d loadings %v are not oriented", k, v)
		}
	}
}

func TestErrors(t *testing.T) {
	a := []float64{1, 1, -1, -1}
	b := []float64{1, -1, 1, -1}
	cases := []struct {
		name  string
		x     [][]float64
		names []string
		rule  Rule
		is    error
		msg   string
	}{
		{"one indicator", [][]float64{a}, []string{"a"}, FirstComponent, ErrTooFewIndicators, "1 indicator"},
		{"one observation", [][]float64{{1}, {2}}, []string{"a", "b"}, FirstComponent, ErrTooFewRows, "1 observation"},
		{"constant", [][]float64{a, {0.1, 0.1, 0.1, 0.1}}, []string{"a", "flat"}, FirstComponent, ErrConstant, `"flat" equals 0.1`},
		{"missing", [][]float64{a, {1, math.NaN(), 2, 3}}, []string{"a", "gap"}, FirstComponent, ErrNotFinite, `"gap" is NaN in observation 1`},
		{"uncorrelated", [][]float64{a, b}, []string{"a", "b"}, VarianceShare, ErrNoComponent, "uncorrelated"},
	}
	for _, c := range cases {
		_, err := Index(c.x, c.names, c.rule)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}
}

func TestFromTable(t *testing.T) {
	tab, err := panel.ReadCSV(strings.NewReader("id,a,b\n1,1,2\n2,2,3\n3,4,4\n4,3,NA\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromTable(tab, []string{"a", "b"}, FirstComponent); !errors.Is(err, panel.ErrMissingValue) || !strings.Contains(err.Error(), `column "b", line 5`) {
		t.Errorf("missing cell: error %v", err)
	}
	if _, err := FromTable(tab, []string{"a", "c"}, FirstComponent); !errors.Is(err, panel.ErrUnknownColumn) {
		t.Errorf("unknown column: error %v", err)
	}
	tab, _ = panel.ReadCSV(strings.NewReader("id,a,b\n1,1,2\n2,2,3\n3,4,4\n"))
	res, err := FromTable(tab, []string{"a", "b"}, FirstComponent)
	if err != nil || len(res.Index) != 3 || res.Index[2] <= res.Index[0] {
		t.Errorf("index %v, error %v", res, err)
	}
}
