package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallPaperSpec keeps the bootstraps short.
const smallPaperSpec = "mediation: {reps: 60, seed: 3}\nthreshold: {bs: 40, grid: 100, seed: 3}\n"

func runPaperCLI(t *testing.T, workers string) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "simulate", "provinces", "--seed", "2", "--out", dir); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	spec := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(spec, []byte(smallPaperSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI(t, "paper", "--data", filepath.Join(dir, "provinces.csv"), "--spec", spec, "--out", out, "--workers", workers)
	if code != 0 {
		t.Fatalf("paper: exit %d: %s", code, stderr)
	}
	return out
}

// TestPaperSameOnOneAndThreeWorkers runs the whole chain from simulated
// raw data and checks that Tables 5 and 6 (the bootstrapped ones) and every
// result are byte-identical on one and on three workers.
func TestPaperSameOnOneAndThreeWorkers(t *testing.T) {
	one, three := runPaperCLI(t, "1"), runPaperCLI(t, "3")
	for _, f := range []string{"table2.json", "table3.json", "table4.json", "table5.json", "table6.json",
		"table3.md", "table3.tex", "table3.csv", "threshold_lndig.json", "mediation_lnind.json", "threshold_lndig_lr_k1_0.png"} {
		a, err := os.ReadFile(filepath.Join(one, f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(three, f))
		if err != nil {
			t.Fatal(err)
		}
		if string(a) != string(b) {
			t.Errorf("%s differs between one and three workers", f)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(one, "table3.json"))
	for _, want := range []string{`"label": "(5)"`, `"depvar": "lncie"`, `"sample": "all"`, `"n": 390`, `"r2_within"`, `"lndig": {`} {
		if !strings.Contains(strings.Join(strings.Fields(string(raw)), " "), want) {
			t.Errorf("table3.json lacks %s", want)
		}
	}
}

// TestPaperErrors checks that wrong inputs stop with a message naming them.
func TestPaperErrors(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "simulate", "provinces", "--seed", "2", "--out", dir); code != 0 {
		t.Fatalf("simulate: %s", stderr)
	}
	data := filepath.Join(dir, "provinces.csv")
	raw, _ := os.ReadFile(data)
	lines := strings.Split(string(raw), "\n")
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	badRegion := write("region.csv", strings.Replace(string(raw), ",east,", ",north,", 1))
	spec := write("spec.yaml", "controls: [lnpgdp, nosuch]\n")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--data", data, "--spec", spec}, `unknown column "nosuch"`},
		{[]string{"--data", badRegion}, `"north"`},
		{[]string{"--data", write("short.csv", strings.Join(lines[:14], "\n")+"\n")}, "fewer than 2 units"},
	} {
		code, _, stderr := runCLI(t, append([]string{"paper", "--out", filepath.Join(dir, "out")}, c.args...)...)
		if code != 1 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, stderr, c.msg)
		}
	}
}

// TestPlotCommand draws the figures of a saved result.
func TestPlotCommand(t *testing.T) {
	dir := t.TempDir()
	result := filepath.Join(dir, "r.json")
	if code, _, stderr := runCLI(t, hansenArgs("--thnum", "1", "--trim", "0.01", "--bs", "30", "--save-draws", "--format", "json", "--output", result)...); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := runCLI(t, "plot", "--result", result, "--out", dir)
	if code != 0 || !strings.Contains(out, "threshold_f_k1.svg") || !strings.Contains(out, "threshold_lr_k1_0.png") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
