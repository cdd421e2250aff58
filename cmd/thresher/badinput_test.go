package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/thresher/thresher/internal/clustertest"
)

// binaryCase is a run of the real binary on hostile input: its exit code,
// a part of its stderr, and the files of its temporary directory that it
// may change (every other file must stay as it was).
type binaryCase struct {
	name string
	// args returns the command line, given the test's directory.
	args func(t *testing.T, dir string) []string
	code int
	msg  string
	// stdout, when set, is a part of the standard output.
	stdout string
	// changed lists the files, relative to the directory, the run may
	// create or change.
	changed []string
	// after inspects the directory once the run ended.
	after func(t *testing.T, dir string)
}

// quickJob is a small job on Hansen's data (no bootstrap).
func quickJob(extra ...string) []string {
	return append([]string{"xthreg", "--data", abs(investCSV), "--depvar", "i", "--indep", "L.q", "--rx", "L.c",
		"--qx", "L.d", "--grid", "20", "--bs", "0", "--format", "json"}, extra...)
}

// abs is path made absolute; it panics only when the working directory
// is gone.
func abs(path string) string {
	p, err := filepath.Abs(path)
	if err != nil {
		panic(err)
	}
	return p
}

// TestBadInputBinary runs the binary on hostile destinations and options:
// devices, FIFOs and links are written through, never replaced, and nothing
// beyond the requested output changes.
func TestBadInputBinary(t *testing.T) {
	runBinaryCases(t, slices.Concat(outputCases(), optionCases(), inputCases(), plotCases()))
}

// plotCases are results that plot must refuse before it draws, and its
// --out rule.
func plotCases() []binaryCase {
	// result writes a small result with its draws, changed by edit.
	result := func(t *testing.T, dir string, edit func(res map[string]any)) string {
		return writeEditedResult(t, filepath.Join(dir, "r.json"), edit, "xthreg", "--data", abs(investCSV), "--depvar", "i",
			"--indep", "L.q", "--rx", "L.c", "--qx", "L.d", "--grid", "20", "--bs", "20", "--save-draws")
	}
	stage1 := func(res map[string]any) map[string]any { return res["stages"].([]any)[0].(map[string]any) }
	plot := func(edit func(res map[string]any)) func(*testing.T, string) []string {
		return func(t *testing.T, dir string) []string {
			return []string{"plot", "--result", result(t, dir, edit), "--out", filepath.Join(dir, "figures")}
		}
	}
	return []binaryCase{
		{name: "plot a result of 5000 stages", args: plot(func(res map[string]any) {
			stages := make([]any, 5000)
			for i := range stages {
				st := maps.Clone(stage1(res))
				st["k"] = i + 1
				stages[i] = st
			}
			res["stages"] = stages
		}), code: 1, msg: "not a threshold model's result: 5000 stages, more than the 64 thresholds a model estimates"},
		{name: "plot a curve of one point", args: plot(func(res map[string]any) {
			curve := stage1(res)["lr_curves"].([]any)[0].(map[string]any)
			curve["points"] = curve["points"].([]any)[:1]
		}), code: 1, msg: "curve 0 of stage 1 has 1 of 1 candidates with a finite LR; a curve needs 2"},
		{name: "plot draws of -1e308 and 1e308", args: plot(func(res map[string]any) {
			draws := stage1(res)["bootstrap"].(map[string]any)["draws"].([]any)
			draws[0], draws[1] = -1e308, 1e308
		}), code: 1, msg: "stage 1: F from -1e+308 to 1e+308: too far apart for an axis"},
		{name: "plot into a directory whose parent is missing", args: func(t *testing.T, dir string) []string {
			return []string{"plot", "--result", result(t, dir, func(map[string]any) {}), "--out", filepath.Join(dir, "a", "b", "c")}
		}, code: 2, msg: "--out %DIR%/a/b/c: directory %DIR%/a/b does not exist"},
	}
}

// writeEditedResult runs the command args in-process with its JSON result
// written to path, applies edit to the decoded result, writes it back and
// returns path.
func writeEditedResult(t *testing.T, path string, edit func(res map[string]any), args ...string) string {
	t.Helper()
	if code, _, stderr := runCLI(t, slices.Concat(args, []string{"--format", "json", "--output", path})...); code != 0 {
		t.Fatal(stderr)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	edit(res)
	if raw, err = json.Marshal(res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// inputCases are input files that never end or are not text: each is
// refused at once, its read bounded, with a message naming it.
func inputCases() []binaryCase {
	args := func(a ...string) func(*testing.T, string) []string {
		return func(*testing.T, string) []string { return a }
	}
	const tooLarge = "/dev/zero: file too large: more than"
	return []binaryCase{
		{name: "unknown column decided by the header, before the rows", args: func(t *testing.T, dir string) []string {
			// A ragged second row: the check of every row would fail there
			// first (80 rows of 10^6 columns took 34 s to get this far).
			path := filepath.Join(dir, "wide.csv")
			if err := os.WriteFile(path, []byte("id,year,i,q,c,d\n1,2\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"xthreg", "--data", path, "--depvar", "i", "--rx", "c", "--qx", "nope"}
		}, code: 1, msg: `wide.csv: unknown column "nope" (the file has: id, year, i, q, c, d)`},
		{name: "sweep spec /dev/zero", args: args("sweep", "--spec", "/dev/zero"), code: 1, msg: tooLarge},
		{name: "montecarlo spec /dev/zero", args: args("montecarlo", "--spec", "/dev/zero"), code: 1, msg: tooLarge},
		{name: "paper spec /dev/zero", args: func(_ *testing.T, dir string) []string {
			return []string{"paper", "--spec", "/dev/zero", "--data", abs(investCSV), "--out", dir}
		}, code: 1, msg: tooLarge},
		{name: "plot result /dev/zero", args: func(_ *testing.T, dir string) []string {
			return []string{"plot", "--result", "/dev/zero", "--out", dir}
		}, code: 1, msg: `/dev/zero: not a threshold result: invalid character '\x00'`},
		{name: "tls-ca /dev/zero", args: args("jobs", "list", "--coordinator", "127.0.0.1:1", "--tls-ca", "/dev/zero"), code: 1, msg: "CA bundle: " + tooLarge},
		{name: "token-file /dev/zero", args: args(quickJob("--coordinator", "127.0.0.1:1", "--token-file", "/dev/zero")...), code: 1, msg: "tokens: " + tooLarge},
		{name: "etcd with a FIFO as --tls-cert", args: func(t *testing.T, dir string) []string {
			fifo := filepath.Join(dir, "cert.pem")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip(err)
			}
			return []string{"etcd", "--data-dir", filepath.Join(dir, "etcd"), "--listen", "127.0.0.1:0", "--tls-cert", fifo, "--tls-key", fifo}
		}, code: 1, msg: "cert.pem is not a regular file (etcd reads it again at every handshake)"},
		{name: "data /dev/zero", args: args("xthreg", "--data", "/dev/zero", "--depvar", "i", "--rx", "c", "--qx", "d"), code: 1,
			msg: "/dev/zero: not a CSV text file: a NUL byte at byte 1"},
		{name: "data not UTF-8 from a pipe", args: func(t *testing.T, dir string) []string {
			fifo := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip(err)
			}
			go func() { // a writer that would send 1 GB of Latin-1 text
				if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					line := []byte("id,year,i\xe9\n")
					for range 1 << 30 / len(line) {
						if _, err := w.Write(line); err != nil {
							break
						}
					}
					w.Close()
				}
			}()
			return []string{"xthreg", "--data", fifo, "--depvar", "i", "--rx", "c", "--qx", "d"}
		}, code: 1, msg: "fifo: not a CSV text file: bytes that are not UTF-8 in its first"},
	}
}

// optionCases are option values out of range, in flags and in files.
func optionCases() []binaryCase {
	write := func(t *testing.T, dir, name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	flags := func(extra ...string) func(*testing.T, string) []string {
		return func(*testing.T, string) []string { return quickJob(extra...) }
	}
	return []binaryCase{
		{name: "level 0", args: flags("--level", "0"), code: 2, msg: `invalid value "0" for flag --level: confidence level 0: give a percent between 10 and 99.99 (95) or a fraction between 0.1 and 0.9999 (0.95)`},
		{name: "level 100", args: flags("--level", "100"), code: 2, msg: "confidence level 100: give a percent"},
		{name: "trim outside (0, 0.5)", args: flags("--trim", "0.7"), code: 2, msg: "flag --trim: 0.7 must lie strictly between 0 and 0.5"},
		{name: "grid not a number", args: flags("--grid", "many"), code: 2, msg: "flag --grid"},
		{name: "fractional thnum in a sweep", args: func(t *testing.T, dir string) []string {
			return []string{"sweep", "--spec", write(t, dir, "s.yaml", "data: d.csv\nspecs:\n  - {qx: d, thnum: 2.5}\n")}
		}, code: 2, msg: `spec 1: line 3: thnum: invalid value "2.5": "2.5" is not an integer`},
		{name: "duplicate sweep labels", args: func(t *testing.T, dir string) []string {
			return []string{"sweep", "--spec", write(t, dir, "s.yaml", "specs: [{label: a, qx: d}, {label: a, qx: c}]\n")}
		}, code: 2, msg: `specs 1 and 2 both have the label "a"`},
		{name: "sweep with scalars for lists and data beside the sweep file", args: func(t *testing.T, dir string) []string {
			if err := os.Symlink(abs(investCSV), filepath.Join(dir, "invest.csv")); err != nil {
				t.Fatal(err)
			}
			return []string{"sweep", "--spec", write(t, dir, "s.yaml", "data: invest.csv\ndefaults: {depvar: i, indep: L.q, rx: L.c, grid: 20, bs: 0}\n"+
				"specs: [{qx: L.d, trim: 0.05}]\n"), "--output", filepath.Join(dir, "out.txt")}
		}, changed: []string{"out.txt"}},
		{name: "fractional thresholds in a paper spec", args: func(t *testing.T, dir string) []string {
			return []string{"paper", "--data", filepath.Join(dir, "none.csv"), "--out", filepath.Join(dir, "results"),
				"--spec", write(t, dir, "p.yaml", "threshold:\n  thresholds: 2.5\n")}
		}, code: 2, msg: `threshold.thresholds: "2.5" is not an integer`},
		// The dependent variable has the same mean in every unit: R-sq
		// between is undefined (null), and in Hansen's convention the F
		// test that all u_i = 0 is negative (p = 1), which panicked in the
		// p-value.
		{name: "undefined R-sq between, hansen", args: flags("--depvar", "year", "--convention", "hansen"), stdout: `"r2_between": null`},
		{name: "undefined R-sq between, xthreg", args: flags("--depvar", "year", "--vce", "robust"), stdout: `"r2_between": null`},
		{name: "given threshold outside the data", args: flags("--thresholds", "99"), code: 1,
			msg: "the given threshold 99 lies outside the range of L.d in the estimation sample, 0 to 4.67335"},
		{name: "equal given thresholds", args: flags("--thnum", "2", "--thresholds", "0.1,0.1"), code: 2,
			msg: "given thresholds 1 and 2 are both 0.1"},
		{name: "non-ASCII column name", args: flags("--indep", "qé"), code: 2,
			msg: "a column name in a variable list uses the ASCII letters, digits and _ only"},
		{name: "absent base level", args: flags("--indep", "ib3.year"), code: 2,
			msg: `usage: invalid factor level: the base level 3 of "ib3.year" does not occur in the estimation sample ` +
				"(its levels are 1974, 1975, 1976, 1977, 1978, 1979, 1980, 1981, 1982, 1983, ... and 4 more)"},
		{name: "predict to stdout", args: flags("--predict", "-"), code: 2, msg: "usage: --predict needs a file name; the report goes to stdout"},
		{name: "predict into the report", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", filepath.Join(dir, "r.txt"), "--predict", filepath.Join(dir, ".", "r.txt"))
		}, code: 2, msg: "is the file of --output; name another file"},
		{name: "predict over the data", args: flags("--predict", abs(investCSV)), code: 2, msg: "--predict " + abs(investCSV) + " is the input file"},
		{name: "predict into a missing directory", args: func(t *testing.T, dir string) []string {
			return quickJob("--predict", filepath.Join(dir, "none", "p.csv"))
		}, code: 2, msg: "usage: --predict "},
		{name: "predict", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", filepath.Join(dir, "r.json"), "--predict", filepath.Join(dir, "p.csv"))
		}, changed: []string{"r.json", "p.csv"}, after: checkPredictions},
		{name: "test-equal of a regressor not in --rx", args: flags("--test-equal", "L.q"), code: 2,
			msg: "usage: --test-equal L.q is not a regime-dependent regressor (--rx L.c)"},
		{name: "test-equal selects the text report's tests", args: func(t *testing.T, dir string) []string {
			return append(quickJob("--rx", "L.c,L.q^2", "--test-equal", "L.q^2"), "--format", "text", "--output", filepath.Join(dir, "r.txt"))
		}, changed: []string{"r.txt"}, after: func(t *testing.T, dir string) {
			raw, err := os.ReadFile(filepath.Join(dir, "r.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), "Equal slopes of L.q^2 across regimes (Wald, conventional covariance): F(1, ") ||
				strings.Contains(string(raw), "Equal slopes of L.c") {
				t.Errorf("the report prints other equal-slope tests than L.q^2's:\n%s", raw)
			}
		}},
		{name: "a file of 200 MB of NUL bytes", args: func(t *testing.T, dir string) []string {
			path := filepath.Join(dir, "zeros.csv")
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, 200_000_000); err != nil { // sparse: quick to create
				t.Fatal(err)
			}
			return []string{"xthreg", "--data", path, "--depvar", "i", "--rx", "c", "--qx", "d"}
		}, code: 1, msg: "zeros.csv: malformed CSV: line 1 holds a NUL byte: the file is not text (CSV)"},
		{name: "fractional units", args: func(t *testing.T, dir string) []string {
			return []string{"simulate", "threshold", "--units", "2.5", "--out", dir}
		}, code: 2, msg: `invalid value "2.5" for flag --units`},
	}
}

// checkPredictions checks that the residuals of --predict reproduce the
// final RSS of the JSON report beside them.
func checkPredictions(t *testing.T, dir string) {
	raw, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Stages []struct {
			RSS    float64 `json:"rss"`
			Header struct {
				Obs int `json:"obs"`
			} `json:"header"`
		} `json:"stages"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(mustOpen(t, filepath.Join(dir, "p.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	last := res.Stages[len(res.Stages)-1]
	if strings.Join(rows[0], ",") != "id,time,regime,fitted,residual,fe" || len(rows) != last.Header.Obs+1 {
		t.Fatalf("predictions: header %v and %d rows; want %d observations", rows[0], len(rows)-1, last.Header.Obs)
	}
	rss := 0.0
	for _, r := range rows[1:] {
		e, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			t.Fatal(err)
		}
		rss += e * e
	}
	if math.Abs(rss-last.RSS) > 1e-10*last.RSS {
		t.Errorf("the residuals of --predict sum to %.15g, the report's RSS is %.15g", rss, last.RSS)
	}
}

func mustOpen(t *testing.T, path string) io.Reader {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(raw)
}

func outputCases() []binaryCase {
	file := func(t *testing.T, dir, name string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("keep me\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	return []binaryCase{
		{name: "output to a new file", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", filepath.Join(dir, "out.json"))
		}, changed: []string{"out.json"}, after: func(t *testing.T, dir string) {
			if fi, err := os.Stat(filepath.Join(dir, "out.json")); err != nil || fi.Mode() != 0o644&^umask() {
				t.Errorf("out.json: %v, want mode %v", err, 0o644&^umask())
			}
		}},
		{name: "output replaces a regular file, keeping its mode", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", file(t, dir, "out.json"))
		}, changed: []string{"out.json"}, after: func(t *testing.T, dir string) {
			if fi, err := os.Stat(filepath.Join(dir, "out.json")); err != nil || fi.Mode() != 0o600 || fi.Size() < 100 {
				t.Errorf("out.json: %v, want mode 0600 and the result", err)
			}
		}},
		{name: "output to a file with a second hard link writes through", args: func(t *testing.T, dir string) []string {
			path := file(t, dir, "out.json")
			if err := os.Link(path, filepath.Join(dir, "other.json")); err != nil {
				t.Skip(err)
			}
			return quickJob("--output", path)
		}, changed: []string{"out.json", "other.json"}, after: func(t *testing.T, dir string) {
			a, _ := os.ReadFile(filepath.Join(dir, "out.json"))
			b, _ := os.ReadFile(filepath.Join(dir, "other.json"))
			if len(a) < 100 || string(a) != string(b) {
				t.Errorf("out.json %.40q and its other name other.json %.40q differ, want the result in both", a, b)
			}
		}},
		{name: "output directory missing", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", filepath.Join(dir, "missing", "out.json"))
		}, code: 2, msg: "missing does not exist"},
		{name: "output checked before the data are read", args: func(t *testing.T, dir string) []string {
			return []string{"xthreg", "--data", filepath.Join(dir, "no.csv"), "--depvar", "i", "--rx", "c", "--qx", "d",
				"--output", filepath.Join(dir, "missing", "out.json")}
		}, code: 2, msg: "--output " + "%DIR%/missing/out.json: directory %DIR%/missing does not exist"},
		{name: "output is the data file", args: func(t *testing.T, dir string) []string {
			data := filepath.Join(dir, "data.csv")
			raw, err := os.ReadFile(investCSV)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(data, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, "link.csv")
			if err := os.Symlink(data, link); err != nil {
				t.Fatal(err)
			}
			return []string{"xthreg", "--data", data, "--depvar", "i", "--indep", "L.q", "--rx", "L.c", "--qx", "L.d",
				"--bs", "0", "--output", link}
		}, code: 2, msg: "--output %DIR%/link.csv is the input file %DIR%/data.csv; name another file"},
		{name: "output is a directory", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", dir)
		}, code: 2, msg: "is a directory"},
		{name: "output in a read-only directory", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", filepath.Join(readOnlyDir(t, dir), "out.json"))
		}, code: 2, msg: "cannot create files in directory"},
		{name: "output to a FIFO with a reader", args: func(t *testing.T, dir string) []string {
			fifo := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Skip(err)
			}
			read := make(chan []byte, 1)
			go func() {
				f, err := os.Open(fifo)
				if err != nil {
					read <- nil
					return
				}
				b, _ := io.ReadAll(f)
				f.Close()
				read <- b
			}()
			t.Cleanup(func() {
				select {
				case b := <-read:
					if !bytes.Contains(b, []byte(`"stages"`)) {
						t.Errorf("the FIFO's reader got %.80q", b)
					}
				case <-time.After(time.Minute):
					t.Error("the FIFO's reader got nothing")
				}
			})
			return quickJob("--output", fifo)
		}, after: func(t *testing.T, dir string) { wantType(t, filepath.Join(dir, "fifo"), fs.ModeNamedPipe) }},
		{name: "output through a chain of links", args: func(t *testing.T, dir string) []string {
			file(t, dir, "target.json")
			os.Symlink("target.json", filepath.Join(dir, "link2"))
			os.Symlink("link2", filepath.Join(dir, "link1"))
			return quickJob("--output", filepath.Join(dir, "link1"))
		}, changed: []string{"target.json"}, after: func(t *testing.T, dir string) {
			wantType(t, filepath.Join(dir, "link1"), fs.ModeSymlink)
			wantType(t, filepath.Join(dir, "link2"), fs.ModeSymlink)
		}},
		{name: "output to /dev/stdout, a pipe", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", "/dev/stdout")
		}, stdout: `"stages"`},
		{name: "output to a null device", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", mknod(t, dir, "null", 1, 3))
		}, after: func(t *testing.T, dir string) {
			wantType(t, filepath.Join(dir, "null"), fs.ModeCharDevice|fs.ModeDevice)
		}},
		{name: "output to a full device", args: func(t *testing.T, dir string) []string {
			return quickJob("--output", mknod(t, dir, "full", 1, 7))
		}, code: 1, msg: "no space left on device", after: func(t *testing.T, dir string) {
			wantType(t, filepath.Join(dir, "full"), fs.ModeCharDevice|fs.ModeDevice)
		}},
		{name: "sweep output is a directory", args: func(t *testing.T, dir string) []string {
			return []string{"sweep", "--spec", filepath.Join(dir, "none.yaml"), "--output", dir}
		}, code: 2, msg: "is a directory"},
		{name: "paper output directory is a file", args: func(t *testing.T, dir string) []string {
			return []string{"paper", "--data", filepath.Join(dir, "none.csv"), "--out", file(t, dir, "results")}
		}, code: 2, msg: "--out " + "%DIR%/results: %DIR%/results is not a directory"},
		{name: "plot output directory under a file", args: func(t *testing.T, dir string) []string {
			return []string{"plot", "--result", filepath.Join(dir, "none.json"), "--out", filepath.Join(file(t, dir, "f"), "figs")}
		}, code: 2, msg: "is not a directory"},
		{name: "simulate into a read-only directory", args: func(t *testing.T, dir string) []string {
			return []string{"simulate", "threshold", "--out", readOnlyDir(t, dir)}
		}, code: 2, msg: "cannot create files in directory"},
		{name: "certs directory is a file", args: func(t *testing.T, dir string) []string {
			return []string{"certs", "--dir", file(t, dir, "certs")}
		}, code: 2, msg: "is not a directory"},
		{name: "bench profile into a missing directory", args: func(t *testing.T, dir string) []string {
			return []string{"bench", "--cpuprofile", filepath.Join(dir, "no", "cpu.out")}
		}, code: 2, msg: "does not exist"},
	}
}

// runBinaryCases runs each case's command line with the binary in a fresh
// directory and checks its exit code, its stderr, and that only the files
// the case names changed.
func runBinaryCases(t *testing.T, cases []binaryCase) {
	bin := clustertest.Binary(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := c.args(t, dir)
			before := snapshot(t, dir)
			p := clustertest.Start(t, "thresher", bin, nil, args...)
			p.Wait(5 * time.Minute)
			code := p.Cmd.ProcessState.ExitCode()
			msg := strings.ReplaceAll(c.msg, "%DIR%", dir)
			if code != c.code || !strings.Contains(p.Stderr.String(), msg) || !strings.Contains(p.Stdout.String(), c.stdout) {
				t.Errorf("exit %d, stderr %q, stdout %.80q; want exit %d, %q and %q", code, p.Stderr.String(), p.Stdout.String(), c.code, msg, c.stdout)
			}
			after := snapshot(t, dir)
			for _, name := range c.changed {
				delete(before, name)
				delete(after, name)
			}
			for name, st := range after {
				if before[name] != st {
					t.Errorf("%s changed or appeared: %+v, was %+v", name, st, before[name])
				}
				delete(before, name)
			}
			for name := range before {
				t.Errorf("%s disappeared", name)
			}
			if c.after != nil {
				c.after(t, dir)
			}
		})
	}
}

// fileState is what a run must not change about a file.
type fileState struct {
	mode fs.FileMode
	size int64
	sum  [sha256.Size]byte
}

// snapshot records every file under dir (not following links, not
// reading devices or FIFOs).
func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	files := map[string]fileState{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fileState{mode: fi.Mode(), size: fi.Size()}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			st.sum = sha256.Sum256(b)
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// readOnlyDir returns a directory the binary cannot create files in: a
// 0555 directory, or for root, who ignores the bits, /sys (sysfs refuses
// new files to everyone).
func readOnlyDir(t *testing.T, dir string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		return ro
	}
	if f, err := os.CreateTemp("/sys", "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("running as root with a writable /sys: no directory refuses root")
	}
	return "/sys"
}

// mknod creates the character device major:minor in dir, or skips the test
// when the process may not (only root may).
func mknod(t *testing.T, dir, name string, major, minor int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if os.Geteuid() != 0 {
		t.Skip("creating device nodes needs root")
	}
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, major<<8|minor); err != nil {
		t.Skipf("mknod: %v", err)
	}
	return path
}

func wantType(t *testing.T, path string, typ fs.FileMode) {
	t.Helper()
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != typ {
		t.Errorf("%s: %v, want type %v", path, err, typ)
	}
}

// umask returns the process's umask, which the binary inherits.
func umask() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}

// TestOutputFIFOWithoutReaderInterrupted stops a run that waits for a
// reader of its --output FIFO with SIGINT: the process ends within a
// second and the FIFO stays a FIFO.
func TestOutputFIFOWithoutReaderInterrupted(t *testing.T) {
	if _, err := os.Stat("/proc/self/wchan"); err != nil {
		t.Skip("no /proc/PID/wchan to see where the process waits")
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	p := clustertest.Start(t, "thresher", clustertest.Binary(t), nil, quickJob("--output", fifo)...)
	// Wait until a thread sleeps in the kernel's FIFO open.
	deadline := time.Now().Add(2 * time.Minute)
	for !waitsForFIFO(p.Cmd.Process.Pid) {
		if done, _ := p.Exited(); done || time.Now().After(deadline) {
			t.Fatalf("the process never waited for a reader of the FIFO:\n%s", p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.Cmd.Process.Signal(os.Interrupt)
	if err := p.Wait(time.Second); err == nil || p.Cmd.ProcessState == nil {
		t.Fatalf("not stopped within 1 s of SIGINT (%v):\n%s", err, p.Output())
	}
	wantType(t, fifo, fs.ModeNamedPipe)
}

// waitsForFIFO reports whether a thread of the process sleeps in the
// kernel's FIFO open (wchan wait_for_partner).
func waitsForFIFO(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, task := range tasks {
		if b, err := os.ReadFile(task); err == nil && string(b) == "wait_for_partner" {
			return true
		}
	}
	return false
}
