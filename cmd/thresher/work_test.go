package main

import (
	"strings"
	"testing"
)

// TestMaxWork checks that the client refuses a job above --max-work (or
// THRESHER_MAX_WORK) before starting any cluster, with the estimate and the
// flag in the message, and runs one within it on the in-process cluster,
// stating its estimate.
func TestMaxWork(t *testing.T) {
	// Hansen's example with 50 replications: (3 + 150 + 1) passes over
	// 8475 rows and 400 candidates = 1,366,750 units.
	cases := []struct {
		name string
		env  string
		args []string
		code int
		msg  []string
	}{
		{"the issue's job", "", []string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d",
			"--thnum", "64", "--grid", "10000000", "--bs", "10000000", "--trim", "0.001"}, 1,
			[]string{"job too large: its estimated work is 1.08e+13 units on 8475 observations", "above the limit of 1e+11 set by --max-work (THRESHER_MAX_WORK)"}},
		{"below the example", "", hansenArgs("--bs", "50", "--max-work", "1366749"), 1, []string{"1.37e+06 units", "limit of 1.37e+06"}},
		{"from the environment", "1e6", hansenArgs("--bs", "50"), 1, []string{"above the limit of 1e+06"}},
		{"the flag wins", "1e6", hansenArgs("--bs", "50", "--max-work", "1366750"), 0,
			[]string{"thresher: estimated work 1.37e+06 units (limit 1.37e+06, --max-work)"}},
		{"not positive", "", hansenArgs("--max-work", "-1"), 2, []string{`"-1" is not a positive number`}},
		{"not a number", "", hansenArgs("--max-work", "lots"), 2, []string{`"lots" is not a positive number`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("THRESHER_MAX_WORK", c.env)
			}
			code, _, stderr := runCLI(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, stderr)
			}
			for _, m := range c.msg {
				if !strings.Contains(stderr, m) {
					t.Errorf("stderr %q lacks %q", stderr, m)
				}
			}
		})
	}
}

func TestDataRows(t *testing.T) {
	for _, c := range []struct {
		data string
		want int
	}{{"", 0}, {"a,b\n", 0}, {"a,b\n1,2\n", 1}, {"a,b\n1,2", 1}, {"a,b\r\n1,2\r\n3,4\r\n", 2}} {
		if got := bytesDataset([]byte(c.data)).rows; got != c.want {
			t.Errorf("%q: %d rows, want %d", c.data, got, c.want)
		}
		var rc rowCounter // as a stream read in pieces counts them
		for i := range len(c.data) {
			rc.Write([]byte{c.data[i]})
		}
		if got := rc.rows(); got != c.want {
			t.Errorf("%q written byte by byte: %d rows, want %d", c.data, got, c.want)
		}
	}
}

// TestSweepWork checks that a sweep's limit applies to the sum of its
// models and that an invalid model is named by its label before any work.
func TestSweepWork(t *testing.T) {
	dir := t.TempDir()
	// 83 and 41 passes over 8475 rows and 400 candidates: 736,625 and
	// 363,875 units, 1,100,500 in all.
	code, _, stderr := runCLI(t, "sweep", "--spec", writeSweepFile(t, dir, sweepYAML), "--max-work", "1e6")
	if code != 1 || !strings.Contains(stderr, "its estimated work is 1.1e+06 units on 8475 observations, above the limit of 1e+06") {
		t.Errorf("sweep above the limit: exit %d, %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "sweep", "--spec", writeSweepFile(t, dir, sweepYAML+"  - {label: bad, qx: L.d, indep: [i]}\n"))
	if code != 2 || !strings.Contains(stderr, `spec 3 (bad): usage: invalid specification: indep term "i" contains the dependent variable "i"`) {
		t.Errorf("invalid model: exit %d, %s", code, stderr)
	}
}
