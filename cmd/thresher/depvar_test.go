package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDependentVariableRefused runs the inputs that returned RSS 0,
// F = -3.8 and t-statistics of 1e16 with exit 0: the dependent variable, or
// a transformation of it, among the regressors or as the threshold
// variable. They are option mistakes: each exits 2 with a message naming the term, and writes no
// output; a lag of the dependent variable is a legitimate regressor.
func TestDependentVariableRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	args := func(extra ...string) []string {
		return append([]string{"xthreg", "--data", investCSV, "--depvar", "i", "--bs", "0", "--output", out}, extra...)
	}
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"in indep", args("--indep", "q,i", "--rx", "c", "--qx", "d"), `indep term "i" contains the dependent variable "i" and would fit it exactly`},
		{"doubled", args("--indep", "2*i", "--rx", "c", "--qx", "d"), `indep term "2*i" contains`},
		{"squared", args("--indep", "q,i^2", "--rx", "c", "--qx", "d"), `indep term "i^2" contains`},
		{"scaled", args("--indep", "i/100", "--rx", "c", "--qx", "d"), `indep term "i/100" contains`},
		{"as rx", args("--rx", "i", "--qx", "d"), `rx term "i" contains`},
		{"as qx", args("--rx", "c", "--qx", "i"), `qx term "i" contains the dependent variable "i" and would split the regimes on it`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.args...)
			if code != 2 || !strings.Contains(stderr, c.msg) || !strings.Contains(stderr, "lags such as L.i are allowed") {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, c.msg)
			}
			if stdout != "" {
				t.Errorf("stdout %q", stdout)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a refused run wrote %s", out)
			}
		})
	}
	if code, _, stderr := runCLI(t, args("--indep", "q,L.i", "--rx", "c", "--qx", "d")...); code != 0 {
		t.Errorf("the lag L.i as a regressor: exit %d: %s", code, stderr)
	}
}

// TestExactFitRefused runs a dependent variable that other columns
// determine exactly, j = 2 i + c: the linear model's RSS is 0.
func TestExactFitRefused(t *testing.T) {
	raw, err := os.ReadFile(investCSV)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	lines[0] += ",j"
	for r, line := range lines[1:] {
		f := strings.Split(line, ",") // id,year,i,q,c,d
		i, _ := strconv.ParseFloat(f[2], 64)
		c, _ := strconv.ParseFloat(f[4], 64)
		lines[r+1] += "," + strconv.FormatFloat(2*i+c, 'g', -1, 64)
	}
	data := filepath.Join(t.TempDir(), "exact.csv")
	if err := os.WriteFile(data, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "xthreg", "--data", data, "--depvar", "j", "--indep", "i", "--rx", "c", "--qx", "d", "--bs", "0")
	if want := `the linear model (no threshold) fits the dependent variable "j" exactly`; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, want)
	}
}
