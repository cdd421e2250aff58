package golden

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestJSON writes a golden file as -update does, reads it back without
// -update, and checks that a changed output no longer rewrites it.
func TestJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "golden.json")
	defer func(was bool) { *update = was }(*update)

	*update = true
	var want []int
	JSON(t, path, []int{3, 1, 2}, &want)
	if !slices.Equal(want, []int{3, 1, 2}) {
		t.Fatalf("with -update: golden %v, want the output [3 1 2]", want)
	}
	raw, err := os.ReadFile(path)
	if err != nil || string(raw) != "[\n  3,\n  1,\n  2\n]\n" {
		t.Fatalf("golden file %q, %v: want indented JSON ending in a newline", raw, err)
	}

	*update = false
	want = nil
	JSON(t, path, []int{4}, &want)
	if !slices.Equal(want, []int{3, 1, 2}) || Update() {
		t.Errorf("without -update: golden %v (want [3 1 2] as written), Update() %v", want, Update())
	}
}
