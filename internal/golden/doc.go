// Package golden keeps the expected output of a test in a file under the
// test's testdata directory (a golden file): the test compares what it
// computes with the file, and, run with -update, first rewrites the file
// from what it computed, for a deliberate change reviewed in the diff.
//
//	go test ./estimators/stream -run TestGolden -update
package golden
