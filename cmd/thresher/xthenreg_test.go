package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{"unbalanced", []string{"xthenreg", "--data", unbalanced, "--depvar", "i", "--qx", "d", "--indep", "q"}, 1, `unbalanced panel: 1 of 565 units lack some of the 15 periods 1973..1987 (after lags): unit "1" lacks 1977`},
		{"unknown column", xthenregArgs("--exog", "z"), 1, `unknown column`},
		{"too few periods", xthenregArgs("--inst", "L13.q"), 1, "too few periods"},
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
