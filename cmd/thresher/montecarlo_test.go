package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// e2eStudy is a study whose tasks last about a second each (n = 100,
// T = 10, grid 100, B = 300, two estimators): long enough to kill a worker
// mid-study.
const e2eStudy = `replications: 120
seed: 5
designs:
  - family: threshold
    n: 100
    t: 10
    regime_dependent: [{name: x}]
    thresholds: [0.5]
    slopes: [[1]]
    effect: [0, 0.3]
estimators:
  - {label: xthreg, convention: xthreg, grid: 100, bs: 300}
  - {label: hansen, convention: hansen, grid: 100, bs: 300}
`

// writeStudy writes a study file into a new directory.
func writeStudyFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "study.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMontecarloStudyErrors checks that a study file is read strictly: every
// mistake is a usage error (exit 2) that names it.
func TestMontecarloStudyErrors(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		{"unknown key", "seed: 5\n", "seed: 5\nworkers: 3\n", `unknown field "workers"`},
		{"unknown design key", "n: 100\n", "n: 100\n    units: 3\n", `unknown field "units"`},
		{"unknown estimator key", "bs: 300}", "bs: 300, reps: 3}", `unknown field "reps"`},
		{"T < 2", "t: 10", "t: 1", "t is 1: a panel needs at least 2"},
		{"threshold outside q", "thresholds: [0.5]", "thresholds: [2]", "threshold 1 is 2, outside"},
		{"data not a name", "seed: 5\n", "seed: 5\ndata: [a]\n", "data: want a file name"},
		{"not a mapping", e2eStudy, "- 1\n", "want a mapping"},
		{"no replications", "replications: 120", "replications: 0", "replications 0 must be between 1"},
		{"YAML syntax", "seed: 5", "seed: [5", "yaml:"},
		{"NaN", "slopes: [[1]]", "slopes: [[.nan]]", "designs[0].slopes[0][0]: NaN is not a finite number"},
		{"infinity", "seed: 5\n", "seed: 5\nx: [1, -.inf]\n", "x[1]: -Inf is not a finite number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeStudyFile(t, strings.Replace(e2eStudy, tt.old, tt.new, 1))
			code, _, stderr := runCLI(t, "montecarlo", "--spec", path)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
	if code, _, stderr := runCLI(t, "montecarlo"); code != 2 || !strings.Contains(stderr, "--spec is required") {
		t.Errorf("no --spec: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "montecarlo", "--spec", "/nonexistent/study.yaml"); code != 1 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}

// TestE2EMontecarlo runs one study in-process with 1 and 3 workers, and on
// a cluster of three worker processes one of which is killed mid-study:
// the JSON summaries are byte-identical, and the null's p-values and the
// alternative's power are where they belong.
func TestE2EMontecarlo(t *testing.T) {
	skipShort(t)
	path := writeStudyFile(t, e2eStudy)
	job := func(extra ...string) []string {
		return append([]string{"montecarlo", "--spec", path, "--format", "json"}, extra...)
	}
	var want string
	for _, workers := range []string{"1", "3"} {
		p := startProc(t, "in-process", job("--workers", workers)...)
		if err := p.Wait(5 * time.Minute); err != nil {
			t.Fatalf("in-process run with %s workers: %v\n%s", workers, err, p.Stderr.String())
		}
		switch got := p.Stdout.String(); {
		case want == "":
			want = got
		case got != want:
			t.Errorf("in-process with %s workers: the JSON differs (%d vs %d bytes)", workers, len(got), len(want))
		}
	}
	if !strings.Contains(want, `"null_true": true`) || !strings.Contains(want, `"coverage"`) {
		t.Fatalf("summary without a null stage or coverage:\n%.2000s", want)
	}

	c, addr, _ := newClusterWithCoordinator(t)
	var ws []*proc
	for range 3 {
		ws = append(ws, c.worker())
	}
	client := startProc(t, "client", job(c.remoteFlags(filepath.Join(c.certs, "tokens.txt"), addr)...)...)
	client.WaitFor(t, `replications [1-9][0-9]*/240`, 2*time.Minute)
	ws[1].Kill()
	stillRunning(t, client)
	sameJSON(t, c.result(client), want)
}

// TestSweepMontecarloEntry runs a sweep of a threshold model and a Monte
// Carlo study: the study's result is what 'thresher montecarlo' gives, and
// a montecarlo entry takes only kind, label and spec.
func TestSweepMontecarloEntry(t *testing.T) {
	dir := t.TempDir()
	study := strings.NewReplacer("replications: 120", "replications: 4", "bs: 300", "bs: 19").Replace(e2eStudy)
	if err := os.WriteFile(filepath.Join(dir, "study.yaml"), []byte(study), 0o644); err != nil {
		t.Fatal(err)
	}
	sweep := "data: " + abs(investCSV) + "\ndefaults: {depvar: i, indep: [L.q], rx: [L.c], grid: 20, bs: 9}\n" +
		"specs:\n  - {label: cash flow, qx: L.c}\n  - {kind: montecarlo, label: study, spec: study.yaml}\n"
	path := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(path, []byte(sweep), 0o644); err != nil {
		t.Fatal(err)
	}
	results, stderr := runSweepJSON(t, path, "1")
	if !regexp.MustCompile(`#2 replications [0-8]/8\b`).MatchString(stderr) {
		t.Errorf("the study's progress is not counted in its 2 x 4 replications:\n%s", stderr)
	}
	if len(results) != 2 {
		t.Fatalf("sweep JSON: %d results, want 2", len(results))
	}
	code, want, stderr := runCLI(t, "montecarlo", "--spec", filepath.Join(dir, "study.yaml"), "--format", "json", "--workers", "1")
	if code != 0 {
		t.Fatalf("montecarlo: exit %d: %s", code, stderr)
	}
	if g, w := compactJSON(t, results[1].Result), compactJSON(t, []byte(want)); g != w {
		t.Errorf("the sweep's study result differs from thresher montecarlo's:\n%.300s\n%.300s", g, w)
	}
	code, text, _ := runCLI(t, "sweep", "--spec", path, "--workers", "1")
	if code != 0 || !strings.Contains(text, "=== study ===\nMonte Carlo study: 4 replications") {
		t.Errorf("text report: exit %d\n%.800s", code, text)
	}
	bad := strings.Replace(sweep, "spec: study.yaml}", "spec: study.yaml, grid: 5}", 1)
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "sweep", "--spec", path); code != 2 || !strings.Contains(stderr, `unknown key "grid"`) {
		t.Errorf("extra key: exit %d, %q", code, stderr)
	}
}

// TestMontecarloResample runs a study of the resample design on Hansen's
// data, named relative to the study file, and refuses it without data.
func TestMontecarloResample(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(investCSV)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "invest.csv"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	study := `replications: 3
seed: 1
data: invest.csv
designs:
  - {family: resample, y: i, id: id, time: year, regime_dependent: [{name: c}], q: {name: d}, thresholds: [0.3], slopes: [[0.05], [0.1]], resample: iid}
estimators:
  - {grid: 20, bs: 9}
`
	path := filepath.Join(dir, "study.yaml")
	if err := os.WriteFile(path, []byte(study), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "montecarlo", "--spec", path, "--format", "json", "--workers", "1")
	if code != 0 || !strings.Contains(out, `"family": "resample"`) || !strings.Contains(out, `"succeeded": 3`) {
		t.Fatalf("exit %d: %s\n%.500s", code, stderr, out)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(study, "data: invest.csv\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "montecarlo", "--spec", path); code != 2 || !strings.Contains(stderr, "a resample design needs the user's data") {
		t.Errorf("without data: exit %d, %q", code, stderr)
	}
}

// TestMontecarloOutputFlags checks that --out and --format are refused as
// usage errors before the study runs, and that a refused --out creates
// nothing.
func TestMontecarloOutputFlags(t *testing.T) {
	path := writeStudyFile(t, e2eStudy)
	missing := filepath.Join(t.TempDir(), "none", "out")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", missing}, "directory " + filepath.Dir(missing) + " does not exist"},
		{[]string{"--format", "csv"}, `unknown report format "csv" (want text, json, markdown or latex)`},
	} {
		code, _, stderr := runCLI(t, append([]string{"montecarlo", "--spec", path}, tt.args...)...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("--out %s created its parent: %v", missing, err)
	}
}

// TestMontecarloAllFailed checks that a study whose replications all fail
// with an estimator says how many failed and why, in its text report and
// on stderr, and exits 1; that 'thresher jobs get' of the study prints and
// exits the same; and that a sweep's text report of the study says it too.
func TestMontecarloAllFailed(t *testing.T) {
	at := inprocessCluster(t, 1)
	path := writeStudyFile(t, `replications: 3
seed: 1
designs:
  - {family: threshold, n: 20, t: 5, regime_dependent: [{name: x}], thresholds: [0.5], slopes: [[1], [2]]}
estimators:
  - {label: hansen, convention: hansen, grid: 20, bs: 0, thnum: 3, trim: 0.4}
  - {label: xthreg, convention: xthreg, grid: 20, bs: 0}
`)
	failure := "design 1 (threshold), estimator hansen: 3 of 3 replications failed; the first, replication 0: invalid data for the model: stage 2: no candidate threshold"
	code, stdout, stderr := runCLI(t, append([]string{"montecarlo", "--spec", path}, at...)...)
	for _, want := range []string{"thresher: " + failure, "error: design 1 (threshold), estimator hansen: every replication failed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q, want %q", stderr, want)
		}
	}
	if code != 1 || !strings.Contains(stdout, "\n"+failure) || !strings.Contains(stdout, "xthreg") || strings.Contains(stderr, "estimator xthreg") {
		t.Errorf("exit %d (want 1, the report written with the failure, xthreg without failures); stdout %q", code, stdout)
	}

	id := submittedID(t, stderr)
	code, got, getStderr := runCLI(t, append([]string{"jobs", "get", id}, at...)...)
	if code != 1 || got != stdout || !strings.Contains(getStderr, "thresher: "+failure) {
		t.Errorf("jobs get: exit %d, stderr %q; stdout\n%s\nwant 1 and montecarlo's\n%s", code, getStderr, got, stdout)
	}

	sweep := filepath.Join(filepath.Dir(path), "sweep.yaml")
	if err := os.WriteFile(sweep, []byte("specs:\n  - {kind: montecarlo, label: study, spec: "+filepath.Base(path)+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, got, stderr = runCLI(t, append([]string{"sweep", "--spec", sweep}, at...)...)
	if code != 0 || !strings.Contains(got, "=== study ===\n"+strings.SplitAfter(stdout, "\n")[0]+failure) {
		t.Errorf("sweep: exit %d, %s; stdout\n%s\nwant the study's failure under its label", code, stderr, got)
	}
}
