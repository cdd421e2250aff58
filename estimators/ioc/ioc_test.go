package ioc

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// reference is a table whose measures are derived by hand in testdata (see
// each file's "derivation").
type reference struct {
	Sources              []string    `json:"sources"`
	A                    [][]float64 `json:"a"`
	Energy               [][]float64 `json:"energy"`
	Output               []float64   `json:"output"`
	Exports              []float64   `json:"exports"`
	Leontief             [][]float64 `json:"leontief"`
	Direct               []float64   `json:"direct"`
	Total                []float64   `json:"total"`
	ExportEmissions      []float64   `json:"export_emissions"`
	TotalExportEmissions float64     `json:"total_export_emissions"`
	ExportIntensity      float64     `json:"export_intensity"`
}

func dense(rows [][]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

// factorsFor picks the paper's factors by source, "gas" being the last one.
func factorsFor(t *testing.T, sources []string) []EmissionFactor {
	t.Helper()
	all := PaperFactors()
	byName := map[string]EmissionFactor{"coal": all[0], "coke": all[1], "gas": all[6]}
	var out []EmissionFactor
	for _, s := range sources {
		f, ok := byName[s]
		if !ok {
			t.Fatalf("no factor %q", s)
		}
		out = append(out, f)
	}
	return out
}

func loadTable(t *testing.T, file string) (reference, *Table) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	sectors := []string{"agriculture", "industry", "services"}[:len(ref.A)]
	return ref, &Table{Sectors: sectors, A: dense(ref.A), Output: ref.Output, Exports: ref.Exports, Energy: dense(ref.Energy)}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func checkSlice(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if len(got) != len(want) || !near(got[i], want[i]) {
			t.Errorf("%s: %v, want %v", what, got, want)
			return
		}
	}
}

func TestReference(t *testing.T) {
	for _, file := range []string{"two.json", "three.json"} {
		ref, tab := loadTable(t, file)
		l, err := Leontief(tab.A)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for i, row := range ref.Leontief {
			checkSlice(t, file+" Leontief row", mat.Row(nil, i, l), row)
		}
		res, err := Compute(tab, factorsFor(t, ref.Sources))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		checkSlice(t, file+" direct", res.Direct, ref.Direct)
		checkSlice(t, file+" total", res.Total, ref.Total)
		checkSlice(t, file+" export emissions", res.ExportEmissions, ref.ExportEmissions)
		if !near(res.TotalExportEmissions, ref.TotalExportEmissions) || !near(res.ExportIntensity, ref.ExportIntensity) {
			t.Errorf("%s: export emissions %v, intensity %v; want %v, %v", file, res.TotalExportEmissions, res.ExportIntensity, ref.TotalExportEmissions, ref.ExportIntensity)
		}
	}
}

func TestPaperFactors(t *testing.T) {
	f := PaperFactors()
	want := []float64{1.647, 2.848, 3.045, 3.714, 3.15, 3.064, 21.67}
	seen := map[string]bool{}
	for i, w := range want {
		if f[i].Factor != w || seen[f[i].Source] || f[i].Unit == "" || f[i].Printed == "" {
			t.Errorf("factor %d: %+v", i, f[i])
		}
		seen[f[i].Source] = true
	}
	f[0].Factor = 0
	if PaperFactors()[0].Factor != 1.647 {
		t.Error("PaperFactors shares its table with callers")
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Table, []EmissionFactor) []EmissionFactor
		is     error
		msg    string
	}{
		{"A not square", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.A = mat.NewDense(2, 3, nil)
			return f
		}, ErrDimension, "A is 2 x 3"},
		{"energy columns vs factors", func(tab *Table, f []EmissionFactor) []EmissionFactor { return f[:1] }, ErrDimension, "1 emission factors"},
		{"short exports", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.Exports = tab.Exports[:1]
			return f
		}, ErrDimension, "1 exports for 2 sectors"},
		{"negative output", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.Output[1] = -5
			return f
		}, ErrInvalid, `output of sector "industry" is -5`},
		{"zero output", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.Output[0] = 0
			return f
		}, ErrZeroOutput, `sector "agriculture"`},
		{"negative energy use", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.Energy.Set(1, 0, -1)
			return f
		}, ErrInvalid, `use of "coal" by sector "industry" is -1`},
		{"NaN exports", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.Exports[0] = math.NaN()
			return f
		}, ErrInvalid, `exports of sector "agriculture" is NaN`},
		{"no exports", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.Exports = []float64{0, 0}
			return f
		}, ErrNoExports, "undefined"},
		{"singular", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.A = dense([][]float64{{0.5, 0.5}, {0.5, 0.5}})
			return f
		}, ErrSingular, "input-output matrix is singular"},
		{"nearly singular", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.A = dense([][]float64{{0.5, 0.5}, {0.5, 0.5 - 1e-14}})
			return f
		}, ErrSingular, "condition number"},
		{"infinite coefficient", func(tab *Table, f []EmissionFactor) []EmissionFactor {
			tab.A.Set(0, 1, math.Inf(1))
			return f
		}, ErrInvalid, "A(1, 2) is +Inf"},
	}
	for _, c := range cases {
		ref, tab := loadTable(t, "two.json")
		factors := c.change(tab, factorsFor(t, ref.Sources))
		_, err := Compute(tab, factors)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}
}
