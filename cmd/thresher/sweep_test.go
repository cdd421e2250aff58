package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/dynthreshold"
	"github.com/thresher/thresher/estimators/threshold"
)

const sweepYAML = `data: ../../testdata/hansen1999/invest.csv
defaults:
  depvar: i
  indep: [L.q, L.q^2, L.q^3, L.d, L.q*L.d]
  rx: [L.c]
  convention: hansen
  grid: 400
  bs: [40]
  seed: 5
specs:
  - {label: debt, qx: L.d, thnum: 2}
  - {label: cash flow, qx: L.c, trim: [0.05]}
`

func TestParseSweep(t *testing.T) {
	data, entries, err := parseSweep([]byte(sweepYAML))
	if err != nil {
		t.Fatal(err)
	}
	if data != investCSV || len(entries) != 2 {
		t.Fatalf("data %q, %d entries", data, len(entries))
	}
	e := thresholdEntry(t, entries[1])
	if entries[1].Label != "cash flow" || e.Qx != "L.c" || e.Depvar != "i" || e.Thnum != 1 || e.Trim[0] != 0.05 || e.Seed != 5 || e.ID != "id" {
		t.Errorf("entry 2: %+v", e)
	}
	if e := thresholdEntry(t, entries[0]); e.Thnum != 2 || len(e.Trim) != 0 {
		t.Errorf("entry 1: %+v", entries[0])
	}
	scalars, err := parseSweepEntries(t, "specs:\n  - {qx: d, bs: 5, trim: 0.05, thresholds: -1.5e-1, save_draws: true, level: 99.5, vce: cluster, fe: twoway, missing: error}\n")
	if err != nil {
		t.Fatal(err)
	}
	if e := thresholdEntry(t, scalars[0]); !slices.Equal(e.Bs, []int{5}) || !slices.Equal(e.Trim, []float64{0.05}) ||
		!slices.Equal(e.Thresholds, []float64{-0.15}) || !e.SaveDraws || e.Level != 99.5 || e.VCE != "cluster" ||
		e.FE != "twoway" || e.Missing != "error" {
		t.Errorf("scalars for lists: %v, %+v", err, scalars)
	}
}

// thresholdEntry returns the threshold model of an entry.
func thresholdEntry(t *testing.T, e sweepEntry) *modelConfig {
	t.Helper()
	m, ok := e.Model.(*modelConfig)
	if !ok || e.Kind != threshold.KindName {
		t.Fatalf("entry %q is of kind %s (%T)", e.Label, e.Kind, e.Model)
	}
	return m
}

func parseSweepEntries(t *testing.T, raw string) ([]sweepEntry, error) {
	t.Helper()
	_, entries, err := parseSweep([]byte(raw))
	return entries, err
}

// TestParseSweepErrors checks that a sweep file's options are refused as
// their flags would be, with the line, and never with a Go type name.
func TestParseSweepErrors(t *testing.T) {
	cases := []struct{ file, msg string }{
		{"specs:\n  - {qx: d, tresholds: 2}\n", `line 2: unknown key "tresholds"`},
		{"defaults: {depvar: i}\n", "no specs"},
		{"", "empty"},
		{"data: x\nspecs: 3\n", "line 2: specs: want a list of models"},
		{"data: [x]\nspecs: [{qx: d}]\n", "data: want a file name"},
		{"specs:\n  - qx: d\n    thnum: 2.5\n", `spec 1: line 3: thnum: invalid value "2.5": "2.5" is not an integer`},
		{"defaults:\n  thnum: 1e1\nspecs: [{qx: d}]\n", `defaults (for spec 1, of kind threshold): line 2: thnum: invalid value "1e1": "1e1" is not an integer`},
		{"specs: [{qx: d, thnum: 65}]\n", "65 is outside 1..64"},
		{"specs: [{qx: d, level: 0}]\n", "confidence level 0: give a percent"},
		{"specs: [{qx: d, level: 100}]\n", `invalid value "100": confidence level 100: give a percent`},
		{"specs: [{qx: d, level: .nan}]\n", `".nan" is not a number`},
		{"specs: [{qx: d, trim: 0.5}]\n", "0.5 must lie strictly between 0 and 0.5"},
		{"specs: [{qx: d, trim: [0.1, 0x1p-3]}]\n", `"0x1p-3" is not a number`},
		{"specs: [{qx: d, bs: [5, x]}]\n", `"x" is not a number`},
		{"specs: [{qx: d, bs: -1}]\n", "-1 is outside 0..10000000"},
		{"specs: [{qx: d, bs: [[5]]}]\n", "bs: item 1 is not a single value"},
		{"specs: [{qx: d, thnum: [2]}]\n", "thnum: takes a single value, not a list"},
		{"specs: [{qx: d, bs: }]\n", "bs: no value"},
		{"specs: [{label: A, qx: d}, {label: a, qx: c}]\n", `specs 1 and 2 have the labels "A" and "a", which differ only in case`},
		{"specs: [{label: x, qx: d}, {label: 'x ', qx: c}]\n", `specs 2: the label "x " begins or ends with a space`},
		{"specs: [{label: \"a\\nb\", qx: d}]\n", `specs 1: the label "a\nb" has a control character`},
		{"specs: [{qx: d, thnum: \"1\"}]\n", `thnum: "1" is quoted, which makes it text: write the number without quotes`},
		{"specs: [{qx: d, bs: [5, '6']}]\n", `bs: item 2: "6" is quoted`},
		{"specs: [{qx: d, bs: []}]\n", `bs: invalid value "": an empty list: give at least one value`},
		{"specs: [{qx: d, trim: []}]\n", `trim: invalid value "": an empty list: give at least one value`},
		{"specs: [{qx: d, level: 5}]\n", "confidence level 5: give a percent"},
		{"specs: [{qx: d, indep: {a: b}}]\n", "indep: want a value or a list of values"},
		{"specs: [{qx: d, seed: -1}]\n", "seed: invalid value"},
		{"specs: [{qx: d, grid: 1}]\n", `grid "1" must be "all" or an integer >= 2`},
		{"specs: [{qx: d, grid: 2.5}]\n", `grid "2.5"`},
		{"specs: [{qx: d, convention: hansn}]\n", `unknown convention "hansn"`},
		{"specs: [{qx: d, save_draws: yes}]\n", `"yes" is neither true nor false`},
		{"specs: [{qx: d, fe: year}]\n", `fe: invalid value "year": invalid specification: unknown fe "year" (want unit or twoway)`},
		{"specs: [{qx: d, missing: skip}]\n", `unknown missing "skip" (want drop or error)`},
		{"specs: [{qx: d, save-draws: true}]\n", `unknown key "save-draws"`},
		{"specs: [{qx: d, vce: hc3}]\n", `unknown vce "hc3"`},
		{"specs: [{qx: d, qx: e}]\n", "line 1: qx is given twice"},
		{"specs: [{label: a, qx: d}, {label: a, qx: e}]\n", `specs 1 and 2 both have the label "a"`},
		{"specs: [{qx: d}, {label: spec 1, qx: e}]\n", `specs 1 and 2 both have the label "spec 1"`},
		{"defaults: &d {qx: d}\nspecs: [{<<: *d, thnum: 2}]\n", "merge keys (<<) are not supported"},
		{"specs: [3]\n", "spec 1: line 1: want a mapping of model options"},
		{"defaults: 3\nspecs: [{qx: d}]\n", "defaults: line 1: want a mapping of model options"},
		{"specs: [{kind: dynthreshold, qx: d, thnum: 2}]\n", `spec 1: line 1: unknown key "thnum" (the keys are the flags of 'thresher xthenreg'`},
		{"specs: [{kind: dynthreshold, qx: d, grid: 0}]\n", `grid: invalid value "0": 0 is outside 1..10000`},
		{"specs: [{kind: dynthreshold, qx: d, bootstrap: wild}]\n", `bootstrap: invalid value "wild"`},
		{"specs: [{kind: dynthreshold, qx: d, static: yes}]\n", `static: invalid value "yes"`},
		{"specs: [{kind: xthenreg, qx: d}]\n", `spec 1: line 1: kind: unknown kind "xthenreg" (want threshold`},
		{"specs: [{kind: [dynthreshold], qx: d}]\n", `kind: unknown kind ""`},
		{"defaults: {kind: dynthr}\nspecs: [{qx: d}]\n", `defaults: line 1: kind: unknown kind "dynthr"`},
		{"defaults: {thnum: 2}\nspecs: [{qx: d}, {kind: dynthreshold, qx: d}]\n", `defaults (for spec 2, of kind dynthreshold): line 1: unknown key "thnum"`},
		{"defaults: {kind: dynthreshold}\nspecs: [{qx: d, rx: c}]\n", `spec 1: line 2: unknown key "rx"`},
		{"specs: [{kind: dynthreshold, kind: threshold, qx: d}]\n", "kind is given twice"},
	}
	for _, c := range cases {
		_, err := parseSweepEntries(t, c.file)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: error %v, want %q", c.file, err, c.msg)
			continue
		}
		if strings.Contains(err.Error(), "main.") || strings.Contains(err.Error(), "unmarshal") {
			t.Errorf("%q: error names a Go type: %v", c.file, err)
		}
	}
}

// TestSweepMatchesXthreg runs a two-model sweep in-process and checks that
// each result is byte for byte what 'thresher xthreg' gives for the model.
func TestSweepMatchesXthreg(t *testing.T) {
	path := writeSweepFile(t, t.TempDir(), sweepYAML)
	results, _ := runSweepJSON(t, path, "2")
	code, single, stderr := runCLI(t, "xthreg", "--data", investCSV, "--depvar", "i", "--indep", "L.q,L.q^2,L.q^3,L.d,L.q*L.d",
		"--rx", "L.c", "--qx", "L.c", "--convention", "hansen", "--grid", "400", "--bs", "40", "--seed", "5", "--trim", "0.05",
		"--format", "json")
	if code != 0 {
		t.Fatalf("xthreg: exit %d: %s", code, stderr)
	}
	if len(results) != 2 || results[1].Label != "cash flow" || compactJSON(t, results[1].Result) != compactJSON(t, []byte(single)) {
		t.Errorf("sweep result 2 differs from xthreg's (%d results)", len(results))
	}
}

// TestParseSweepKinds checks entries of both kinds: the defaults' kind
// applies unless an entry names its own, and every option reaches the
// dynamic model's configuration.
func TestParseSweepKinds(t *testing.T) {
	file := `defaults: {kind: dynthreshold, depvar: i, qx: d, seed: 3, grid: 5}
specs:
  - {label: dyn, indep: [q, c, d], endo: d, boost: 50, bootstrap: full, kink: true, static: false, trim: 0.2, h0: 2, unbalanced: true}
  - {label: static, static: true, exog: [q], inst: L2.c}
  - {kind: threshold, label: hansen, rx: c, grid: 5}
`
	_, entries, err := parseSweep([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []dynthreshold.Config{
		{ID: "id", Time: "year", Depvar: "i", Qx: "d", Indep: []string{"q", "c", "d"}, Endo: []string{"d"}, Kink: true,
			Unbalanced: true, Grid: 5, Trim: 0.2, H0: 2, Boost: 50, Bootstrap: dynthreshold.BootstrapFull, Seed: 3},
		{ID: "id", Time: "year", Depvar: "i", Qx: "d", Exog: []string{"q"}, Inst: []string{"L2.c"}, Static: true,
			Grid: 5, Trim: dynthreshold.DefaultTrim, H0: dynthreshold.DefaultH0, Bootstrap: dynthreshold.BootstrapFast, Seed: 3},
	}
	for i, w := range want {
		m, ok := entries[i].Model.(*xthenregModel)
		if !ok || entries[i].Kind != dynthreshold.KindName {
			t.Fatalf("entry %d: kind %s, %T", i+1, entries[i].Kind, entries[i].Model)
		}
		if got, wantRaw := m.Encode(), w.Encode(); string(got) != string(wantRaw) {
			t.Errorf("entry %d:\n got %s\nwant %s", i+1, got, wantRaw)
		}
	}
	if m := thresholdEntry(t, entries[2]); m.Depvar != "i" || m.Qx != "d" || m.Seed != 3 || len(m.Rx) != 1 {
		t.Errorf("entry 3: %+v", m)
	}
}

// TestSweepMatchesXthenreg runs a sweep with a dynamic and a threshold
// model in-process and checks that the dynamic result is byte for byte what
// 'thresher xthenreg' gives, and that the text report has both kinds' tables.
func TestSweepMatchesXthenreg(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sweep.yaml")
	file := "data: " + abs(investCSV) + `
defaults: {depvar: i, qx: d, seed: 7, grid: 5}
specs:
  - {label: dynamic, kind: dynthreshold, indep: [q, c, d], endo: d, boost: 30}
  - {label: static, rx: c, bs: 0}
`
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	results, _ := runSweepJSON(t, path, "2")
	code, single, stderr := runCLI(t, "xthenreg", "--data", investCSV, "--depvar", "i", "--qx", "d", "--indep", "q,c,d",
		"--endo", "d", "--boost", "30", "--seed", "7", "--grid", "5", "--format", "json")
	if code != 0 {
		t.Fatalf("xthenreg: exit %d: %s", code, stderr)
	}
	if len(results) != 2 || results[0].Label != "dynamic" {
		t.Fatalf("sweep: %d results, want 2 with the dynamic model first", len(results))
	}
	if a, b := compactJSON(t, results[0].Result), compactJSON(t, []byte(single)); a != b {
		t.Errorf("sweep result 1 differs from xthenreg's:\n%s\n%s", a, b)
	}
	code, text, stderr := runCLI(t, "sweep", "--spec", path, "--workers", "2")
	if code != 0 || !strings.Contains(text, "=== dynamic ===\nDynamic panel threshold model") || !strings.Contains(text, "=== static ===") {
		t.Errorf("text report (exit %d): %s%s", code, text, stderr)
	}
}

// writeSweepFile writes the sweep file text, its data path
// ../../testdata made absolute, into dir as sweep.yaml and returns its path.
func writeSweepFile(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(text, "../../testdata", abs("../../testdata"), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sweepResult is a model's entry in the JSON report of a sweep.
type sweepResult struct {
	Label  string          `json:"label"`
	Result json.RawMessage `json:"result"`
}

// runSweepJSON runs 'thresher sweep' in-process on the sweep file at path,
// with a JSON report and workers workers, and returns its results and its
// standard error; a failed run or an unreadable report fails the test.
func runSweepJSON(t *testing.T, path, workers string) (results []sweepResult, stderr string) {
	t.Helper()
	code, out, stderr := runCLI(t, "sweep", "--spec", path, "--format", "json", "--workers", workers)
	if code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, stderr)
	}
	var report struct {
		Results []sweepResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("sweep JSON: %v\n%.500s", err, out)
	}
	return report.Results, stderr
}

// compactJSON returns the JSON document raw without insignificant white
// space; a document that is not JSON fails the test.
func compactJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("%v: %.300s", err, raw)
	}
	return b.String()
}
