package panel

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A reference implementation of the data grammar for the fuzz targets,
// written independently of the package: encoding/csv reading the whole file,
// a regular expression for numbers and exact rational arithmetic for their
// values.

// refNumberPattern is the grammar of doc.go: sign, mantissa, exponent.
var refNumberPattern = regexp.MustCompile(`^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$`)

// refMissing are the spellings of a missing value (doc.go).
var refMissing = []string{"", ".", "NA", "N/A", "NaN", "nan", "NULL", "null"}

// refKind classifies a cell.
type refKind int

const (
	refOK refKind = iota
	refMissingValue
	refBad
)

// refRat returns the exact value of a number, or nil when s is not one or
// its magnitude is beyond 10^±400 (then huge tells which way).
func refRat(s string) (v *big.Rat, huge, tiny bool, ok bool) {
	m := refNumberPattern.FindStringSubmatch(s)
	if m == nil || m[2] == "" && m[3] == "" {
		return nil, false, false, false
	}
	digits := strings.TrimLeft(m[2]+m[3], "0")
	if digits == "" {
		return new(big.Rat), false, false, true
	}
	exp := new(big.Int)
	if m[4] != "" {
		exp.SetString(strings.TrimPrefix(m[4], "+"), 10)
	}
	// The value is in [10^(mag-1), 10^mag).
	mag := new(big.Int).Add(exp, big.NewInt(int64(len(m[2])-(len(m[2]+m[3])-len(digits)))))
	switch {
	case mag.Cmp(big.NewInt(400)) > 0:
		return nil, true, false, true
	case mag.Cmp(big.NewInt(-400)) < 0:
		return nil, false, true, true
	}
	v, _ = new(big.Rat).SetString(m[1] + digits + "e" + new(big.Int).Sub(exp, big.NewInt(int64(len(m[3])))).String())
	return v, false, false, true
}

// refNumber parses a numeric cell.
func refNumber(s string) (float64, refKind) {
	for _, m := range refMissing {
		if s == m {
			return 0, refMissingValue
		}
	}
	v, huge, tiny, ok := refRat(s)
	switch {
	case !ok || huge:
		return 0, refBad
	case tiny:
		return 0, refOK
	}
	f, _ := v.Float64()
	if math.IsInf(f, 0) {
		return 0, refBad
	}
	return f, refOK
}

// refPeriod parses a period: an integer below 10^15 in absolute value.
func refPeriod(s string) (int, refKind) {
	for _, m := range refMissing {
		if s == m {
			return 0, refMissingValue
		}
	}
	v, _, _, ok := refRat(s)
	if !ok || v == nil || !v.IsInt() || new(big.Rat).Abs(v).Cmp(new(big.Rat).SetInt64(1e15)) >= 0 {
		return 0, refBad
	}
	return int(v.Num().Int64()), refOK
}

// refTable is a CSV file read by the reference: header, trimmed cells and
// the file line of each row.
type refTable struct {
	header []string
	rows   [][]string
	lines  []int
}

// refRead reads CSV text as ReadCSV documents it.
func refRead(data []byte) (*refTable, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, ErrFormat
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, ErrFormat
	}
	t := &refTable{}
	rowNames := len(header) > 1 && strings.TrimSpace(header[0]) == ""
	if rowNames {
		header = header[1:]
	}
	seen := map[string]bool{}
	for _, name := range header {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			return nil, ErrHeader
		}
		seen[name] = true
		t.header = append(t.header, name)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ErrFormat
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if rowNames {
			if rec[0] != strconv.Itoa(len(t.rows)+1) {
				return nil, ErrHeader
			}
			rec = rec[1:]
		}
		t.rows = append(t.rows, rec)
		t.lines = append(t.lines, line)
	}
	if len(t.rows) == 0 {
		return nil, ErrEmpty
	}
	return t, nil
}
