package golden

import (
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the tests' output")

// Update reports whether the tests run with -update, for a test that
// writes its golden files itself.
func Update() bool { return *update }

// Bytes returns the golden file at path; with -update it first writes got
// there. A file that cannot be read fails the test.
func Bytes(tb testing.TB, path string, got []byte) []byte {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run the test with -update to write it)", err)
	}
	return want
}

// JSON decodes the golden file at path into want; with -update it first
// writes got there as indented JSON. A file that cannot be read or decoded
// fails the test.
func JSON(tb testing.TB, path string, got, want any) {
	tb.Helper()
	raw, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(Bytes(tb, path, append(raw, '\n')), want); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}
