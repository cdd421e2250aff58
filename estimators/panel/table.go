package panel

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Table is a CSV file held in memory as text. Cells are parsed on demand so
// that a bad cell in a column no model uses is never an error.
type Table struct {
	header  []string
	index   map[string]int
	records [][]string
	lines   []int // file line of each record, for messages
}

// ReadCSVFile reads a CSV file with a header row.
func ReadCSVFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	defer f.Close()
	t, err := ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ReadCSV reads CSV text with a header row. Fields are trimmed of
// surrounding spaces; a UTF-8 byte-order mark is ignored.
func ReadCSV(r io.Reader) (*Table, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read CSV: %w", err)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		return nil, fmt.Errorf("%w: the file is not valid UTF-8 text", ErrFormat)
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty (a header row is required)", ErrEmpty)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	t := &Table{index: make(map[string]int, len(header))}
	for i, name := range header {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("%w: column %d has an empty name", ErrHeader, i+1)
		}
		if j, dup := t.index[name]; dup {
			return nil, fmt.Errorf("%w: column name %q appears twice (columns %d and %d)", ErrHeader, name, j+1, i+1)
		}
		t.index[name] = i
		t.header = append(t.header, name)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		t.records = append(t.records, rec)
		t.lines = append(t.lines, line)
	}
	if len(t.records) == 0 {
		return nil, fmt.Errorf("%w: the file has a header but no data rows", ErrEmpty)
	}
	return t, nil
}

// Columns returns the column names in file order.
func (t *Table) Columns() []string { return append([]string(nil), t.header...) }

// Len returns the number of data rows.
func (t *Table) Len() int { return len(t.records) }

// Line returns the file line of data row r (the header is line 1).
func (t *Table) Line(r int) int { return t.lines[r] }

// Has reports whether the table has a column of that name.
func (t *Table) Has(name string) bool { _, ok := t.index[name]; return ok }

func (t *Table) column(name string) (int, error) {
	j, ok := t.index[name]
	if !ok {
		return 0, fmt.Errorf("%w %q (the file has: %s)", ErrUnknownColumn, name, strings.Join(t.header, ", "))
	}
	return j, nil
}

// Strings returns the cells of a column as text.
func (t *Table) Strings(name string) ([]string, error) {
	j, err := t.column(name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(t.records))
	for r, rec := range t.records {
		out[r] = rec[j]
	}
	return out, nil
}

// cellError describes why one cell could not be used as a number.
type cellError struct {
	column string
	line   int
	text   string
	err    error
}

func (e *cellError) Error() string {
	if errors.Is(e.err, ErrMissingValue) {
		return fmt.Sprintf("column %q, line %d: %v", e.column, e.line, e.err)
	}
	return fmt.Sprintf("column %q, line %d: %q is %v", e.column, e.line, e.text, e.err)
}

func (e *cellError) Unwrap() error { return e.err }

// numbers parses a column. A cell that is not a finite number yields NaN in
// values and an entry in bad; the caller decides whether the cell matters.
func (t *Table) numbers(name string) (values []float64, bad map[int]error, err error) {
	j, err := t.column(name)
	if err != nil {
		return nil, nil, err
	}
	values = make([]float64, len(t.records))
	for r, rec := range t.records {
		v, perr := parseNumber(rec[j])
		if perr != nil {
			if bad == nil {
				bad = make(map[int]error)
			}
			bad[r] = &cellError{column: name, line: t.lines[r], text: rec[j], err: perr}
			v = math.NaN()
		}
		values[r] = v
	}
	return values, bad, nil
}

// Numbers parses a whole column and fails on the first cell that is missing
// or not a finite number.
func (t *Table) Numbers(name string) ([]float64, error) {
	values, bad, err := t.numbers(name)
	if err != nil {
		return nil, err
	}
	for r := range values {
		if e, ok := bad[r]; ok {
			return nil, e
		}
	}
	return values, nil
}

// missingTokens are the spellings of a missing value in CSV exports of
// Stata, R, pandas and spreadsheets.
var missingTokens = map[string]bool{"": true, ".": true, "NA": true, "N/A": true, "NaN": true, "nan": true, "NULL": true, "null": true}

func parseNumber(s string) (float64, error) {
	if missingTokens[s] {
		return 0, ErrMissingValue
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, ErrNotNumeric
	}
	return v, nil
}
