package panel

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
)

// Use is how a model reads a column: a bit set.
type Use uint8

// The uses of a column.
const (
	AsUnit   Use = 1 << iota // unit labels (Layout.ID)
	AsPeriod                 // periods (Layout.Time)
	AsNumber                 // numbers (a term's reference)
)

// Schema names the columns a model reads and how. ReadSchema keeps each
// as it is used, parsed as the rows stream in: unit labels as a dictionary
// of the distinct labels and one 4-byte code a row, periods as 4-byte
// offsets from the first period while every period lies within about 2^31
// of it (8-byte integers otherwise), numbers as float64; a cell that is missing or does not parse
// is marked (and a bad one's text kept) for Build to report as it would on
// the text.
type Schema map[string]Use

// SchemaOf returns the schema of a model that builds terms on a layout.
func SchemaOf(layout Layout, terms []Term) Schema {
	s := Schema{}
	s.Add(layout.ID, AsUnit)
	s.Add(layout.Time, AsPeriod)
	for _, term := range terms {
		for _, ref := range term.Refs() {
			s.Add(ref.Column, AsNumber)
		}
	}
	return s
}

// Add adds a use of a column.
func (s Schema) Add(column string, u Use) { s[column] |= u }

// Merge adds the uses of another schema.
func (s Schema) Merge(o Schema) {
	for c, u := range o {
		s.Add(c, u)
	}
}

// Key is a canonical text of the schema: equal schemas have equal keys.
func (s Schema) Key() string {
	var b strings.Builder
	for _, c := range s.names() {
		fmt.Fprintf(&b, "%d%q", s[c], c)
	}
	return b.String()
}

// names returns the schema's columns in order.
func (s Schema) names() []string { return slices.Sorted(maps.Keys(s)) }

// parsedColumn is a column parsed for its uses as the rows stream in.
type parsedColumn struct {
	use Use
	// AsUnit: the distinct labels in order of first appearance and each
	// row's index among them, -1 for a missing label.
	labels []string
	index  map[string]int32 // label -> code, while reading
	codes  chunked[int32]
	// AsPeriod: each row's period, or missingPeriod+i for the missing-value
	// token missingList[i], or badPeriod.
	periods periodColumn
	// AsNumber: each row's value, NaN for a missing or bad cell.
	values chunked[float64]
	// The rows (in increasing order) whose cell is a bad period or number,
	// and their text.
	badRows  []int
	badTexts []string
}

// Markers of parsed periods: valid periods are below 10^15 in absolute
// value.
const (
	missingPeriod = math.MinInt64
	badPeriod     = missingPeriod + 100
)

func newParsedColumn(u Use) *parsedColumn {
	c := &parsedColumn{use: u}
	if u&AsUnit != 0 {
		c.index = map[string]int32{}
	}
	return c
}

// add parses the cell of row r.
func (c *parsedColumn) add(s string, r int) error {
	bad := false
	if c.use&AsUnit != 0 {
		code := int32(-1)
		if !missingTokens[s] {
			var ok bool
			if code, ok = c.index[s]; !ok {
				if len(c.labels) == math.MaxInt32 {
					return fmt.Errorf("more than %d distinct unit labels", math.MaxInt32)
				}
				code = int32(len(c.labels))
				c.labels = append(c.labels, strings.Clone(s)) // not the record's text
				c.index[c.labels[code]] = code
			}
		}
		c.codes.add(code)
	}
	if c.use&AsPeriod != 0 {
		p, err := parsePeriod(s)
		switch {
		case errors.Is(err, ErrMissingValue):
			c.periods.add(missingPeriod + int64(slices.Index(missingList, s)))
		case err != nil:
			c.periods.add(badPeriod)
			bad = true
		default:
			c.periods.add(int64(p))
		}
	}
	if c.use&AsNumber != 0 {
		v, err := parseNumber(s)
		if err != nil {
			v = math.NaN()
			bad = bad || errors.Is(err, ErrNotNumeric)
		}
		c.values.add(v)
	}
	if bad {
		c.badRows = append(c.badRows, r)
		c.badTexts = append(c.badTexts, strings.Clone(s))
	}
	return nil
}

// done ends the reading: the dictionary of labels goes.
func (c *parsedColumn) done() { c.index = nil }

// badText returns the text of row r's cell if it is bad.
func (c *parsedColumn) badText(r int) (string, bool) {
	i := sort.SearchInts(c.badRows, r)
	if i < len(c.badRows) && c.badRows[i] == r {
		return c.badTexts[i], true
	}
	return "", false
}

// period returns row r's period, or its error and the cell's text.
func (c *parsedColumn) period(r int) (int, string, error) {
	p := c.periods.at(r)
	switch {
	case p == badPeriod:
		text, _ := c.badText(r)
		return 0, text, ErrBadPeriod
	case p < badPeriod:
		return 0, missingList[p-missingPeriod], ErrMissingValue
	}
	return int(p), "", nil
}

// periodColumn holds parsed periods and their markers (missingPeriod+i,
// badPeriod): as 4-byte offsets from the first period while every period
// lies within narrowMin..MaxInt32 of it, as 8-byte integers from the first
// one that does not (the offsets read so far are then widened).
type periodColumn struct {
	base   int64 // the first period added, once hasBase
	narrow chunked[int32]
	wide   *chunked[int64] // nil while the offsets fit
	// hasBase reports whether a period (not a marker) was added.
	hasBase bool
}

// A narrow marker is the int64 marker's distance from missingPeriod above
// MinInt32; offsets are above narrowMin.
const narrowMin = math.MinInt32 + (badPeriod - missingPeriod)

func (c *periodColumn) add(v int64) {
	if c.wide != nil {
		c.wide.add(v)
		return
	}
	if v <= badPeriod { // a marker
		c.narrow.add(int32(math.MinInt32 + (v - missingPeriod)))
		return
	}
	if !c.hasBase {
		c.base, c.hasBase = v, true
	}
	if d := v - c.base; d > narrowMin && d <= math.MaxInt32 { // no overflow: |v|, |base| < 10^15
		c.narrow.add(int32(d))
		return
	}
	c.wide = &chunked[int64]{}
	for _, chunk := range c.narrow.chunks {
		for _, n := range chunk {
			c.wide.add(c.widen(n))
		}
	}
	c.narrow = chunked[int32]{}
	c.wide.add(v)
}

// widen returns the period or marker of an offset or narrow marker.
func (c *periodColumn) widen(n int32) int64 {
	if n <= narrowMin {
		return missingPeriod + (int64(n) - math.MinInt32)
	}
	return c.base + int64(n)
}

// at returns row r's period or marker.
func (c *periodColumn) at(r int) int64 {
	if c.wide != nil {
		return c.wide.at(r)
	}
	return c.widen(c.narrow.at(r))
}

// chunkLen is the length of a chunk of a chunked slice.
const chunkLen = 1 << 16

// chunked is a slice grown in chunks of chunkLen elements, so that growing
// it never copies, nor doubles, what it holds.
type chunked[T any] struct{ chunks [][]T }

func (c *chunked[T]) add(v T) {
	n := len(c.chunks)
	switch {
	case n == 0:
		c.chunks = append(c.chunks, nil) // the first chunk grows as a slice: small tables stay small
		n++
	case len(c.chunks[n-1]) == chunkLen:
		c.chunks = append(c.chunks, make([]T, 0, chunkLen))
		n++
	}
	c.chunks[n-1] = append(c.chunks[n-1], v)
}

func (c *chunked[T]) at(r int) T { return c.chunks[r/chunkLen][r%chunkLen] }
