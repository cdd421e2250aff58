package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	e := entries[1]
	if e.Label != "cash flow" || e.Qx != "L.c" || e.Depvar != "i" || e.Thnum != 1 || e.Trim[0] != 0.05 || e.Seed != 5 || e.ID != "id" {
		t.Errorf("entry 2: %+v", e)
	}
	if entries[0].Thnum != 2 || len(entries[0].Trim) != 0 {
		t.Errorf("entry 1: %+v", entries[0])
	}
	for bad, msg := range map[string]string{
		"specs:\n  - {qx: d, tresholds: 2}\n": "tresholds",
		"defaults: {depvar: i}\n":             "no specs",
		"data: x\nspecs: 3\n":                 "cannot unmarshal",
	} {
		if _, _, err := parseSweep([]byte(bad)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", bad, err, msg)
		}
	}
}

// TestSweepMatchesXthreg runs a two-model sweep in-process and checks that
// each result is byte for byte what 'thresher xthreg' gives for the model.
func TestSweepMatchesXthreg(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sweep.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(sweepYAML, "../../testdata", mustAbs(t, "../../testdata"), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "sweep", "--spec", path, "--format", "json", "--workers", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sweep struct {
		Results []struct {
			Label  string          `json:"label"`
			Result json.RawMessage `json:"result"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &sweep); err != nil {
		t.Fatal(err)
	}
	_, single, stderr := runCLI(t, "xthreg", "--data", investCSV, "--depvar", "i", "--indep", "L.q,L.q^2,L.q^3,L.d,L.q*L.d",
		"--rx", "L.c", "--qx", "L.c", "--convention", "hansen", "--grid", "400", "--bs", "40", "--seed", "5", "--trim", "0.05",
		"--format", "json")
	var a, b bytes.Buffer
	json.Compact(&a, sweep.Results[1].Result)
	json.Compact(&b, []byte(single))
	if len(sweep.Results) != 2 || sweep.Results[1].Label != "cash flow" || a.String() != b.String() {
		t.Errorf("sweep result 2 differs from xthreg's (%d results): %s", len(sweep.Results), stderr)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
