package coordinator

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// slots accumulates the values of replications 0..n-1 (or candidates) as
// task results arrive: the first value of a slot wins; a later value is a
// duplicate, and a differing duplicate is counted as a conflict.
type slots struct {
	values    []float64
	filled    []bool
	remaining int
}

func newSlots(n int) *slots {
	return &slots{values: make([]float64, n), filled: make([]bool, n), remaining: n}
}

// fill records values for slots first..first+len(values)-1 and returns the
// number of new slots, duplicates and conflicting duplicates.
func (s *slots) fill(first int, values []float64) (fresh, duplicates, conflicts int) {
	for i, v := range values {
		r := first + i
		if !s.filled[r] {
			s.values[r], s.filled[r] = v, true
			s.remaining--
			fresh++
			continue
		}
		duplicates++
		if math.Float64bits(s.values[r]) != math.Float64bits(v) {
			conflicts++
		}
	}
	return fresh, duplicates, conflicts
}

// gaps returns the unfilled ranges [first, last).
func (s *slots) gaps() [][2]int {
	var out [][2]int
	for r := 0; r < len(s.filled); {
		if s.filled[r] {
			r++
			continue
		}
		start := r
		for r < len(s.filled) && !s.filled[r] {
			r++
		}
		out = append(out, [2]int{start, r})
	}
	return out
}

// encodeValues packs float64s little-endian, bit-exact, for checkpoints.
func encodeValues(v []float64) []byte {
	out := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(x))
	}
	return out
}

func decodeValues(b []byte) ([]float64, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("checkpoint of %d bytes is not a list of float64", len(b))
	}
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v, nil
}

// rangeKey names a task over [first, last) within a family of tasks.
func rangeKey(family string, first, last int) string {
	return fmt.Sprintf("%s/%d-%d", family, first, last)
}

// parseRangeKey splits a key made by rangeKey.
func parseRangeKey(key string) (family string, first, last int, ok bool) {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return "", 0, 0, false
	}
	a, b, found := strings.Cut(key[i+1:], "-")
	if !found {
		return "", 0, 0, false
	}
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || first < 0 || last < first {
		return "", 0, 0, false
	}
	return key[:i], first, last, true
}
