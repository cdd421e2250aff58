package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// smallPaperSpec keeps the bootstraps short.
const smallPaperSpec = "mediation: {reps: 60, seed: 3}\nthreshold: {bs: 40, grid: 100, seed: 3}\n"

func runPaperCLI(t *testing.T, workers string, extra ...string) string {
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
	code, _, stderr := runCLI(t, append([]string{"paper", "--data", filepath.Join(dir, "provinces.csv"), "--spec", spec, "--out", out, "--workers", workers}, extra...)...)
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

// TestPaperWritePanel checks that thresher xthreg on the data --write-panel
// writes, with the flags paperSynopsis gives, returns the JSON of Table 6's
// models.
func TestPaperWritePanel(t *testing.T) {
	data := filepath.Join(t.TempDir(), "panel.csv")
	out := runPaperCLI(t, "2", "--write-panel", data)
	for _, q := range []string{"lndig", "lnind", "lntec"} {
		code, got, stderr := runCLI(t, "xthreg", "--data", data, "--id", "province", "--time", "year", "--depvar", "lncie",
			"--indep", "lnpgdp,lnopen,lnes,lncap", "--fe", "twoway", "--rx", "lndig", "--qx", q,
			"--thnum", "3", "--grid", "100", "--trim", "0.01", "--bs", "40", "--seed", "3", "--save-draws", "--format", "json")
		if code != 0 {
			t.Fatalf("xthreg --qx %s: exit %d: %s", q, code, stderr)
		}
		want, err := os.ReadFile(filepath.Join(out, "threshold_"+q+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal([]byte(got), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("xthreg --qx %s on the written panel differs from threshold_%s.json", q, q)
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
	// A panel file that cannot be written is a usage mistake, found before
	// the job runs.
	absent := filepath.Join(dir, "absent", "panel.csv")
	code, _, stderr := runCLI(t, "paper", "--out", filepath.Join(dir, "out"), "--data", data, "--write-panel", absent)
	if code != 2 || !strings.Contains(stderr, "--write-panel") {
		t.Errorf("--write-panel %s: exit %d, stderr %q", absent, code, stderr)
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
	code, out, stderr = runCLI(t, "plot", "--result", result, "--out", dir, "--prefix", "p",
		"--width", "5", "--height", "3.5", "--font-size", "9", "--formats", "pdf")
	if code != 0 || strings.TrimSpace(out) != filepath.Join(dir, "p_lr_k1_0.pdf")+"\n"+filepath.Join(dir, "p_f_k1.pdf") {
		t.Errorf("pdf: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--width", "1.9"}, "--width: 1.9 must lie between 2 and 40"},
		{[]string{"--height", "41"}, "--height: 41 must lie between 1.5 and 40"},
		{[]string{"--font-size", "0x10"}, `"0x10" is not a number`},
		{[]string{"--font-size", "49"}, "--font-size: 49 must lie between 4 and 48"},
		{[]string{"--formats", "png,eps"}, `unknown figure format "eps"`},
		{[]string{"--formats", ","}, "names no format"},
		{[]string{"--width", "2", "--height", "1.5", "--font-size", "48"}, "leaves no room for the data"},
	} {
		figs := filepath.Join(t.TempDir(), "figs")
		code, _, stderr := runCLI(t, append([]string{"plot", "--result", result, "--out", figs}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.msg)
		}
	}
}
