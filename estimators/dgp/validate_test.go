package dgp

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// decode reads one design from YAML strictly, as a study spec is read.
func decode(t testing.TB, text string) Design {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	var d Design
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("decode %q: %v", text, err)
	}
	return d
}

// variant returns base with the top-level fields of override replaced.
func variant(t testing.TB, override string) string {
	t.Helper()
	var m, o map[string]any
	if err := yaml.Unmarshal([]byte(base), &m); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(override), &o); err != nil {
		t.Fatal(err)
	}
	for k, v := range o {
		m[k] = v
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// base is a valid threshold design that the cases below change.
const base = `
family: threshold
n: 30
t: 5
regime_dependent: [{name: x}]
thresholds: [0.5]
slopes: [[1], [1.4]]
`

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"no family", "n: 30", "family is missing: give threshold, provinces or resample"},
		{"unknown family", "family: thresh", `family "thresh" is unknown: give threshold, provinces or resample`},
		{"T below 2", variant(t, "t: 1"), "t is 1: a panel needs at least 2 periods"},
		{"n below 2", "family: threshold\nn: 1\nt: 5\nregime_dependent: [{name: x}]\nslopes: [[1]]", "n is 1: a panel needs at least 2 units"},
		{"n missing", "family: threshold\nt: 5\nregime_dependent: [{name: x}]\nslopes: [[1]]", "n is missing: give the number of units"},
		{"fractional T", variant(t, "t: 2.5"), "t is 2.5: give a whole number of periods"},
		{"too many rows", variant(t, "n: 100000\nt: 101"), "n t is 1.01e+07 rows: a simulated panel has at most 10000000"},
		{"lag as a name", variant(t, "regressors: [{name: L.z}]"), `regressor "L.z": not a plain column name: use ASCII letters, digits and _, starting with a letter or _`},
		{"product as q's name", variant(t, "q: {name: a*b}"), `q "a*b": not a plain column name: use ASCII letters, digits and _, starting with a letter or _`},
		{"resample outcome with a space", "family: resample\ny: log gdp\nregime_dependent: [{name: x}]", `y "log gdp": not a plain column name: use ASCII letters, digits and _, starting with a letter or _`},
		{"unexpanded grid", variant(t, "n: [30, 100]"), "n lists 2 values: expand the grid first (dgp.Expand)"},
		{"threshold above q's support", variant(t, "thresholds: [1.5]"), "threshold 1 is 1.5, outside q's support (0, 1): a regime would be empty"},
		{"threshold below a uniform q", variant(t, "q: {law: uniform, a: 2, b: 4}"), "threshold 1 is 0.5, outside q's support (2, 4): a regime would be empty"},
		{"threshold outside a uniform regressor q", variant(t, "regime_dependent: [{name: x, law: uniform, a: -1, b: 0}]\nq: {law: regressor, name: x}"),
			"threshold 1 is 0.5, outside q's support (-1, 0): a regime would be empty"},
		{"thresholds not increasing", variant(t, "thresholds: [0.6, 0.4]\nslopes: [[1], [2], [3]]"), "thresholds 0.6, 0.4 are not increasing"},
		{"slopes count", variant(t, "slopes: [[1]]"), "slopes has 1 rows for 2 regimes (1 thresholds): give one row per regime"},
		{"slopes row length", variant(t, "slopes: [[1, 2], [1, 3]]"), "slopes row 1 has 2 values for 1 regime-dependent regressors"},
		{"effect with two rows", variant(t, "effect: 0.2"), "slopes has 2 rows: with effect give one row, the slopes of regime 1"},
		{"effect without thresholds", "family: threshold\nn: 30\nt: 5\nregime_dependent: [{name: x}]\nslopes: [[1]]\neffect: 0.2", "effect needs at least one threshold"},
		{"drop share 1", variant(t, "drop: 1"), "drop is 1: the share of unit-periods dropped lies in [0, 1)"},
		{"negative drop share", variant(t, "drop: -0.1"), "drop is -0.1: the share of unit-periods dropped lies in [0, 1)"},
		{"no regime-dependent regressor", "family: threshold\nn: 30\nt: 5\nslopes: [[]]", "regime_dependent is empty: a threshold model needs at least one regime-dependent regressor"},
		{"duplicate regressor", variant(t, "regressors: [{name: x, slope: 1}]"), `regressor "x" is listed twice`},
		{"reserved name", variant(t, "regressors: [{name: y, slope: 1}]"), `regressor "y" has the name of the unit, period or outcome column ("id", "t", "y")`},
		{"unknown regressor law", variant(t, "regressors: [{name: z, law: gamma}]"), `regressor "z": law "gamma" is unknown: give normal or uniform`},
		{"uniform a >= b", variant(t, "regressors: [{name: z, law: uniform, a: 1, b: 1}]"), `regressor "z": uniform(1, 1) needs a < b`},
		{"uniform with sd", variant(t, "regressors: [{name: z, law: uniform, sd: 2}]"), `regressor "z": mean and sd do not apply to the uniform law (a, b)`},
		{"normal with a", variant(t, "regressors: [{name: z, a: 2}]"), `regressor "z": a and b do not apply to the normal law (mean, sd)`},
		{"negative sd", variant(t, "regressors: [{name: z, sd: -1}]"), `regressor "z": sd is -1: give a positive standard deviation`},
		{"regime-dependent slope", variant(t, "regime_dependent: [{name: x, slope: 2}]"), `regime-dependent regressor "x" has a slope: its slopes are in slopes, one row per regime`},
		{"unknown q law", variant(t, "q: {law: beta}"), `q: law "beta" is unknown: give uniform, normal or regressor`},
		{"q regressor unknown", variant(t, "q: {law: regressor, name: w}"), `q: law regressor names "w", which is not a regressor`},
		{"q named like a regressor", variant(t, "q: {name: x}"), `q is named "x" like a regressor: use law regressor to make q a regressor`},
		{"unknown unit effects law", variant(t, "unit_effects: {law: fixed}"), `unit_effects: law "fixed" is unknown: give normal, correlated or none`},
		{"correlated on unknown regressor", variant(t, "unit_effects: {law: correlated, load: 1, regressor: w}"), `unit_effects: regressor "w" is not a regressor`},
		{"none with sd", variant(t, "unit_effects: {law: none, sd: 1}"), "unit_effects: sd, load and regressor do not apply to law none"},
		{"unknown error law", variant(t, "errors: {law: cauchy}"), `errors: law "cauchy" is unknown: give normal, student_t, hetero_unit, hetero_x or ar1`},
		{"student t df 2", variant(t, "errors: {law: student_t, df: 2}"), "errors: student_t needs df > 2 (a finite variance), got 2"},
		{"student t without df", variant(t, "errors: {law: student_t}"), "errors: student_t needs df > 2 (a finite variance), got 0"},
		{"ar1 without rho", variant(t, "errors: {law: ar1}"), "errors: ar1 needs rho"},
		{"ar1 unit root", variant(t, "errors: {law: ar1, rho: 1}"), "errors: ar1 needs -1 < rho < 1 (stationary), got 1"},
		{"rho on normal errors", variant(t, "errors: {rho: 0.5}"), "errors: rho does not apply to law normal"},
		{"hetero_unit a >= b", variant(t, "errors: {law: hetero_unit, a: 2, b: 1}"), "errors: hetero_unit draws unit SDs uniform on (a, b) and needs 0 <= a < b, got a = 2, b = 1"},
		{"hetero_unit with sd", variant(t, "errors: {law: hetero_unit, a: 1, b: 2, sd: 3}"), "errors: sd does not apply to law hetero_unit"},
		{"hetero_x zero", variant(t, "errors: {law: hetero_x, regressor: x}"), "errors: hetero_x's SD a + b|x| needs a, b >= 0, not both 0, got a = 0, b = 0"},
		{"hetero_x unknown regressor", variant(t, "errors: {law: hetero_x, a: 1, regressor: w}"), `errors: hetero_x's regressor "w" is not a regressor`},
		{"id on threshold", variant(t, "id: firm"), "id does not apply to the threshold family"},
		{"n on provinces", "family: provinces\nn: 30", "n does not apply to the provinces family"},
		{"errors on provinces", "family: provinces\nerrors: {law: normal}", "errors does not apply to the provinces family"},
		{"errors on resample", "family: resample\ny: y\nerrors: {law: normal}", "errors does not apply to the resample family"},
		{"resample without y", "family: resample\nregime_dependent: [{name: x}]", "y is missing: name the outcome column of the data whose within residuals are resampled"},
		{"resample with a law", "family: resample\ny: y\nregime_dependent: [{name: x, law: normal}]", `regressor "x" has a law: the resample family takes regressors from the data`},
		{"resample without q", "family: resample\ny: y\nregime_dependent: [{name: x}]", "q.name is missing: name the threshold variable's column"},
		{"resample q law", "family: resample\ny: y\nregime_dependent: [{name: x}]\nq: {name: x, law: uniform}", "q has a law: the resample family takes q from the data column called q.name"},
		{"resample mode missing", "family: resample\ny: y\nregime_dependent: [{name: x}]\nq: {name: x}\nslopes: [[1]]", "resample is missing: give unit (blocks of a unit's residuals) or iid"},
		{"resample mode unknown", "family: resample\ny: y\nregime_dependent: [{name: x}]\nq: {name: x}\nslopes: [[1]]\nresample: wild", `resample "wild" is unknown: give unit or iid`},
		{"resample regressor named like the period", "family: resample\ny: y\ntime: year\nregime_dependent: [{name: year}]", `regressor "year" has the name of the unit, period or outcome column ("id", "year", "y")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := decode(t, c.yaml).Validate()
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if err.Error() != c.want {
				t.Errorf("error\n %q\nwant\n %q", err, c.want)
			}
			d := decode(t, c.yaml)
			if _, err := d.Prepare(nil); err == nil || err.Error() != c.want {
				t.Errorf("Prepare: %v", err)
			}
			if truth := d.Truth(); !reflect.DeepEqual(truth, Truth{}) {
				t.Errorf("Truth of an invalid design: %+v", truth)
			}
		})
	}
}

func TestValidDesigns(t *testing.T) {
	for _, text := range []string{
		base,
		variant(t, "errors: {law: student_t, df: 5, sd: 2}"),
		variant(t, "errors: {law: ar1, rho: -0.5}"),
		variant(t, "errors: {law: hetero_x, a: 0.5, b: 1, regressor: x}"),
		variant(t, "unit_effects: {law: correlated, load: 2}\nq: {law: normal, mean: 0.5, sd: 0.2}"),
		variant(t, "regressors: [{name: z, law: uniform, a: -1, b: 1, slope: 0.3}]\nq: {law: regressor, name: z}\ndrop: 0.2"),
		"family: threshold\nn: 10\nt: 2\nregime_dependent: [{name: x}]\nslopes: [[1]]",
		"family: provinces",
		"family: resample\ny: y\nregime_dependent: [{name: x}]\nq: {name: x}\nthresholds: [0]\nslopes: [[1], [2]]\nresample: unit",
	} {
		if err := decode(t, text).Validate(); err != nil {
			t.Errorf("%s: %v", text, err)
		}
	}
}

// TestStrictDecode checks that a spec's unknown field is an error of the
// caller's strict decoder, and that grids read a number or a list.
func TestStrictDecode(t *testing.T) {
	dec := yaml.NewDecoder(strings.NewReader(base + "units: 30\n"))
	dec.KnownFields(true)
	var d Design
	if err := dec.Decode(&d); err == nil || !strings.Contains(err.Error(), "field units not found") {
		t.Errorf("unknown field: %v", err)
	}
	for _, bad := range []string{"n: []", "n: abc", "n: {a: 1}"} {
		dec := yaml.NewDecoder(bytes.NewReader([]byte(bad)))
		if err := dec.Decode(&d); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
