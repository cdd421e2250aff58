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
