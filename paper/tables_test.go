package paper

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/simulate"
)

// columnData reads the analysis data for the independent fits: units and
// periods as integers, regions, and the named variables.
type columnData struct {
	unit, period []int
	region       []string
	vars         map[string][]float64
}

func readColumns(t *testing.T, ds *Dataset, spec Spec) columnData {
	t.Helper()
	names, _ := ds.Table.Strings(spec.Unit)
	years, _ := ds.Table.Numbers(spec.Time)
	regions, _ := ds.Table.Strings(spec.Region.Column)
	d := columnData{region: regions, vars: map[string][]float64{}}
	units := slices.Compact(slices.Sorted(slices.Values(names)))
	for r := range names {
		d.unit = append(d.unit, slices.Index(units, names[r]))
		d.period = append(d.period, int(years[r]))
	}
	for _, v := range spec.modelTerms() {
		x, err := ds.Table.Numbers(v)
		if err != nil {
			t.Fatal(err)
		}
		d.vars[v] = x
	}
	return d
}

// fit fits y on x by LSDV on the rows for which keep is true.
func (d columnData) fit(keep func(r int) bool, y string, x []string) lsdvFit {
	var rows []int
	for r := range d.unit {
		if keep(r) {
			rows = append(rows, r)
		}
	}
	pick := func(v []float64) []float64 {
		out := make([]float64, len(rows))
		for i, r := range rows {
			out[i] = v[r]
		}
		return out
	}
	var cols [][]float64
	for _, name := range x {
		cols = append(cols, pick(d.vars[name]))
	}
	unit, period := make([]int, len(rows)), make([]int, len(rows))
	for i, r := range rows {
		unit[i], period[i] = d.unit[r], d.period[r]
	}
	return lsdv(pick(d.vars[y]), cols, unit, period)
}

// compareColumn checks a table column against an independent fit:
// estimates and _cons to 1e-8, clustered SEs to 1e-6 relative.
func compareColumn(t *testing.T, c Column, x []string, want lsdvFit) {
	t.Helper()
	if len(c.Coefficients) != len(x)+1 {
		t.Fatalf("column %s: coefficients %v", c.Label, c.Coefficients)
	}
	for j, name := range append(slices.Clone(x), "_cons") {
		got := c.Coefficients[j]
		est, se := want.cons, math.NaN()
		if j < len(x) {
			est, se = want.beta[j], want.seCluster[j]
		}
		if got.Name != name || math.Abs(got.Estimate-est) > 1e-8 || j < len(x) && math.Abs(got.SE-se) > 1e-6*se {
			t.Errorf("column %s, %s: %.12g (%.12g), LSDV %.12g (%.12g)", c.Label, got.Name, got.Estimate, got.SE, est, se)
		}
	}
	if math.Abs(c.R2Within-want.r2Within) > 1e-10 {
		t.Errorf("column %s: R2 within %.12g, LSDV %.12g", c.Label, c.R2Within, want.r2Within)
	}
}

func TestTables3And4AgainstLSDV(t *testing.T) {
	spec := testSpec()
	ds := dataset(t, spec)
	d := readColumns(t, ds, spec)
	all := func(int) bool { return true }

	t3, err := Table3(ds, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(t3.Columns) != 5 {
		t.Fatalf("%d columns", len(t3.Columns))
	}
	for k, c := range t3.Columns {
		x := append([]string{"lndig"}, spec.Controls[:k]...)
		if c.Label != "("+strconv.Itoa(k+1)+")" || c.N != 390 || c.Sample != "all" || c.Depvar != "lncie" {
			t.Errorf("column %d: %s %s %s n=%d", k, c.Label, c.Depvar, c.Sample, c.N)
		}
		compareColumn(t, c, x, d.fit(all, "lncie", x))
	}

	t4, err := Table4(ds, spec)
	if err != nil {
		t.Fatal(err)
	}
	// The median split, computed here by province mean.
	means := make(map[int]float64)
	for r, u := range d.unit {
		means[u] += d.vars["lndig"][r] / 13
	}
	sorted := slices.Sorted(func(yield func(float64) bool) {
		for _, m := range means {
			if !yield(m) {
				return
			}
		}
	})
	median := (sorted[14] + sorted[15]) / 2
	x := append([]string{"lndig"}, spec.Controls...)
	want := []struct {
		label string
		n     int
		keep  func(r int) bool
	}{
		{"east", 143, func(r int) bool { return d.region[r] == "east" }},
		{"central", 104, func(r int) bool { return d.region[r] == "central" }},
		{"west", 143, func(r int) bool { return d.region[r] == "west" }},
		{"high", 195, func(r int) bool { return means[d.unit[r]] > median }},
		{"low", 195, func(r int) bool { return means[d.unit[r]] <= median }},
	}
	if len(t4.Columns) != len(want) {
		t.Fatalf("%d columns", len(t4.Columns))
	}
	for i, w := range want {
		c := t4.Columns[i]
		if c.Label != w.label || c.N != w.n {
			t.Errorf("column %d: %s n=%d, want %s n=%d", i, c.Label, c.N, w.label, w.n)
		}
		compareColumn(t, c, x, d.fit(w.keep, "lncie", x))
	}
}

// TestTable4ObservationSplit checks the split of rows at the median row.
func TestTable4ObservationSplit(t *testing.T) {
	spec := testSpec()
	spec.Split = SplitObservation
	ds := dataset(t, spec)
	d := readColumns(t, ds, spec)
	t4, err := Table4(ds, spec)
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Sorted(slices.Values(d.vars["lndig"]))
	median := (sorted[194] + sorted[195]) / 2
	x := append([]string{"lndig"}, spec.Controls...)
	high := t4.Columns[3]
	if high.Label != "high" || high.N != 195 || !strings.Contains(high.Sample, "lndig > ") {
		t.Errorf("high column %s n=%d sample %q", high.Label, high.N, high.Sample)
	}
	compareColumn(t, high, x, d.fit(func(r int) bool { return d.vars["lndig"][r] > median }, "lncie", x))
}

func TestTable4Errors(t *testing.T) {
	spec := testSpec()
	spec.Region.Labels = append(spec.Region.Labels, "north")
	if _, err := Table4(dataset(t, spec), spec); !errors.Is(err, ErrFewUnits) ||
		!strings.Contains(err.Error(), "fewer than 2 units in subsample north") {
		t.Errorf("empty region: %v", err)
	}
	narrow := testSpec()
	narrow.Region.Labels = []string{"east", "central"}
	if _, err := Table4(dataset(t, testSpec()), narrow); !errors.Is(err, ErrRegion) || !strings.Contains(err.Error(), `"west"`) {
		t.Errorf("label outside the spec: %v", err)
	}
	// Every western province but Xinjiang moves to the centre.
	raw := editCSV(t, func(header []string, rows [][]string) ([]string, [][]string) {
		j, p := index(t, header, "region"), index(t, header, "province")
		for _, r := range rows {
			if r[j] == "west" && r[p] != "Xinjiang" {
				r[j] = "central"
			}
		}
		return header, rows
	})
	spec = testSpec()
	ds, err := BuildPanel(raw, spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Table4(ds, spec); !errors.Is(err, ErrFewUnits) || !strings.Contains(err.Error(), "fewer than 2 units in subsample west") {
		t.Errorf("one western province: %v", err)
	}
}

// objectKeys returns the keys of a JSON object in their order.
func objectKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// checkShape checks the JSON form {"columns": [{"label", "depvar",
// "sample", "n", "r2_within", "coefficients": {name: {"estimate", "se",
// "p_value"}}, extra...}]} and returns the columns as decoded.
func checkShape(t *testing.T, tab *RegressionTable, extra ...string) []map[string]json.RawMessage {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, tab); err != nil {
		t.Fatal(err)
	}
	if keys := objectKeys(t, b.Bytes()); !slices.Equal(keys, []string{"columns"}) {
		t.Fatalf("%s: top-level keys %v", tab.Name, keys)
	}
	var doc struct{ Columns []json.RawMessage }
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var out []map[string]json.RawMessage
	for i, raw := range doc.Columns {
		keys := objectKeys(t, raw)
		want := []string{"label", "depvar", "sample", "n", "r2_within", "coefficients"}
		if !slices.Equal(keys[:min(6, len(keys))], want) || !slices.Equal(keys[len(want):], extra[:len(keys)-len(want)]) {
			t.Errorf("%s column %d: keys %v", tab.Name, i, keys)
		}
		var col map[string]json.RawMessage
		if err := json.Unmarshal(raw, &col); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range tab.Columns[i].Coefficients {
			names = append(names, c.Name)
		}
		if keys := objectKeys(t, col["coefficients"]); !slices.Equal(keys, names) || names[len(names)-1] != "_cons" {
			t.Errorf("%s column %d: coefficient keys %v, want %v", tab.Name, i, keys, names)
		}
		var coefs map[string]json.RawMessage
		if err := json.Unmarshal(col["coefficients"], &coefs); err != nil {
			t.Fatal(err)
		}
		if keys := objectKeys(t, coefs["lndig"]); !slices.Equal(keys, []string{"estimate", "se", "p_value"}) {
			t.Errorf("%s column %d: estimate keys %v", tab.Name, i, keys)
		}
		out = append(out, col)
	}
	return out
}

func TestTableJSONShape(t *testing.T) {
	spec := testSpec()
	ds := dataset(t, spec)
	t3, err := Table3(ds, spec)
	if err != nil {
		t.Fatal(err)
	}
	t4, err := Table4(ds, spec)
	if err != nil {
		t.Fatal(err)
	}
	t5, _, _ := mediationTable(t, ds, spec)
	checkShape(t, t3)
	for i, col := range checkShape(t, t4) {
		if label := string(col["label"]); label != strconv.Quote([]string{"east", "central", "west", "high", "low"}[i]) {
			t.Errorf("table 4 column %d: label %s", i, label)
		}
	}
	cols := checkShape(t, t5, "equation", "indirect")
	for i, want := range []string{`"total"`, `"mediator"`, `"outcome"`, `"mediator"`, `"outcome"`} {
		if string(cols[i]["equation"]) != want || (cols[i]["indirect"] != nil) != (want == `"outcome"`) {
			t.Errorf("table 5 column %d: equation %s, indirect %s", i, cols[i]["equation"], cols[i]["indirect"])
		}
	}
}

// mediationTable computes Table 5 with draws computed in this process.
func mediationTable(t *testing.T, ds *Dataset, spec Spec) (*RegressionTable, []*mediation.Problem, map[string][]float64) {
	t.Helper()
	problems, err := PrepareMediation(ds, spec)
	if err != nil {
		t.Fatal(err)
	}
	draws, err := MediationDraws(problems)
	if err != nil {
		t.Fatal(err)
	}
	t5, err := Table5(ds, spec, draws)
	if err != nil {
		t.Fatal(err)
	}
	return t5, problems, draws
}

func TestTable5(t *testing.T) {
	spec := testSpec()
	ds := dataset(t, spec)
	t5, problems, draws := mediationTable(t, ds, spec)
	t3, err := Table3(ds, spec)
	if err != nil {
		t.Fatal(err)
	}
	cols := t5.Columns
	var depvars []string
	for _, c := range cols {
		depvars = append(depvars, c.Depvar)
	}
	if !slices.Equal(depvars, []string{"lncie", "lnind", "lncie", "lntec", "lncie"}) {
		t.Fatalf("depvars %v", depvars)
	}
	if !slices.Equal(cols[0].Coefficients, t3.Columns[4].Coefficients) {
		t.Error("the total effect differs from Table 3's column (5)")
	}
	// Every mediation step against an independent LSDV fit: the mediator
	// on the treatment and controls, the outcome on both and the controls.
	d := readColumns(t, ds, spec)
	all := func(int) bool { return true }
	for i, med := range []string{"lnind", "lntec"} {
		x := append([]string{"lndig"}, spec.Controls...)
		compareColumn(t, cols[1+2*i], x, d.fit(all, med, x))
		x = append([]string{"lndig", med}, spec.Controls...)
		compareColumn(t, cols[2+2*i], x, d.fit(all, "lncie", x))
	}
	truth := simulate.ProvinceParameters()
	for i, m := range []struct {
		name string
		a, b float64
	}{{"lnind", truth.IndA, truth.IndB}, {"lntec", truth.TecA, truth.TecB}} {
		med, out := cols[1+2*i], cols[2+2*i]
		ind := out.Indirect
		if ind == nil || ind.Mediator != m.name || ind.A != med.Coefficients[0].Estimate || ind.B != out.Coefficients[1].Estimate {
			t.Fatalf("%s: indirect %+v", m.name, ind)
		}
		// Least squares on a common sample: total = direct + a b.
		if got := out.Coefficients[0].Estimate + ind.Estimate; math.Abs(got-cols[0].Coefficients[0].Estimate) > 1e-10 {
			t.Errorf("%s: direct + indirect %v, total %v", m.name, got, cols[0].Coefficients[0].Estimate)
		}
		if ind.A <= 0 || ind.B >= 0 || out.Coefficients[1].P > 0.01 || math.Abs(ind.A-m.a) > 3*med.Coefficients[0].SE ||
			math.Abs(ind.B-m.b) > 3*out.Coefficients[1].SE {
			t.Errorf("%s: a %.4f b %.4f (p %.4f), want %v and %v", m.name, ind.A, ind.B, out.Coefficients[1].P, m.a, m.b)
		}
		if ind.Bootstrap == nil || ind.Bootstrap.Reps != 49 || len(ind.Tests) != 3 || ind.Bootstrap.Percentile.Upper >= 0 {
			t.Errorf("%s: tests %v, bootstrap %+v", m.name, ind.Tests, ind.Bootstrap)
		}
	}
	again, err := MediationDraws(problems)
	if err != nil || !slices.Equal(again["lnind"], draws["lnind"]) {
		t.Error("the draws are not reproducible")
	}

	if _, err := Table5(ds, spec, map[string][]float64{"lnind": draws["lnind"], "lnfdi": {1, 2}}); !errors.Is(err, ErrResults) {
		t.Errorf("draws of an unknown mediator: %v", err)
	}
	if _, err := Table5(ds, spec, map[string][]float64{"lnind": draws["lnind"][:10], "lntec": draws["lntec"]}); !errors.Is(err, mediation.ErrBootstrap) ||
		!strings.Contains(err.Error(), "mediator lnind") {
		t.Errorf("short draws: %v", err)
	}
	spec.Mediation.Reps = 0
	t5, err = Table5(ds, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, t5); err != nil || !strings.Contains(b.String(), `"bootstrap": null`) {
		t.Errorf("without replications: %v", err)
	}
}
