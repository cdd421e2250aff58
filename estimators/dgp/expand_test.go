package dgp

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	designs := []Design{
		decode(t, `
label: power
family: threshold
n: [30, 100]
t: 10
regime_dependent: [{name: x}]
thresholds: [0.5]
slopes: [[1]]
effect: [0, 0.2]
errors: {law: ar1, rho: [0, 0.5]}
`),
		decode(t, "family: provinces"),
	}
	out, err := Expand(designs)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, d := range out {
		labels = append(labels, d.Label)
	}
	want := []string{
		"power n=30 effect=0 rho=0", "power n=30 effect=0 rho=0.5", "power n=30 effect=0.2 rho=0", "power n=30 effect=0.2 rho=0.5",
		"power n=100 effect=0 rho=0", "power n=100 effect=0 rho=0.5", "power n=100 effect=0.2 rho=0", "power n=100 effect=0.2 rho=0.5",
		"provinces",
	}
	if !slices.Equal(labels, want) {
		t.Fatalf("labels\n %q\nwant\n %q", labels, want)
	}
	if got := out[6]; got.N.Value() != 100 || got.Effect.Value() != 0.2 || got.Errors.Rho.Value() != 0 || got.T.Value() != 10 {
		t.Errorf("design 7: %+v", got)
	}
	// Expanded designs share no slice with each other or the input.
	out[0].Slopes[0][0] = 9
	if out[1].Slopes[0][0] != 1 || designs[0].Slopes[0][0] != 1 {
		t.Error("expanded designs share their slopes")
	}
	// The truth of effect 0 has no threshold; of effect 0.2, one.
	if th := out[0].Truth().Thresholds; len(th) != 0 {
		t.Errorf("effect 0: thresholds %v", th)
	}
	if tr := out[2].Truth(); !slices.Equal(tr.Thresholds, []float64{0.5}) || tr.Slopes[1][0] != 1.2 {
		t.Errorf("effect 0.2: truth %+v", tr)
	}
}

func TestExpandErrors(t *testing.T) {
	valid := decode(t, base)
	bad := decode(t, base)
	bad.T = Grid{5, 1}
	for _, c := range []struct {
		name    string
		designs []Design
		want    string
	}{
		{"none", nil, "no design: a study needs at least one"},
		{"invalid combination", []Design{bad}, `design 1 ("threshold t=1"): t is 1: a panel needs at least 2 periods`},
		{"duplicate labels", []Design{valid, valid}, `design 2: label "threshold" is also design 1's: labels must be unique`},
	} {
		_, err := Expand(c.designs)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestGridJSON checks that a grid reads a number or a list and writes a
// single value back as a number, so expanded designs round-trip.
func TestGridJSON(t *testing.T) {
	var d Design
	if err := json.Unmarshal([]byte(`{"family":"threshold","n":[30,100],"t":10}`), &d); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.N, Grid{30, 100}) || !slices.Equal(d.T, Grid{10}) {
		t.Errorf("decoded n %v, t %v", d.N, d.T)
	}
	raw, err := json.Marshal(Design{Family: "threshold", N: Grid{30}, T: Grid{5, 10}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"family":"threshold","n":30,"t":[5,10]}`; string(raw) != want {
		t.Errorf("encoded %s, want %s", raw, want)
	}
	for _, bad := range []string{`{"n":[]}`, `{"n":"30"}`, `{"n":[1,"a"]}`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestJSONRoundTrip checks that designs survive the JSON encoding a study
// is sent to workers in, decoded strictly.
func TestJSONRoundTrip(t *testing.T) {
	for name, text := range goldenDesigns {
		d := decode(t, text)
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var back Design
		if err := dec.Decode(&back); err != nil {
			t.Fatalf("%s: %s: %v", name, raw, err)
		}
		if !reflect.DeepEqual(back, d) {
			t.Errorf("%s: %s decodes to %+v, not %+v", name, raw, back, d)
		}
	}
}
