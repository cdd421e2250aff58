package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/thresher/thresher/estimators/ioc"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/pca"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/estimators/twfe"
)

// readTable parses CSV bytes.
func readTable(t *testing.T, data []byte) *panel.Table {
	t.Helper()
	tab, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// numbers returns a numeric column of tab.
func numbers(t *testing.T, tab *panel.Table, name string) []float64 {
	t.Helper()
	v, err := tab.Numbers(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestProvincesShape(t *testing.T) {
	c := Provinces{Seed: 1}
	data := c.CSV()
	if !bytes.Equal(data, c.CSV()) || !bytes.Equal(c.TruthCSV(), c.TruthCSV()) {
		t.Fatal("same seed, different data")
	}
	if bytes.Equal(data, Provinces{Seed: 2}.CSV()) {
		t.Fatal("seeds 1 and 2 give the same data")
	}
	tab := readTable(t, data)
	if !slices.Equal(tab.Columns(), ProvinceColumns()) || len(tab.Columns()) != 50 {
		t.Fatalf("columns %v", tab.Columns())
	}
	if tab.Len() != 390 {
		t.Fatalf("%d rows, want 390", tab.Len())
	}
	regionRows := map[string]int{}
	provinces := map[string]string{}
	regions, _ := tab.Strings("region")
	names, _ := tab.Strings("province")
	for r, reg := range regions {
		regionRows[reg]++
		if prev, ok := provinces[names[r]]; ok && prev != reg {
			t.Errorf("%s is in %s and %s", names[r], prev, reg)
		}
		provinces[names[r]] = reg
	}
	if len(provinces) != 30 || regionRows["east"] != 143 || regionRows["central"] != 104 || regionRows["west"] != 143 {
		t.Errorf("%d provinces, rows by region %v; want 30 and 143/104/143", len(provinces), regionRows)
	}
	years := numbers(t, tab, "year")
	if slices.Min(years) != FirstYear || slices.Max(years) != LastYear {
		t.Errorf("years %v..%v", slices.Min(years), slices.Max(years))
	}
	if _, err := panel.Build(tab, panel.Layout{ID: "province", Time: "year"}, nil); err != nil {
		t.Errorf("not a panel: %v", err)
	}
}

func TestProvincesMatchTable2(t *testing.T) {
	var ref struct {
		Variables []struct {
			Name     string
			Mean, SD float64
		}
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "table2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	rows := Provinces{Seed: 3}.Generate()
	values := map[string]func(ProvinceRow) float64{
		"lncie": func(r ProvinceRow) float64 { return r.LnCIE }, "lndig": func(r ProvinceRow) float64 { return r.LnDig },
		"lnpgdp": func(r ProvinceRow) float64 { return r.LnPGDP }, "lnopen": func(r ProvinceRow) float64 { return r.LnOpen },
		"lnes": func(r ProvinceRow) float64 { return r.LnES }, "lncap": func(r ProvinceRow) float64 { return r.LnCap },
		"lnind": func(r ProvinceRow) float64 { return r.LnInd }, "lntec": func(r ProvinceRow) float64 { return r.LnTec },
	}
	for _, v := range ref.Variables {
		get, ok := values[v.Name]
		if !ok {
			t.Fatalf("no variable %s", v.Name)
		}
		col := make([]float64, len(rows))
		for i, r := range rows {
			col[i] = get(r)
		}
		mean, sd := stat.MeanStdDev(col, nil)
		if math.Abs(mean-v.Mean) > 1e-9 || math.Abs(sd-v.SD) > 1e-9 {
			t.Errorf("%s: mean %.12g sd %.12g, want %v %v", v.Name, mean, sd, v.Mean, v.SD)
		}
	}
	for _, r := range rows {
		if r.LnES >= 0 {
			t.Fatalf("%s %d: coal share exp(lnes) = %v exceeds 1", r.Province, r.Year, math.Exp(r.LnES))
		}
	}
}

// truth returns provinces_truth.csv's lndig and lncie.
func truth(t *testing.T, c Provinces) (lndig, lncie []float64) {
	t.Helper()
	tab := readTable(t, c.TruthCSV())
	return numbers(t, tab, "lndig"), numbers(t, tab, "lncie")
}

// TestProvincesDigitalIndex checks that the first principal component of
// the written indicators gives back lndig.
func TestProvincesDigitalIndex(t *testing.T) {
	for _, seed := range []uint64{1, 7} {
		c := Provinces{Seed: seed}
		tab := readTable(t, c.CSV())
		var names []string
		for _, ind := range ProvinceIndicators() {
			names = append(names, ind.Column)
			if v := numbers(t, tab, ind.Column); slices.Min(v) <= 0 {
				t.Errorf("seed %d: %s has a value %v <= 0", seed, ind.Column, slices.Min(v))
			}
		}
		res, err := pca.FromTable(tab, names, pca.FirstComponent)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(res.Eigenvalues[0]-4) > 1e-9 || math.Abs(res.Eigenvalues[1]-0.25) > 1e-9 {
			t.Errorf("seed %d: eigenvalues %v, want 4 and 0.25 (x4)", seed, res.Eigenvalues)
		}
		sd := stat.StdDev(res.Index, nil)
		p := ProvinceParameters()
		lndig, _ := truth(t, c)
		for i, f := range res.Index {
			if got := p.Center + p.Scale*f/sd; math.Abs(got-lndig[i]) > 1e-12 {
				t.Fatalf("seed %d row %d: index gives %.15g, lndig %.15g", seed, i, got, lndig[i])
			}
		}
	}
}

// TestProvincesCarbon checks that eqs. (5)-(6) on the written input-output
// tables give back lncie.
func TestProvincesCarbon(t *testing.T) {
	c := Provinces{Seed: 1}
	tab := readTable(t, c.CSV())
	_, lncie := truth(t, c)
	sectors, sources := ProvinceSectors(), ProvinceSources()
	columns := map[string][]float64{}
	for _, name := range ProvinceColumns()[3:] {
		columns[name] = numbers(t, tab, name)
	}
	col := func(name string) []float64 { return columns[name] }
	for r := range tab.Len() {
		a := mat.NewDense(3, 3, nil)
		energy := mat.NewDense(3, 7, nil)
		var out, ex []float64
		for i, si := range sectors {
			for j, sj := range sectors {
				a.Set(i, j, col("a_" + si + "_" + sj)[r])
			}
			for k, src := range sources {
				energy.Set(i, k, col("e_" + si + "_" + src)[r])
			}
			out, ex = append(out, col("x_" + si)[r]), append(ex, col("ex_" + si)[r])
		}
		res, err := ioc.Compute(&ioc.Table{Sectors: sectors, A: a, Output: out, Exports: ex, Energy: energy}, ioc.PaperFactors())
		if err != nil {
			t.Fatalf("row %d: %v", r, err)
		}
		if got := math.Log(res.ExportIntensity); math.Abs(got-lncie[r]) > 1e-12 {
			t.Fatalf("row %d: ln CIE %.15g, lncie %.15g", r, got, lncie[r])
		}
	}
}

// TestProvincesEffects checks the known effects: the mediation paths with
// two-way fixed effects, and the threshold of lndig at 5.5 with its regime
// slopes, each within 3 clustered standard errors of the truth.
func TestProvincesEffects(t *testing.T) {
	rows := Provinces{Seed: 2}.Generate()
	p := ProvinceParameters()
	n := len(rows)
	unit, period := make([]int32, n), make([]int, n)
	y, dig, ind, tec := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	controls := make([][]float64, 4)
	var csv bytes.Buffer
	csv.WriteString("id,year,lncie,lndig,lnpgdp,lnopen,lnes,lncap\n")
	for i, r := range rows {
		unit[i], period[i] = int32(i/13), r.Year
		y[i], dig[i], ind[i], tec[i] = r.LnCIE, r.LnDig, r.LnInd, r.LnTec
		for k, v := range []float64{r.LnPGDP, r.LnOpen, r.LnES, r.LnCap} {
			controls[k] = append(controls[k], v)
		}
		fmt.Fprintf(&csv, "%d,%d,%v,%v,%v,%v,%v,%v\n", unit[i], r.Year, r.LnCIE, r.LnDig, r.LnPGDP, r.LnOpen, r.LnES, r.LnCap)
	}
	names := []string{"lnpgdp", "lnopen", "lnes", "lncap"}
	fit := func(dep []float64, x [][]float64, xn []string, coef string) twfe.Coefficient {
		t.Helper()
		res, err := twfe.Fit(dep, append(x, controls...), append(xn, names...), unit, period, twfe.Options{PeriodEffects: true})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := res.Coefficient(coef)
		return c
	}
	near := func(what string, c twfe.Coefficient, want float64) {
		t.Helper()
		if math.Abs(c.Estimate-want) > 3*c.SECluster {
			t.Errorf("%s = %.4f (%.4f), want %v", what, c.Estimate, c.SECluster, want)
		}
	}
	near("a (lnind)", fit(ind, [][]float64{dig}, []string{"lndig"}, "lndig"), p.IndA)
	near("b (lnind)", fit(y, [][]float64{dig, ind}, []string{"lndig", "lnind"}, "lnind"), p.IndB)
	near("a (lntec)", fit(tec, [][]float64{dig}, []string{"lndig"}, "lndig"), p.TecA)
	near("b (lntec)", fit(y, [][]float64{dig, tec}, []string{"lndig", "lntec"}, "lntec"), p.TecB)
	if c := fit(y, [][]float64{dig}, []string{"lndig"}, "lndig"); c.Estimate > -0.1 || c.PCluster > 0.01 {
		t.Errorf("linear slope of lndig %.4f (p %.4f), want about -0.18 and significant", c.Estimate, c.PCluster)
	}

	prob, err := threshold.Prepare(readTable(t, csv.Bytes()), threshold.Spec{ID: "id", Time: "year", Depvar: "lncie",
		Indep: append(names, "year"), Rx: []string{"lndig"}, Qx: "lndig", Thresholds: 1,
		Grid: threshold.Grid{Points: 100}, Reps: []int{49}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := prob.Estimate(threshold.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Stages[0]
	if g := st.Thresholds[0]; math.Abs(g-p.Threshold) > 0.05 || st.Bootstrap.PValue > 0.05 {
		t.Errorf("threshold %.4f (p %.3f), want %v and significant", g, st.Bootstrap.PValue, p.Threshold)
	}
	for _, c := range st.Coefficients {
		if c.Regime == nil {
			continue
		}
		want := []float64{p.TotalLow(), p.TotalHigh()}[*c.Regime]
		if math.Abs(c.Estimate-want) > 3*c.SECluster {
			t.Errorf("regime %d slope %.4f (%.4f), want %.3f", *c.Regime, c.Estimate, c.SECluster, want)
		}
	}
}

func TestProvincesWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	c := Provinces{Seed: 4}
	if err := c.Write(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"provinces.csv": c.CSV(), "provinces_truth.csv": c.TruthCSV()} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v, %d bytes, want %d", name, err, len(got), len(want))
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(context.Background(), file); err == nil {
		t.Error("writing into a regular file succeeded")
	}
}
