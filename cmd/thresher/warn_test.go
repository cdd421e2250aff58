package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLaggedDepvarWarning runs a lag of the dependent variable as a
// regressor: the run succeeds and warns of the Nickell bias on stderr with
// --format json and in the text report otherwise.
func TestLaggedDepvarWarning(t *testing.T) {
	const msg = `regressor "L.i" is a lag of the dependent variable "i": in this static fixed-effect model its slope ` +
		`and the others are biased (Nickell bias, O(1/T)); thresher xthenreg estimates the dynamic model`
	dir := t.TempDir()
	for _, format := range []string{"json", "text"} {
		out := filepath.Join(dir, "out."+format)
		code, _, stderr := runCLI(t, "xthreg", "--data", investCSV, "--depvar", "i", "--indep", "q,L.i", "--rx", "c", "--qx", "d",
			"--bs", "0", "--format", format, "--output", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		report, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		where, text := "stderr", stderr
		if format == "text" {
			where, text = "report", string(report)
		}
		if !strings.Contains(text, "arning: "+msg+"\n") {
			t.Errorf("%s: %s lacks the warning:\n%s", format, where, text)
		}
	}
}

// TestHeteroskedasticityWarning checks that the diagnostic's advice, in
// the text report with the default inference, also reaches stderr with
// --format json, and that robust inference drops it.
func TestHeteroskedasticityWarning(t *testing.T) {
	const msg = "thresher: warning: Heteroskedasticity (Koenker-Breusch-Pagan on c, c^2): chi2(2) = "
	args := []string{"xthreg", "--data", investCSV, "--depvar", "i", "--indep", "q", "--rx", "c", "--qx", "d", "--bs", "0", "--format", "json"}
	code, out, stderr := runCLI(t, args...)
	if code != 0 || !strings.Contains(stderr, msg) || !strings.Contains(stderr, "rerun with --vce cluster\n") ||
		!strings.Contains(out, `"heteroskedasticity": {`) {
		t.Errorf("exit %d, stderr %q, want the advice; JSON:\n%.2000s", code, stderr, out)
	}
	code, out, stderr = runCLI(t, append(args, "--vce", "robust")...)
	if code != 0 || strings.Contains(stderr, "Heteroskedasticity") || strings.Contains(out, "heteroskedasticity") {
		t.Errorf("--vce robust: exit %d, stderr %q, JSON:\n%.2000s", code, stderr, out)
	}
}
