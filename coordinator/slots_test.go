package coordinator

import (
	"math"
	"reflect"
	"testing"
)

func TestSlots(t *testing.T) {
	s := newSlots(10)
	if f, d, c := s.fill(2, []float64{1, 2, 3}); f != 3 || d != 0 || c != 0 {
		t.Errorf("first fill: %d %d %d", f, d, c)
	}
	// Overlap: slot 4 repeats equal, slot 3 differs, slot 5 is new.
	if f, d, c := s.fill(3, []float64{2.5, 3, 4}); f != 1 || d != 2 || c != 1 {
		t.Errorf("overlapping fill: fresh %d duplicates %d conflicts %d, want 1 2 1", f, d, c)
	}
	if s.values[3] != 2 {
		t.Errorf("the first value must win: slot 3 = %v", s.values[3])
	}
	if got := s.gaps(); !reflect.DeepEqual(got, [][2]int{{0, 2}, {6, 10}}) {
		t.Errorf("gaps %v", got)
	}
	if s.remaining != 6 {
		t.Errorf("remaining %d, want 6", s.remaining)
	}
}

func TestCheckpointCoding(t *testing.T) {
	in := []float64{0, math.Copysign(0, -1), 1.5, math.Inf(1), math.NaN(), 1e-310}
	out, err := decodeValues(encodeValues(in))
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if math.Float64bits(in[i]) != math.Float64bits(out[i]) {
			t.Errorf("value %d: %v became %v", i, in[i], out[i])
		}
	}
	if _, err := decodeValues([]byte{1, 2, 3}); err == nil {
		t.Error("a truncated checkpoint decoded")
	}
	fam, a, b, ok := parseRangeKey(rangeKey("s0/k2", 300, 1200))
	if !ok || fam != "s0/k2" || a != 300 || b != 1200 {
		t.Errorf("range key round trip: %q %d %d %v", fam, a, b, ok)
	}
}
