package paper

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/golden"
)

func ptr(v float64) *float64 { return &v }

// fixtures are small tables with fixed numbers, written to the golden
// files: every kind of cell (stars, negative zero, missing coefficients,
// undefined tests and intervals, a model without thresholds, LaTeX and
// Markdown special characters).
func fixtures() []Table {
	desc := &Descriptives{Name: "fixture_table2", Title: "Table 2. Descriptive statistics", Notes: []string{"SD with divisor N - 1."},
		Variables: []Describe{{"lncie", 390, 4.88, 1.46, 1.94, 8.28}, {"L.ln_pgdp", 360, -0.0001, 0.52, -0.02, 2.8}}}
	sobel := mediation.Test{Name: "sobel", SE: ptr(0.01), Z: ptr(-4.5), P: ptr(0.000007)}
	aroian := mediation.Test{Name: "aroian", SE: ptr(0.02), Z: ptr(-1.7), P: ptr(0.089)}
	goodman := mediation.Test{Name: "goodman", Note: "the variance of a*b is -0.1, not positive: the test is undefined"}
	reg := &RegressionTable{Name: "fixture_table5", Title: "Table 5. Mediation & 100% tests", Notes: regressionNotes(DefaultSpec()),
		Columns: []Column{
			{Label: "(1)", Depvar: "lncie", Sample: "all", N: 390, R2Within: 0.6561, Equation: "total", Coefficients: Coefficients{
				{"lndig", -0.182, 0.048, 0.0007}, {"lnpgdp", -0.126, 0.071, 0.086}, {"_cons", 3.213, 0.384, 0}}},
			{Label: "(2)", Depvar: "lnind", Sample: "region = east", N: 143, R2Within: 0.154, Equation: "mediator", Coefficients: Coefficients{
				{"lndig", 0.146, 0.0174, 0.03}, {"_cons", -0.00001, 0.0876, 0.9}}},
			{Label: "(3)", Depvar: "lncie", Sample: "all", N: 390, R2Within: 0.97, Equation: "outcome", Coefficients: Coefficients{
				{"lndig", -0.065, 0.024, 0.011}, {"lnind", -0.316, 0.077, 0.0003}, {"_cons", -8.208, 1.58, 0.00001}},
				Indirect: &Indirect{Mediator: "lnind", A: 0.146, B: -0.316, Estimate: -0.046136,
					Tests: []mediation.Test{sobel, aroian, goodman},
					Bootstrap: &mediation.CI{Level: 0.95, Reps: 1000, Estimate: -0.046136, Mean: -0.047, SE: 0.011,
						Percentile: mediation.Interval{Lower: -0.069, Upper: -0.026},
						Note:       "every draw is below the estimate: the bias-corrected interval is undefined"}}},
		}}
	regime := func(label string, est, se, p float64) Regime {
		return Regime{Label: label, Coefficient: Coefficient{Name: "lndig", Estimate: est, SE: se, P: p}}
	}
	th := &ThresholdTable{Name: "fixture_table6", Title: "Table 6. Threshold models", Notes: []string{"lndig: regime 1 is lndig <= 5.5; regime 2 is 5.5 < lndig."},
		Models: []ThresholdModel{
			{Qx: "lndig", Depvar: "lncie", Regressor: "lndig", N: 390, Units: 30, Chosen: 1, R2Within: ptr(0.79),
				Tests:      []ThresholdTest{{1, 73.7, 0, 300, 11, 14, 19}, {2, 5.9, 0.46, 300, 10, 12, 14}},
				Thresholds: []threshold.Interval{{Threshold: 5.5, Lower: 5.41, Upper: 5.54, Pieces: [][2]float64{{5.41, 5.54}}}},
				Regimes:    []Regime{regime("lndig <= 5.5", -0.01, 0.004, 0.02), regime("5.5 < lndig", -0.007, 0.002, 0.001)}},
			{Qx: "lntec", Depvar: "lncie", Regressor: "lndig", N: 390, Units: 30,
				Tests:      []ThresholdTest{{1, 4.2, 0.31, 300, 11, 14, 19}},
				Thresholds: []threshold.Interval{}, Regimes: []Regime{}},
		}}
	return []Table{desc, reg, th}
}

func TestWritersGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	if golden.Update() {
		if err := WriteAll(context.Background(), dir, fixtures()...); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	if err := WriteAll(context.Background(), out, fixtures()...); err != nil {
		t.Fatal(err)
	}
	for _, tab := range fixtures() {
		for _, f := range formats {
			name := tab.Stem() + "." + f.ext
			want, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("%v (run go test -update to create the golden files)", err)
			}
			var b bytes.Buffer
			if err := f.write(&b, tab); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) || !bytes.Equal(got, want) {
				t.Errorf("%s differs from its golden file:\n%s", name, b.String())
			}
		}
	}
}

func TestWriteErrors(t *testing.T) {
	bad := fixtures()[1].(*RegressionTable)
	bad.Columns[0].Coefficients[0].SE = math.NaN()
	if err := WriteJSON(io.Discard, bad); err == nil || !strings.Contains(err.Error(), "coefficient lndig") {
		t.Errorf("NaN written as JSON: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteAll(context.Background(), file, fixtures()...); err == nil {
		t.Error("WriteAll into a regular file succeeded")
	}
}

func TestEscapes(t *testing.T) {
	cases := []struct{ in, latex, markdown string }{
		{"-0.182***", "-0.182$^{***}$", `-0.182\*\*\*`},
		{"***", "***", `\*\*\*`},
		{"_cons & 5% of $x", `\_cons \& 5\% of \$x`, `\_cons & 5% of $x`},
		{"5.5 < lndig <= 6", `5.5 $<$ lndig $\le$ 6`, "5.5 < lndig <= 6"},
		{`a|b\c{d}`, `a|b\textbackslash{}c\{d\}`, `a\|b\\c{d}`},
	}
	for _, c := range cases {
		if got := latexCell(c.in); got != c.latex {
			t.Errorf("latex %q = %q, want %q", c.in, got, c.latex)
		}
		if got := markdownEscape(c.in); got != c.markdown {
			t.Errorf("markdown %q = %q, want %q", c.in, got, c.markdown)
		}
	}
	for v, want := range map[float64]string{-0.0001: "0.000", math.Copysign(0, -1): "0.000", -0.0006: "-0.001", 0.1234: "0.123"} {
		if got := num(v, 3); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}
