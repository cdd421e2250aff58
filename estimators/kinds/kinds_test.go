package kinds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/dynthreshold"
	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/simulate"
	"github.com/thresher/thresher/estimators/threshold"
)

// splitRunner runs every family in this process with tasks of uneven
// sizes, as a cluster would, calling Execute on the model.
type splitRunner struct {
	m        model.Model
	families []model.Family
}

func (r *splitRunner) Run(ctx context.Context, f model.Family) ([]float64, error) {
	r.families = append(r.families, f)
	var out []float64
	for first, size := 0, 1; first < f.N; first, size = first+size, size*3 {
		if f.Shard > 0 {
			size = f.Shard
		}
		v, err := r.m.Execute(ctx, model.Task{Family: f.Name, Work: f.Work, First: first, Last: min(first+size, f.N)})
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// lead decodes a specification through the registry, prepares it and runs
// it with a splitRunner.
func lead(t *testing.T, tab *panel.Table, kind string, raw []byte) ([]byte, []model.Family) {
	t.Helper()
	spec, err := Builtin().Decode(kind, raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(spec.Encode(), raw) {
		t.Errorf("Encode() = %s, want the canonical %s", spec.Encode(), raw)
	}
	m, err := spec.Prepare(tab)
	if err != nil {
		t.Fatal(err)
	}
	r := &splitRunner{m: m}
	res, err := m.Lead(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return res, r.families
}

// TestThresholdKind checks that the threshold kind, run as task families of
// uneven tasks, gives the JSON of the direct estimation byte for byte.
func TestThresholdKind(t *testing.T) {
	tab := hansen(t)
	spec := threshold.Spec{Convention: threshold.Hansen, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"}, Rx: []string{"L.c"}, Qx: "L.d",
		Thresholds: 2, Grid: threshold.Grid{Points: 100}, Trim: []float64{0.01, 0.05}, Reps: []int{40, 30}, Seed: 3}
	p, err := threshold.Prepare(tab, spec)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := p.Estimate(threshold.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := direct.JSON()
	got, families := lead(t, tab, threshold.KindName, threshold.ConfigOf(spec, threshold.Fast).Encode())
	if !bytes.Equal(got, want) {
		t.Errorf("the kind's result differs from the direct estimation")
	}
	var boot []string
	for _, f := range families {
		if f.Name == "bootstrap" {
			boot = append(boot, f.Key+"/"+f.Counter)
		}
	}
	if b := strings.Join(boot, ","); b != "k1/1,k2/2" && b != "k2/2,k1/1" {
		t.Errorf("bootstrap families %v, want k1 and k2 counted by stage", boot)
	}
	var text bytes.Buffer
	if err := (threshold.Kind{}).WriteText(&text, got); err != nil || !strings.Contains(text.String(), "Threshold effect test") {
		t.Errorf("text report: %v\n%s", err, text.String())
	}
}

// hansen reads Hansen's (1999) investment data.
func hansen(t *testing.T) *panel.Table {
	t.Helper()
	data, err := os.ReadFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestDynamicThresholdKind checks the dynamic threshold kind, its linearity
// test run as tasks of uneven sizes, against the direct estimation, jump
// and kink, and that a model refuses a family it does not have.
func TestDynamicThresholdKind(t *testing.T) {
	tab := hansen(t)
	for _, kink := range []bool{false, true} {
		cfg := dynthreshold.Config{ID: "id", Time: "year", Depvar: "i", Qx: "d", Indep: []string{"q", "c", "d"},
			Endo: []string{"d"}, Kink: kink, Grid: 4, Trim: 0.4, H0: 1.5, Boost: 70, Seed: 5}
		spec, err := cfg.Spec()
		if err != nil {
			t.Fatal(err)
		}
		p, err := dynthreshold.Prepare(tab, spec)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := p.Estimate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(direct)
		got, families := lead(t, tab, dynthreshold.KindName, cfg.Encode())
		if !bytes.Equal(got, want) {
			t.Errorf("kink %v: the kind's result differs from the direct estimation:\n%s\n%s", kink, got, want)
		}
		if len(families) != 1 || families[0].N != 70 {
			t.Errorf("kink %v: families %+v, want one of 70 replications", kink, families)
		}
		var text bytes.Buffer
		if err := (dynthreshold.Kind{}).WriteText(&text, got); err != nil || !strings.Contains(text.String(), "70 replications, seed 5") {
			t.Errorf("kink %v: text report: %v\n%s", kink, err, text.String())
		}
	}
	spec, err := Builtin().Decode(dynthreshold.KindName, dynthreshold.Config{ID: "id", Time: "year", Depvar: "i", Qx: "d", Grid: 3}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Prepare(tab)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Execute(context.Background(), model.Task{Family: "bootstrap", Last: 1}); !errors.Is(err, dynthreshold.ErrSpec) || !strings.Contains(err.Error(), `no task family "bootstrap"`) {
		t.Errorf("Execute of another family: %v", err)
	}
}

// TestMediationKind checks the mediation kind against the direct analysis.
func TestMediationKind(t *testing.T) {
	tab, err := panel.ReadCSV(bytes.NewReader(simulate.ThresholdPanel{Units: 40, Periods: 6, Seed: 9}.CSV()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := mediation.Config{ID: "id", Time: "t", Spec: mediation.Spec{Outcome: "y", Treatment: "x1", Mediator: "z1",
		Controls: []string{"z2"}, PeriodEffects: true, Reps: 150, Level: 0.95, Seed: 4}}
	p, err := mediation.Prepare(tab, panel.Layout{ID: "id", Time: "t"}, cfg.Spec)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := p.Estimate()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(direct)
	got, _ := lead(t, tab, mediation.KindName, cfg.Encode())
	if !bytes.Equal(got, want) {
		t.Errorf("the kind's result differs from the direct analysis:\n%s\n%s", got, want)
	}
	var text bytes.Buffer
	if err := (mediation.Kind{}).WriteText(&text, got); err != nil || !strings.Contains(text.String(), "indirect effect a*b") {
		t.Errorf("text report: %v\n%s", err, text.String())
	}
}

// TestDecodeSpec checks that malformed specifications are refused with a
// message saying why.
func TestDecodeSpec(t *testing.T) {
	dyn := string(dynthreshold.Config{ID: "id", Time: "year", Depvar: "y", Qx: "q"}.Encode())
	valid := threshold.DefaultConfig
	valid.Depvar, valid.Rx, valid.Qx = "y", []string{"x"}, "q"
	good := string(valid.Encode())
	tests := []struct {
		kind, raw, want string
		sentinel        error
	}{
		{"threshold", strings.Replace(good, `"version":1`, `"version":2`, 1), "version 2 (want 1)", threshold.ErrSpec},
		{"threshold", strings.Replace(good, `"depvar"`, `"dep"`, 1), `unknown field "dep"`, threshold.ErrSpec},
		{"threshold", strings.Replace(good, `"grid":"all"`, `"grid":"1"`, 1), `grid "1"`, threshold.ErrSpec},
		{"threshold", `[]`, "the document: want a mapping of keys, not a list", threshold.ErrSpec},
		{"mediation", `{"version":1,"outcome":"y","reps":"x"}`, "reps: want an integer, not a text", mediation.ErrSpec},
		{"mediation", `{"outcome":"y"}`, "version 0 (want 1)", mediation.ErrSpec},
		{"dynthreshold", strings.Replace(dyn, `"version":1`, `"version":2`, 1), "version 2 (want 1)", dynthreshold.ErrSpec},
		{"dynthreshold", strings.Replace(dyn, `"qx"`, `"q"`, 1), `unknown field "q"`, dynthreshold.ErrSpec},
		{"dynthreshold", strings.Replace(dyn, `"qx":"q"`, `"qx":""`, 1), "threshold variable is required", dynthreshold.ErrSpec},
		{"dynthreshold", strings.Replace(dyn, `"trim":0`, `"trim":1.5`, 1), "trim 1.5", dynthreshold.ErrSpec},
		{"dynthreshold", strings.Replace(dyn, `"boost":0`, `"boost":-1`, 1), "-1 bootstrap replications", dynthreshold.ErrSpec},
		{"dynthreshold", strings.Replace(dyn, `"endo":null`, `"endo":["y"]`, 1), `"y" appears in both depvar and endo`, dynthreshold.ErrSpec},
		{"dynthreshold", strings.Replace(dyn, `"seed":0`, `"seed":"1"`, 1), "seed: want a non-negative integer, not a text", dynthreshold.ErrSpec},
		{"montecarlo", `{"version":1,"replications":5,"designs":[{"family":"threshold","n":5,"t":1}],"estimators":[{}]}`, "t is 1", montecarlo.ErrSpec},
		{"montecarlo", `{"version":1,"replication":5}`, `unknown field "replication"`, montecarlo.ErrSpec},
		{"probit", `{}`, `unknown model kind "probit"`, model.ErrUnknownKind},
	}
	for _, tt := range tests {
		_, err := Builtin().Decode(tt.kind, []byte(tt.raw))
		if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %s: %v, want %q", tt.kind, tt.raw, err, tt.want)
		}
	}
	for kind, raw := range map[string]string{"threshold": good, "dynthreshold": dyn} {
		if _, err := Builtin().Decode(kind, []byte(raw)); err != nil {
			t.Errorf("valid %s configuration: %v", kind, err)
		}
	}
}
