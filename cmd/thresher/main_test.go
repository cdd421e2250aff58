package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/thresher/thresher/internal/shortlist"
)

const investCSV = "../../testdata/hansen1999/invest.csv"

func hansenArgs(extra ...string) []string {
	return append([]string{"xthreg", "--data", investCSV, "--id", "id", "--time", "year", "--depvar", "i",
		"--indep", "L.q,L.q^2,L.q^3,L.d,L.q*L.d", "--rx", "L.c", "--qx", "L.d", "--thnum", "3",
		"--grid", "400", "--trim", "0.01,0.01,0.05", "--convention", "hansen"}, extra...)
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = run(context.Background(), args, &out, &errw)
	return code, out.String(), errw.String()
}

// TestXthregHansenJSON runs the quick-start model and checks the JSON
// schema, the published numbers and byte-identical reruns.
func TestXthregHansenJSON(t *testing.T) {
	code, out, stderr := runCLI(t, hansenArgs("--bs", "50", "--format", "json", "--seed", "7")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Convention string  `json:"convention"`
		NUnits     int     `json:"n_units"`
		NPeriods   int     `json:"n_periods"`
		NObsUsed   int     `json:"n_obs_used"`
		Seed       uint64  `json:"seed"`
		LinearRSS  float64 `json:"linear_rss"`
		Stages     []struct {
			K          int       `json:"k"`
			Thresholds []float64 `json:"thresholds"`
			RSS        float64   `json:"rss"`
			FStat      float64   `json:"f_stat"`
			Bootstrap  *struct {
				Reps   int     `json:"reps"`
				PValue float64 `json:"p_value"`
			} `json:"bootstrap"`
			Intervals []struct{ Threshold, Lower, Upper float64 } `json:"intervals"`
			LRCurves  []struct {
				Threshold float64      `json:"threshold"`
				Points    [][2]float64 `json:"points"`
			} `json:"lr_curves"`
		} `json:"stages"`
		Coefficients []struct {
			Name   string `json:"name"`
			Regime *int   `json:"regime"`
		} `json:"coefficients"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Convention != "hansen" || res.NUnits != 565 || res.NPeriods != 14 || res.NObsUsed != 7345 || res.Seed != 7 {
		t.Errorf("header %+v", res)
	}
	if len(res.Stages) != 3 || res.Stages[1].Thresholds[1] != 0.53616 || res.Stages[2].Bootstrap.Reps != 50 {
		t.Fatalf("stages %+v", res.Stages)
	}
	if n := len(res.Stages[0].LRCurves[0].Points); n != 393 {
		t.Errorf("stage 1 LR curve has %d points, want 393", n)
	}
	if len(res.Coefficients) != 9 || res.Coefficients[0].Regime != nil || *res.Coefficients[8].Regime != 3 {
		t.Errorf("coefficients %+v", res.Coefficients)
	}
	if !strings.Contains(stderr, "triple 50/50") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	_, again, _ := runCLI(t, hansenArgs("--bs", "50", "--format", "json", "--seed", "7", "--workers", "1")...)
	if again != out {
		t.Error("rerun with the same seed and one worker gave different JSON")
	}
}

// TestXthregTextAndOutputFile checks the text report's four parts and --output.
func TestXthregTextAndOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.txt")
	code, out, stderr := runCLI(t, hansenArgs("--bs", "0", "--thnum", "2", "--trim", "0.01", "--output", path)...)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q: %s", code, out, stderr)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Threshold estimator (level = 95)", "Th-22", "0.53616", "Threshold effect test", "16.459979", "L.c (regime 2)",
		"Heteroskedasticity (Koenker-Breusch-Pagan on L.c, L.c^2): chi2(2) = ", "rerun with --vce cluster"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("report lacks %q:\n%s", want, raw)
		}
	}
}

// TestXthregRobustText checks what --vce cluster and --bootstrap-refine
// change in the text report: the test's bootstrap, the scaled LR sets, the
// standard errors, and no heteroskedasticity advice.
func TestXthregRobustText(t *testing.T) {
	code, out, stderr := runCLI(t, hansenArgs("--bs", "0,0,3", "--vce", "cluster", "--bootstrap-refine")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"LR scaled for heteroskedasticity (Hansen 2000): eta^2 ", "(Th-22)",
		"bootstrap = 0 0 3, wild-rademacher, robust to heteroskedasticity (vce cluster), replications refine", "cluster standard errors"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Koenker") {
		t.Errorf("the robust report tests for heteroskedasticity:\n%s", out)
	}
}

// TestXthregErrors checks exit codes, messages and that a failed run writes
// no output.
func TestXthregErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("id,year,i,c,d\n1,1,0.1,0.2,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"xthreg", "--data", bad, "--depvar", "i", "--rx", "c", "--qx", "d", "--missing", "error", "--output", out}, 1, `column "d", line 2: missing value`},
		{[]string{"xthreg", "--data", bad, "--depvar", "i", "--rx", "c", "--qx", "d", "--output", out}, 1,
			"no row has every lag the variable lists need and no missing value (0 rows dropped for lags, 1 for missing values)"},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--missing", "skip"}, 2, `unknown missing "skip" (want drop or error)`},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--fe", "time"}, 2, `unknown fe "time" (want unit or twoway)`},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--indep", "i.year", "--rx", "c", "--qx", "d", "--fe", "twoway", "--output", out}, 2,
			"fe twoway adds i.year to the regime-independent regressors; remove it from indep"},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "i.year", "--qx", "d", "--output", out}, 2,
			`rx: invalid term "i.year": a factor variable is a regime-independent regressor (--indep) only`},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "nope", "--output", out}, 1, `unknown column "nope"`},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--grid", "1"}, 2, "grid"},
		{[]string{"xthreg", "--depvar", "i"}, 2, "--data is required"},
		{[]string{"xthreg", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"nosuch"}, 2, "unknown command"},
		{[]string{"coordinator", "--insecure", "--listen", "0.0.0.0:0"}, 2, "only allowed on a loopback listen address"},
		{[]string{"worker", "--listen", "127.0.0.1:0"}, 2, "TLS is required"},
		{[]string{"worker", "--insecure", "--lease-ttl", "500ms"}, 2, "--lease-ttl must be at least 1s, not 500ms"},
		{[]string{"worker", "--insecure", "--listen", "127.0.0.1:0", "--advertise", "10.1.2.3:7071"}, 2, "only allowed with a loopback --advertise address"},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--coordinator", "10.0.0.1:7070"}, 2, "give --tls-ca"},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--dial-timeout", "0s"}, 2, "--dial-timeout must be positive"},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--etcd-backend-bytes", "1000"}, 2, "at least 16 MiB"},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--blob-url", "gs://b"}, 2,
			`--blob-url: blob store URL must be file:///DIR or s3://BUCKET?OPTIONS, not "gs://b"`},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--blob-url", "file:///nonexistent/thresher"}, 1,
			"open blob store file:///nonexistent/thresher"},
		{[]string{"worker", "--insecure", "--listen", "127.0.0.1:0", "--metrics-listen", "", "--blob-url", "/var/lib/blobs"}, 2,
			`--blob-url: blob store URL must be file:///DIR or s3://BUCKET?OPTIONS, not "/var/lib/blobs"`},
		{[]string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d", "--retention", "-1h"}, 2, "--retention must not be negative"},
		{[]string{"coordinator", "--insecure", "--retention", "0s"}, 2, "--retention must be positive, not 0s"},
		{[]string{"coordinator", "--insecure", "--compact-interval", "-1m"}, 2, "--compact-interval must be positive"},
		{[]string{"coordinator", "--insecure", "--defrag-interval", "-1m"}, 2, "--defrag-interval must not be negative"},
		{[]string{"etcd", "--defrag-interval", "-1m"}, 2, "--defrag-interval must not be negative"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.msg)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", out)
	}
}

// TestOptionErrors checks that every option's range is enforced at the
// command line and in THRESHER_* variables, with exit status 2, a one-line
// message naming the flag as --name, and no silent default or truncation.
func TestOptionErrors(t *testing.T) {
	base := []string{"xthreg", "--data", investCSV, "--depvar", "i", "--rx", "c", "--qx", "d"}
	cases := []struct {
		args []string
		env  string // NAME=value
		msg  string
	}{
		{args: []string{"--level", "0"}, msg: `invalid value "0" for flag --level: confidence level 0: give a percent between 10 and 99.99 (95) or a fraction between 0.1 and 0.9999 (0.95)`},
		{args: []string{"--level", "100"}, msg: "confidence level 100: give a percent"},
		{args: []string{"--level", "5"}, msg: "confidence level 5: give a percent"},
		{args: []string{"--level", "0.01"}, msg: "confidence level 0.01: give a percent"},
		{args: []string{"--level", "NaN"}, msg: `"NaN" is not a number`},
		{args: []string{"--thnum", "2.5"}, msg: `invalid value "2.5" for flag --thnum: "2.5" is not an integer`},
		{args: []string{"--thnum", "0"}, msg: "0 is outside 1..64"},
		{args: []string{"--trim", "0.5"}, msg: "flag --trim: 0.5 must lie strictly between 0 and 0.5"},
		{args: []string{"--trim", "0x1p-4"}, msg: `"0x1p-4" is not a number`},
		{args: []string{"--thnum", "3", "--trim", "0.1,0.1"}, msg: "2 values of trim for 3 thresholds"},
		{args: []string{"--bs", "x"}, msg: `invalid value "x" for flag --bs: "x" is not a number`},
		{args: []string{"--bs", "1e3"}, msg: `"1e3" is not an integer`},
		{args: []string{"--bs", "20000000"}, msg: "20000000 is outside 0..10000000"},
		{args: []string{"--bs"}, msg: "flag needs an argument: --bs"},
		{args: []string{"--bs="}, msg: `invalid value "" for flag --bs: an empty list: give at least one value, or leave the option out for its default`},
		{args: []string{"--trim="}, msg: `invalid value "" for flag --trim: an empty list`},
		{args: []string{"--thresholds", " , "}, msg: `flag --thresholds: an empty list`},
		{args: []string{"--grid", "1"}, msg: "flag --grid"},
		{args: []string{"--grid", "2.5"}, msg: `grid "2.5" must be "all" or an integer >= 2`},
		{args: []string{"--seed", "-1"}, msg: "flag --seed"},
		{args: []string{"--thresholds", "inf"}, msg: `"inf" is not a number`},
		{args: []string{"--thresholds", "0.1,0.2"}, msg: "2 given thresholds for 1"},
		{args: []string{"--workers", "-1"}, msg: "-1 is outside 0..1024"},
		{args: []string{"--format", "xml"}, msg: `invalid value "xml" for flag --format: want text or json`},
		{args: []string{"--vce", "hc3"}, msg: "flag --vce"},
		{args: []string{"--vce", "cluster", "--bootstrap", "residual"}, msg: "vce cluster tests with the wild cluster bootstrap"},
		{args: []string{"--bootstrap-refine"}, msg: "it needs at least 3 thresholds, not 1"},
		{args: []string{"--bootstrap-refine", "--thnum", "3", "--thresholds", "0.1,0.2,0.3"}, msg: "with given thresholds nothing is refined"},
		{args: []string{"--bootstrap-refine=maybe"}, msg: "--bootstrap-refine"},
		{args: []string{"--convention", "r"}, msg: "flag --convention"},
		{args: []string{"--save-draws=maybe"}, msg: "--save-draws"},
		{args: []string{"--bogus"}, msg: "flag provided but not defined: --bogus"},
		{env: "THRESHER_LEVEL=0", msg: `invalid value "0" for THRESHER_LEVEL (--level): confidence level 0: give a percent`},
		{env: "THRESHER_THNUM=2.5", msg: `"2.5" is not an integer`},
	}
	for _, c := range cases {
		if name, value, ok := strings.Cut(c.env, "="); ok {
			t.Setenv(name, value)
		}
		code, _, stderr := runCLI(t, append(base, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v %s: exit %d, stderr %q; want exit 2 and %q", c.args, c.env, code, stderr, c.msg)
		}
		if strings.Contains(stderr, " -"+strings.TrimLeft(firstFlag(c.args), "-")) || strings.Contains(stderr, "Usage:") {
			t.Errorf("%v: stderr names a flag with one dash or prints the usage: %q", c.args, stderr)
		}
		if name, _, ok := strings.Cut(c.env, "="); ok {
			os.Unsetenv(name)
		}
	}
}

func firstFlag(args []string) string {
	if len(args) == 0 {
		return "--none"
	}
	flag, _, _ := strings.Cut(args[0], "=")
	return flag
}

// TestLevelEcho checks that the report prints the level as given, and the
// JSON holds it as a fraction with as many digits.
func TestLevelEcho(t *testing.T) {
	for _, c := range []struct{ level, text, json string }{
		{"12.51", "(level = 12.51)", `"level": 0.1251,`},
		{"12.345678901234", "(level = 12.345678901234)", `"level": 0.12345678901234,`},
		{"10", "(level = 10)", `"level": 0.1,`},
		{"50", "(level = 50)", `"level": 0.5,`},
		{"90", "(level = 90)", `"level": 0.9,`},
		{"99.9", "(level = 99.9)", `"level": 0.999,`},
		{"33.333", "(level = 33.333)", `"level": 0.33333,`},
		{"0.95", "(level = 95)", `"level": 0.95,`},
	} {
		code, out, stderr := runCLI(t, hansenArgs("--bs", "0", "--thnum", "1", "--trim", "0.01", "--level", c.level)...)
		if code != 0 || !strings.Contains(out, c.text) {
			t.Errorf("--level %s: exit %d, report %.300q: %s", c.level, code, out, stderr)
		}
		code, out, stderr = runCLI(t, hansenArgs("--bs", "0", "--thnum", "1", "--trim", "0.01", "--level", c.level, "--format", "json")...)
		if code != 0 || !strings.Contains(out, c.json) {
			t.Errorf("--level %s: exit %d, JSON without %s: %s", c.level, code, c.json, stderr)
		}
	}
}

// TestEnvironmentFlags checks that THRESHER_* variables fill flags not given
// on the command line.
func TestEnvironmentFlags(t *testing.T) {
	t.Setenv("THRESHER_FORMAT", "json")
	t.Setenv("THRESHER_BS", "0")
	code, out, stderr := runCLI(t, hansenArgs("--thnum", "1", "--trim", "0.01")...)
	if code != 0 || !strings.HasPrefix(out, "{") {
		t.Fatalf("exit %d, stdout %.40q: %s", code, out, stderr)
	}
	t.Setenv("THRESHER_THNUM", "x")
	if code, _, stderr := runCLI(t, "xthreg", "--data", investCSV); code != 2 || !strings.Contains(stderr, "THRESHER_THNUM") {
		t.Errorf("bad environment value: exit %d, %q", code, stderr)
	}
}

// TestXthregTwoWayMissing runs xthreg with --fe twoway on Hansen's data
// written as R's write.csv writes it (row names) with two missing cells:
// the year effects are among the coefficients, the dropped observations
// are counted per column, and the notes say what happened.
func TestXthregTwoWayMissing(t *testing.T) {
	raw, err := os.ReadFile(investCSV)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	for r := range lines {
		name := strconv.Quote(strconv.Itoa(r))
		if r == 0 {
			name = `""`
		}
		lines[r] = name + "," + lines[r]
	}
	set := func(row, field int, v string) {
		f := strings.Split(lines[row], ",")
		f[field] = v
		lines[row] = strings.Join(f, ",")
	}
	set(5, 3, "NA") // i of unit 1 in 1977
	set(20, 5, ".") // c of unit 2 in 1977
	data := filepath.Join(t.TempDir(), "invest.csv")
	if err := os.WriteFile(data, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "xthreg", "--data", data, "--id", "id", "--time", "year", "--depvar", "i", "--indep", "L.q",
		"--rx", "L.c", "--qx", "L.d", "--fe", "twoway", "--thresholds", "0.0157", "--bs", "0", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Coefficients []struct{ Name string }
		Notes        []string
		Dropped      struct {
			Rows     int
			ByColumn []struct {
				Column string
				Rows   int
			} `json:"by_column"`
		}
		Model struct{ Indep []string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Coefficients {
		names = append(names, c.Name)
	}
	// L. leaves 1974..1987: 1974 is the base. c missing in 1977 removes L.c in 1978.
	want := []string{"L.q", "1975.year", "1987.year", "L.c", "L.c", "_cons"}
	if len(names) != 17 || names[0] != want[0] || names[1] != want[1] || names[13] != want[2] || names[14] != want[3] || names[16] != want[5] {
		t.Errorf("coefficients %q", names)
	}
	if !slices.Equal(res.Model.Indep, []string{"L.q", "i.year"}) {
		t.Errorf("indep %q", res.Model.Indep)
	}
	if res.Dropped.Rows != 2 || len(res.Dropped.ByColumn) != 2 || res.Dropped.ByColumn[0].Column != "i" || res.Dropped.ByColumn[1].Column != "c" {
		t.Errorf("dropped %+v", res.Dropped)
	}
	if len(res.Notes) != 2 || !strings.Contains(res.Notes[0], "R's row names") || !strings.Contains(res.Notes[1], "the wild bootstrap") {
		t.Errorf("notes %q", res.Notes)
	}
	if !strings.Contains(stderr, "thresher: note: the unnamed first column (R's row names 1..N) is ignored\n") {
		t.Errorf("stderr lacks the notes: %s", stderr)
	}
}

// TestMessagesBounded checks that an error echoing a huge value (a term, a
// label, a number of a million digits) stays short: its start and its end,
// the rest elided.
func TestMessagesBounded(t *testing.T) {
	dir := t.TempDir()
	sweep := func(name, entry string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("specs:\n  - "+entry+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	huge := strings.Repeat("L.", 50000) + "q"
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"100 KB term", []string{"xthreg", "--data", investCSV, "--depvar", "i", "--indep", huge, "--rx", "c", "--qx", "d"}, 2, "bytes elided"},
		{"1 MB label", []string{"sweep", "--spec", sweep("label.yaml", "{qx: d, label: "+strings.Repeat("x", 1<<20)+"}")}, 2, "is longer than 128 bytes"},
		{"10^6-digit grid", []string{"sweep", "--spec", sweep("grid.yaml", "{qx: d, grid: "+strings.Repeat("9", 1e6)+"}")}, 2, "bytes elided"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) || len(stderr) > 2*shortlist.MessageBytes {
			t.Errorf("%s: exit %d, %d bytes of stderr %.200q; want exit %d, %q and at most %d bytes", c.name, code, len(stderr), stderr, c.code, c.msg, 2*shortlist.MessageBytes)
		}
	}
}
