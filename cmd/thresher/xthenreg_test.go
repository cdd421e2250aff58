package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func xthenregArgs(extra ...string) []string {
	return append([]string{"xthenreg", "--data", investCSV, "--depvar", "i", "--qx", "d", "--indep", "q,c,d", "--endo", "d",
		"--grid", "5"}, extra...)
}

// TestXthenregHansen runs the dynamic model on Hansen's data: text report,
// stable JSON with the objective over the grid, byte-identical reruns.
func TestXthenregHansen(t *testing.T) {
	code, out, stderr := runCLI(t, xthenregArgs("--boost", "50", "--seed", "3")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Lag_y_b", "d_b", "cons_d", "Lag_y_d", "d_d", " r |", "Units = 565", "bootstrap p-value", "50 replications, seed 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	dir := t.TempDir()
	var runs [2][]byte
	for k := range runs {
		path := filepath.Join(dir, "out.json")
		if code, _, stderr := runCLI(t, xthenregArgs("--boost", "50", "--seed", "3", "--format", "json", "--output", path)...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		runs[k] = raw
	}
	if string(runs[0]) != string(runs[1]) {
		t.Error("two runs with the same seed wrote different JSON")
	}
	var res struct {
		Grid      []float64 `json:"grid"`
		Objective []float64 `json:"objective"`
		Linearity struct {
			Reps int `json:"reps"`
		} `json:"linearity"`
	}
	if err := json.Unmarshal(runs[0], &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Grid) != 5 || len(res.Objective) != 5 || res.Linearity.Reps != 50 {
		t.Errorf("JSON: grid %v, objective %v, linearity reps %d", res.Grid, res.Objective, res.Linearity.Reps)
	}
}

// unbalancedInvest writes Hansen's data without firm 1's row of 1977.
func unbalancedInvest(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "unbalanced.csv")
	raw, err := os.ReadFile(investCSV)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	if err := os.WriteFile(path, []byte(strings.Join(append(lines[:5], lines[6:]...), "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestXthenregErrors: usage mistakes exit 2, data errors exit 1, each with
// a message naming the problem and no output.
func TestXthenregErrors(t *testing.T) {
	unbalanced := unbalancedInvest(t)
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no depvar", []string{"xthenreg", "--data", investCSV, "--qx", "d"}, 2, "dependent variable is required"},
		{"no data", []string{"xthenreg", "--depvar", "i", "--qx", "d"}, 2, "--data is required"},
		{"trim", xthenregArgs("--trim", "1"), 2, "--trim"},
		{"grid", xthenregArgs("--grid", "0"), 2, "--grid"},
		{"format", xthenregArgs("--format", "xml"), 2, "--format"},
		{"bootstrap", xthenregArgs("--bootstrap", "wild"), 2, `invalid value "wild" for flag --bootstrap: invalid specification: unknown bootstrap "wild" (want fast or full)`},
		{"unbalanced", []string{"xthenreg", "--data", unbalanced, "--depvar", "i", "--qx", "d", "--indep", "q"}, 1, `unbalanced panel: 1 of 565 units lack some of the 15 periods 1973..1987 (after lags): unit "1" lacks 1977`},
		{"unknown column", xthenregArgs("--exog", "z"), 1, `unknown column`},
		{"too few periods", xthenregArgs("--inst", "L13.q"), 1, "too few periods"},
		{"singular weight matrix", xthenregArgs("--inst", "L.c,L.c/1"), 1, "singular matrix: the first-step weight matrix n^-1 sum Z'HZ is not positive definite"},
		{"max work", xthenregArgs("--max-work", "1000"), 1, "estimated work is 8.48e+04 units on 8475 observations"},
		{"remote", xthenregArgs("--coordinator", "10.1.1.1:5"), 2, "not on loopback"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.msg) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d with %q", code, stderr, out, c.code, c.msg)
			}
		})
	}
}

// TestXthenregUnbalanced: with --unbalanced, the unit lacking 1977 loses the
// dynamic equations of 1977, 1978 and 1979 (each needs y_1977) and the
// model runs.
func TestXthenregUnbalanced(t *testing.T) {
	code, out, stderr := runCLI(t, "xthenreg", "--data", unbalancedInvest(t), "--depvar", "i", "--qx", "d", "--indep", "q,c,d", "--endo", "d", "--grid", "5", "--unbalanced")
	if code != 0 || !strings.Contains(out, "Equations = 7342 (at most 13 per unit)") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}
}

// TestE2EXthenregWorkerKilled runs the linearity test on Hansen's data on
// three worker processes, kills one with SIGKILL once replications have
// come back, and checks that the JSON is byte-identical to the in-process
// default's with the same seed.
func TestE2EXthenregWorkerKilled(t *testing.T) {
	skipShort(t)
	const boost = "40000"
	job := func(extra ...string) []string {
		return xthenregArgs(append([]string{"--boost", boost, "--seed", "7", "--format", "json"}, extra...)...)
	}
	in := startProc(t, "in-process", job()...)
	if err := in.Wait(5 * time.Minute); err != nil {
		t.Fatalf("in-process run: %v\n%s", err, in.Stderr.String())
	}
	if !strings.Contains(in.Stdout.String(), `"reps": `+boost) {
		t.Fatalf("in-process run: no linearity test in\n%s", in.Stdout.String())
	}
	c, addr, _ := newClusterWithCoordinator(t)
	var ws []*proc
	for i := 0; i < 3; i++ {
		ws = append(ws, c.worker())
	}
	client := startProc(t, "client", job(c.remoteFlags(filepath.Join(c.certs, "tokens.txt"), addr)...)...)
	client.WaitFor(t, `bootstrap linearity [1-9][0-9]*/`+boost, 2*time.Minute)
	ws[1].Kill()
	stillRunning(t, client)
	sameJSON(t, c.result(client), in.Stdout.String())
}

// TestXthenregFullBootstrap runs the full bootstrap on one and on two
// in-process workers: the same JSON, which says which bootstrap ran, and a
// text report that says it too.
func TestXthenregFullBootstrap(t *testing.T) {
	args := xthenregArgs("--boost", "6", "--bootstrap", "full", "--seed", "2", "--format", "json")
	var runs [2]string
	for k, workers := range []string{"1", "2"} {
		code, out, stderr := runCLI(t, append(args, "--workers", workers)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		runs[k] = out
	}
	if runs[0] != runs[1] || !strings.Contains(runs[0], `"bootstrap": "full"`) {
		t.Errorf("one worker:\n%s\ntwo workers:\n%s", runs[0], runs[1])
	}
	code, out, stderr := runCLI(t, xthenregArgs("--boost", "6", "--bootstrap", "full", "--seed", "2")...)
	if code != 0 || !strings.Contains(out, "(6 replications, full bootstrap, seed 2)") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}
}

// TestE2EXthenregFullBootstrap runs the full bootstrap's replications on
// three worker processes and checks that the JSON is byte-identical to the
// in-process run's.
func TestE2EXthenregFullBootstrap(t *testing.T) {
	skipShort(t)
	job := func(extra ...string) []string {
		return xthenregArgs(append([]string{"--boost", "24", "--bootstrap", "full", "--seed", "4", "--format", "json"}, extra...)...)
	}
	in := startProc(t, "in-process", job()...)
	if err := in.Wait(5 * time.Minute); err != nil {
		t.Fatalf("in-process run: %v\n%s", err, in.Stderr.String())
	}
	c, addr, _ := newClusterWithCoordinator(t)
	for i := 0; i < 3; i++ {
		c.worker()
	}
	client := startProc(t, "client", job(c.remoteFlags(filepath.Join(c.certs, "tokens.txt"), addr)...)...)
	sameJSON(t, c.result(client), in.Stdout.String())
}
