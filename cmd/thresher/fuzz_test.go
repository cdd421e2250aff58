package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzSweepFile parses arbitrary sweep files: errors are fine, panics are
// not, and every parsed entry either converts to a model or says why not.
func FuzzSweepFile(f *testing.F) {
	f.Add([]byte(sweepYAML))
	f.Add([]byte("specs:\n  - {qx: d, thnum: 2, trim: [0.1, 0.2], grid: all}\n"))
	f.Add([]byte(`{"data": "x.csv", "defaults": {"depvar": "y", "rx": ["c"]}, "specs": [{"qx": "q"}]}`))
	f.Add([]byte("defaults: &d {depvar: y}\nspecs: [*d, {<<: *d, qx: q}]\n"))
	f.Add([]byte("defaults: {depvar: D.y, indep: [i.year, ln(z)], fe: unit, missing: error}\nspecs: [{qx: F.q, rx: L2D.x, fe: twoway}]\n"))
	f.Add([]byte("defaults: {kind: dynthreshold, depvar: i}\nspecs: [{qx: d, endo: [d], boost: 10}, {kind: threshold, qx: d}]\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, entries, err := parseSweep(raw)
		if err != nil {
			return
		}
		for _, e := range entries {
			e.Model.specification(e.Label)
		}
	})
}

// TestFuzzTargetsListed checks that the Makefile's FUZZ_TARGETS, which
// `make fuzz` runs, lists every fuzz target of the repository.
func TestFuzzTargetsListed(t *testing.T) {
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?s)\nFUZZ_TARGETS :=(.*?[^\\])\n`).FindAllSubmatch(makefile, -1) {
		for _, target := range strings.Fields(strings.ReplaceAll(string(m[1]), "\\", " ")) {
			listed[target] = true
		}
	}
	if len(listed) == 0 {
		t.Fatal("no FUZZ_TARGETS in the Makefile")
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	found := 0
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != "../.." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return filepath.SkipDir
		case !strings.HasSuffix(path, "_test.go"):
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllSubmatch(src, -1) {
			found++
			target := "./" + filepath.ToSlash(filepath.Dir(strings.TrimPrefix(path, "../../"))) + ":" + string(m[1])
			if !listed[target] {
				t.Errorf("%s is not in the Makefile's FUZZ_TARGETS", target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < len(listed) {
		t.Errorf("FUZZ_TARGETS lists %d targets, the repository has %d", len(listed), found)
	}
}
