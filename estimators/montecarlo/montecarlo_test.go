package montecarlo

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
)

// splitRunner computes a family's tasks in this goroutine, shard by shard.
type splitRunner struct{ m model.Model }

func (r splitRunner) Run(ctx context.Context, f model.Family) ([]float64, error) {
	var out []float64
	for a := 0; a < f.N; a += f.Shard {
		v, err := r.m.Execute(ctx, model.Task{Family: f.Name, Work: f.Work, First: a, Last: min(a+f.Shard, f.N)})
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// lead decodes a study, prepares it on an empty dataset and runs it in this
// process.
func lead(t *testing.T, study string) []byte {
	t.Helper()
	spec, err := Kind{}.DecodeSpec([]byte(study))
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Prepare(&panel.Table{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Lead(context.Background(), splitRunner{m})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// study is a small valid study with fields to replace.
func study(replace ...string) string {
	s := `{"version":1,"replications":3,"seed":1,` +
		`"designs":[{"family":"threshold","n":20,"t":5,"regime_dependent":[{"name":"x"}],"thresholds":[0.5],"slopes":[[1],[2]]}],` +
		`"estimators":[{"convention":"xthreg","grid":20,"bs":9}]}`
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			panic("study: no " + replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	return s
}

// TestDecodeErrors checks that every mistake in a study is refused with a
// message that names it.
func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"unknown field", study(`"seed":1`, `"seed":1,"reps":5`), `unknown field "reps"`},
		{"unknown design field", study(`"n":20`, `"n":20,"units":4`), `unknown field "units"`},
		{"unknown estimator field", study(`"bs":9`, `"bs":9,"b":3`), `unknown field "b"`},
		{"version", study(`"version":1`, `"version":2`), "version 2 (want 1)"},
		{"no replications", study(`"replications":3`, `"replications":0`), "replications 0 must be between 1 and"},
		{"no designs", study(`"designs":[{"family":"threshold","n":20,"t":5,"regime_dependent":[{"name":"x"}],"thresholds":[0.5],"slopes":[[1],[2]]}]`, `"designs":[]`), "no design"},
		{"no estimators", study(`[{"convention":"xthreg","grid":20,"bs":9}]`, `[]`), "no estimators"},
		{"T < 2", study(`"t":5`, `"t":1`), "t is 1: a panel needs at least 2"},
		{"threshold outside q", study(`"thresholds":[0.5]`, `"thresholds":[1.5]`), "threshold 1 is 1.5, outside"},
		{"slopes per regime", study(`"slopes":[[1],[2]]`, `"slopes":[[1]]`), "slopes has 1 rows for 2 regimes"},
		{"convention", study(`"convention":"xthreg"`, `"convention":"r"`), `unknown convention "r"`},
		{"trim", study(`"bs":9`, `"bs":9,"trim":[0.6]`), "trim 0.6 for stage 1 must lie strictly between 0 and 0.5"},
		{"grid", study(`"grid":20`, `"grid":1`), `grid "1" must be "all" or an integer >= 2`},
		{"bs", study(`"bs":9`, `"bs":-1`), "bootstrap replications -1"},
		{"trim as a number", study(`"bs":9`, `"bs":9,"trim":0.6`), "trim 0.6 for stage 1 must lie strictly between 0 and 0.5"},
		{"trim as text", study(`"bs":9`, `"bs":9,"trim":"a"`), `trim: want a number or a list of numbers, not "a"`},
		{"level 100", study(`"bs":9`, `"bs":9,"level":100`), "level: confidence level 100: give a percent between 10 and 99.99 (95) or a fraction between 0.1 and 0.9999 (0.95)"},
		{"level 5", study(`"bs":9`, `"bs":9,"level":5`), "level: confidence level 5: give a percent between 10 and 99.99 (95) or a fraction between 0.1 and 0.9999 (0.95)"},
		{"level 200", study(`"bs":9`, `"bs":9,"level":200`), "level: confidence level 200: give a percent between 10 and 99.99 (95) or a fraction between 0.1 and 0.9999 (0.95)"},
		{"fractional replications", study(`"replications":3`, `"replications":2.5`), "study: replications: want an integer, not the number 2.5"},
		{"negative seed", study(`"seed":1`, `"seed":-1`), "study: seed: want a non-negative integer, not the number -1"},
		{"label with a newline", study(`"bs":9`, `"bs":9,"label":"a\nb"`), `estimators 1: the label "a\nb" has a control character`},
		{"level 0", study(`"bs":9`, `"bs":9,"level":0`), "level: confidence level 0: give a percent between 10 and 99.99 (95) or a fraction between 0.1 and 0.9999 (0.95)"},
		{"thnum 0", study(`"bs":9`, `"bs":9,"thnum":0`), "thnum: 0 is outside 1..64"},
		{"thnum 65", study(`"bs":9`, `"bs":9,"thnum":65`), "thnum: 65 is outside 1..64"},
		{"labels", study(`[{"convention":"xthreg","grid":20,"bs":9}]`, `[{"label":"a"},{"label":"a"}]`), `estimators 1 and 2 both have the label "a"`},
		{"default labels", study(`[{"convention":"xthreg","grid":20,"bs":9}]`, `[{"bs":9},{"bs":9,"bootstrap":"wild"},{"bs":9}]`), `estimators 1 and 3 both have the label "xthreg grid all K=1 B=9"`},
		{"trailing data", study() + "{}", "data after the JSON document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Kind{}.DecodeSpec([]byte(tt.raw))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	for _, valid := range []string{study(), study(`"bs":9`, `"bs":9,"trim":0.05,"level":0.9,"thnum":2`), study(`"bs":9`, `"bs":9,"trim":[0.05,0.1],"level":99,"thnum":2`)} {
		if _, err := (Kind{}).DecodeSpec([]byte(valid)); err != nil {
			t.Errorf("valid study %s: %v", valid, err)
		}
	}
}

// TestEncodeCanonical checks that a decoded study encodes to the canonical
// bytes it was decoded from.
func TestEncodeCanonical(t *testing.T) {
	raw := `{"version":1,"designs":[{"family":"threshold","n":20,"t":5,"regime_dependent":[{"name":"x"}],"thresholds":[0.5],"slopes":[[1],[2]]}],` +
		`"estimators":[{"label":"","convention":"xthreg","grid":20,"trim":null,"thnum":null,"bootstrap":"","bs":9,"level":null}],"replications":3,"seed":1}`
	spec, err := Kind{}.DecodeSpec([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(spec.Encode()); got != raw {
		t.Errorf("Encode() = %s\nwant %s", got, raw)
	}
}

// TestTaskRanges checks that a task must cover whole records of a design
// the study has.
func TestTaskRanges(t *testing.T) {
	spec, err := Kind{}.DecodeSpec([]byte(study()))
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Prepare(&panel.Table{})
	if err != nil {
		t.Fatal(err)
	}
	n := m.(*kindModel).layouts[0].len()
	for _, tt := range []struct {
		task model.Task
		want string
	}{
		{model.Task{Family: "bootstrap", Work: []byte(`{"design":0}`)}, `no task family "bootstrap"`},
		{model.Task{Family: familyReplications, Work: []byte(`{"design":1}`), Last: n}, "design 1 of 1"},
		{model.Task{Family: familyReplications, Work: []byte(`{"design":0}`), First: 1, Last: n}, "not whole records"},
		{model.Task{Family: familyReplications, Work: []byte(`{"design":0}`), Last: 4 * n}, "not whole records"},
	} {
		if _, err := m.Execute(context.Background(), tt.task); err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrSpec) {
			t.Errorf("%+v: %v, want %q", tt.task, err, tt.want)
		}
	}
}

// TestShardIndependence checks that the summary does not depend on how the
// replications are split into tasks.
func TestShardIndependence(t *testing.T) {
	s := study(`"replications":3`, `"replications":7`)
	want := lead(t, s)
	spec, _ := Kind{}.DecodeSpec([]byte(s))
	m, _ := spec.Prepare(&panel.Table{})
	km := m.(*kindModel)
	km.perTask[0] = 2
	got, err := m.Lead(context.Background(), splitRunner{m})
	if err != nil || string(got) != string(want) {
		t.Errorf("2 replications per task: %v\n%s\nwant %s", err, got, want)
	}
}

// TestPrepareErrors checks that an estimator that cannot run on a design
// fails the study when it is prepared, before any replication.
func TestPrepareErrors(t *testing.T) {
	spec, err := Kind{}.DecodeSpec([]byte(study(`"slopes":[[1],[2]]`, `"slopes":[[1],[2]],"drop":0.1`, `"bs":9`, `"bs":9,"bootstrap":"residual"`)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = spec.Prepare(&panel.Table{})
	if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "design 1 (threshold) with estimator 1") || !strings.Contains(err.Error(), "residual bootstrap") {
		t.Errorf("residual bootstrap on an unbalanced design: %v", err)
	}
}

// TestThreeThresholds checks that a study with three thresholds runs in
// both conventions, and that coverage is that of the intervals the last
// stage reports: xthreg's stage 3 refines the first two thresholds and
// reports only the new threshold's interval.
func TestThreeThresholds(t *testing.T) {
	res := lead(t, study(`"n":20,"t":5`, `"n":100,"t":10`, `"thresholds":[0.5]`, `"thresholds":[0.25,0.5,0.75]`, `"slopes":[[1],[2]]`, `"slopes":[[1],[2],[3],[4]]`,
		`[{"convention":"xthreg","grid":20,"bs":9}]`, `[{"convention":"xthreg","grid":20,"bs":0,"thnum":3},{"convention":"hansen","grid":20,"bs":0,"thnum":3}]`))
	var sum struct {
		Designs []struct {
			Estimators []struct {
				Label     string
				Succeeded int
				Stages    []struct {
					Coverage []*float64
				}
			}
		}
	}
	if err := json.Unmarshal(res, &sum); err != nil {
		t.Fatal(err)
	}
	for _, e := range sum.Designs[0].Estimators {
		if e.Succeeded != 3 {
			t.Errorf("%s: %d of 3 replications succeeded", e.Label, e.Succeeded)
		}
		if cov := e.Stages[2].Coverage; len(cov) != 3 || !slices.ContainsFunc(cov, func(c *float64) bool { return c != nil }) {
			t.Errorf("%s: stage 3 coverage %v, want 3 values, some defined", e.Label, cov)
		}
	}
}

// TestIntervalBounds checks that each interval lands on its threshold and
// that a threshold without an interval has NaN bounds.
func TestIntervalBounds(t *testing.T) {
	lower, upper, err := intervalBounds([]float64{1, 2, 3}, []threshold.Interval{{Threshold: 2, Lower: 1.5, Upper: 2.5}})
	if err != nil || !math.IsNaN(lower[0]) || lower[1] != 1.5 || upper[1] != 2.5 || !math.IsNaN(upper[2]) {
		t.Errorf("one interval of three thresholds: %v %v %v", lower, upper, err)
	}
	if _, _, err := intervalBounds([]float64{1}, []threshold.Interval{{Threshold: 2}}); err == nil || !strings.Contains(err.Error(), "matches none of the thresholds") {
		t.Errorf("an interval of no threshold: %v", err)
	}
}

// TestFirstFailure checks that the summary says why the first failed
// replication failed: here the trim leaves no candidate for a second
// threshold in any replication; Failures and the text report say it too.
func TestFirstFailure(t *testing.T) {
	res := lead(t, study(`[{"convention":"xthreg","grid":20,"bs":9}]`,
		`[{"convention":"hansen","grid":20,"bs":0,"thnum":3,"trim":0.4},{"convention":"xthreg","grid":20,"bs":0}]`))
	var sum Summary
	if err := json.Unmarshal(res, &sum); err != nil {
		t.Fatal(err)
	}
	failing, fine := sum.Designs[0].Estimators[0], sum.Designs[0].Estimators[1]
	if failing.Failed != 3 || !strings.HasPrefix(failing.FirstFailure, "replication 0: invalid data for the model: stage 2: no candidate threshold") {
		t.Errorf("failing estimator: %d failed, first failure %q", failing.Failed, failing.FirstFailure)
	}
	if fine.Failed != 0 || fine.FirstFailure != "" {
		t.Errorf("estimator without failures: %d failed, first failure %q", fine.Failed, fine.FirstFailure)
	}
	failures := sum.Failures()
	line := "design 1 (" + sum.Designs[0].Label + "), estimator " + failing.Label + ": 3 of 3 replications failed; the first, " + failing.FirstFailure
	if len(failures) != 1 || failures[0].Error() != line || !failures[0].All() {
		t.Fatalf("Failures() = %v, want one, all failed: %s", failures, line)
	}
	var text strings.Builder
	if err := (Kind{}).WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if want := "Monte Carlo study: 3 replications, seed 1\n" + line + "\n\n"; !strings.HasPrefix(text.String(), want) {
		t.Errorf("text report starts\n%.400s\nwant\n%s", text.String(), want)
	}
}

// TestSharedPreparations checks that estimators differing only in the
// bootstrap kind share one prepared problem per replication and that their
// records are bit for bit those of separately prepared problems.
func TestSharedPreparations(t *testing.T) {
	s := study(`"estimators":[{"convention":"xthreg","grid":20,"bs":9}]`, `"estimators":[`+
		`{"convention":"xthreg","grid":20,"bs":9,"bootstrap":"residual"},{"convention":"xthreg","grid":20,"bs":9,"bootstrap":"wild"},`+
		`{"convention":"hansen","grid":20,"bs":9,"thnum":2,"bootstrap":"wild"},{"convention":"hansen","grid":20,"bs":9,"thnum":2,"bootstrap":"residual"}]`)
	spec, err := Kind{}.DecodeSpec([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Prepare(&panel.Table{})
	if err != nil {
		t.Fatal(err)
	}
	km := m.(*kindModel)
	l := km.layouts[0]
	for rep := range km.p.study.Replications {
		table, err := km.gens[0].Draw(km.p.study.Seed, 0, rep).Table()
		if err != nil {
			t.Fatal(err)
		}
		seed := replicationSeed(km.p.study.Seed, 0, rep)
		shared := &preparations{table: table}
		var got, want []float64
		for _, c := range km.p.configs {
			rec, err := estimate(km.vars[0].config(c, seed), shared, l.rx)
			if err != nil {
				t.Fatal(err)
			}
			got = l.appendBlock(got, rec, c.Thnum)
			if rec, err = estimate(km.vars[0].config(c, seed), &preparations{table: table}, l.rx); err != nil {
				t.Fatal(err)
			}
			want = l.appendBlock(want, rec, c.Thnum)
		}
		if len(shared.problems) != 2 {
			t.Errorf("replication %d: %d problems prepared for 2 specifications", rep, len(shared.problems))
		}
		if !slices.EqualFunc(got, want, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
			t.Errorf("replication %d: shared records\n%v\nwant\n%v", rep, got, want)
		}
	}
}
