package panel

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Table is a CSV file read once, as a stream, keeping the text of the
// columns asked for and nothing of the others. The kept cells are stored
// row by row in blocks of about blockCells cells: each block is one string
// holding its cells back to back and the end offset of each cell, allocated
// once at its final size (two bytes an offset when the block's text fits
// in 64 KiB, as typical numeric cells do, four otherwise). Cells are parsed
// when a model uses them, so that a bad cell in a column or row no model
// uses is never an error.
type Table struct {
	header    []string
	index     map[string]int // column name -> position in header
	slot      []int          // position in header -> index among the kept columns, or -1
	nkept     int
	blockRows int // rows per block
	blocks    []block
	rows      int
	line0     int   // file line of the first data row
	lines     []int // file line of each data row; nil while row r is on line0+r
	notes     []string
	parsed    []*parsedColumn // position in header -> the column parsed for a Schema, or nil
}

// blockCells is the number of cells of a block, at least one row: 8192
// cells of up to 8 bytes fit the short offsets.
const blockCells = 1 << 13

// block holds the kept cells of blockRows consecutive rows: cell k of the
// block's row i ends at offset i*nkept+k of ends16, or of ends32 when the
// text is longer than 64 KiB.
type block struct {
	text   string
	ends16 []uint16
	ends32 []uint32
}

// column is a kept column: its text (slot >= 0), what a Schema parsed
// of it (parsed not nil), or both.
type column struct {
	t      *Table
	name   string
	slot   int
	parsed *parsedColumn
}

func (c column) cell(r int) string {
	b := &c.t.blocks[r/c.t.blockRows]
	i := r%c.t.blockRows*c.t.nkept + c.slot
	if b.ends16 != nil {
		return cellText(b.text, b.ends16, i)
	}
	return cellText(b.text, b.ends32, i)
}

// parsedAs returns the column parsed for a use: what a Schema parsed of it,
// or, on a table of text, the column parsed now (what is the use's name for
// messages). The caller does not write it: it may be the table's.
func (c column) parsedAs(u Use, what string) (*parsedColumn, error) {
	if c.parsed != nil && c.parsed.use&u != 0 {
		return c.parsed, nil
	}
	if c.slot < 0 {
		return nil, notRead(c.name, what)
	}
	pc := newParsedColumn(u)
	for r := range c.t.rows {
		if err := pc.add(c.cell(r), r); err != nil {
			return nil, fmt.Errorf("%w: column %s, line %d: %w", ErrFormat, quote(c.name), c.t.Line(r), err)
		}
	}
	pc.done()
	return pc, nil
}

// cellText returns cell i of a block's text.
func cellText[E uint16 | uint32](text string, ends []E, i int) string {
	start := E(0)
	if i > 0 {
		start = ends[i-1]
	}
	return text[start:ends[i]]
}

// ReadCSVFile reads a CSV file with a header row; see ReadCSV.
func ReadCSVFile(path string, keep ...string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	defer f.Close()
	t, err := ReadCSV(f, keep...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ReadCSV reads CSV text with a header row and keeps the columns named in
// keep, or every column when keep is empty; a name in keep that the header
// lacks is an ErrUnknownColumn error. Every row is checked (UTF-8, number of
// fields) whether kept or not. Fields are trimmed of surrounding white
// space; a UTF-8 byte-order mark is ignored.
func ReadCSV(r io.Reader, keep ...string) (*Table, error) {
	return readCSV(r, keep, len(keep) == 0, nil)
}

// ReadSchema reads CSV text as ReadCSV does but keeps no text: the columns
// of the schema are parsed as the rows stream in, each as it is used (see
// Schema), and the others are only checked. Columns of the schema that the
// header lacks are ignored here: Build reports them, as it does on a table
// of ReadCSV. Build on the table returns what it returns on ReadCSV's,
// errors included, holding a fraction of the memory.
func ReadSchema(r io.Reader, s Schema) (*Table, error) {
	return readCSV(r, nil, false, s)
}

// CheckCSV reads CSV text as ReadCSV does and returns its error, keeping
// no cell: it checks a file of any size in constant memory.
func CheckCSV(r io.Reader) error {
	_, err := readCSV(r, nil, false, nil)
	return err
}

func readCSV(r io.Reader, keep []string, all bool, schema Schema) (*Table, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(&textReader{r: br})
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty (a header row is required)", ErrEmpty)
	}
	if err != nil {
		return nil, readError(err)
	}
	t := &Table{index: make(map[string]int, len(header))}
	// R's write.csv writes the row names 1..N as a first column with an
	// empty name: it is skipped if it holds exactly those.
	rowNames := len(header) > 1 && strings.TrimSpace(header[0]) == ""
	if rowNames {
		header = header[1:]
		t.notes = append(t.notes, "the unnamed first column (R's row names 1..N) is ignored")
	}
	first := 1 // the file's number of header[0]
	if rowNames {
		first = 2
	}
	for i, name := range header {
		name = strings.TrimSpace(name)
		switch j, dup := t.index[name]; {
		case !utf8.ValidString(name):
			return nil, fmt.Errorf("%w: line 1, column %d: the name is not valid UTF-8 text", ErrFormat, i+first)
		case name == "":
			return nil, fmt.Errorf("%w: column %d has an empty name", ErrHeader, i+first)
		case dup:
			return nil, fmt.Errorf("%w: column name %s appears twice (columns %d and %d)", ErrHeader, quote(name), j+first, i+first)
		}
		t.index[name] = i
		t.header = append(t.header, name)
	}
	t.slot = make([]int, len(header))
	for j := range t.slot {
		t.slot[j] = -1
	}
	var keptAt []int // positions in header, in slot order
	for _, name := range keep {
		j, ok := t.index[name]
		if !ok {
			return nil, t.unknown(name)
		}
		if t.slot[j] < 0 {
			t.slot[j] = len(keptAt)
			keptAt = append(keptAt, j)
		}
	}
	if all {
		for j := range t.slot {
			t.slot[j] = j
			keptAt = append(keptAt, j)
		}
	}
	var parsedAt []int // positions in header of the parsed columns
	for _, name := range schema.names() {
		if j, ok := t.index[name]; ok {
			if t.parsed == nil {
				t.parsed = make([]*parsedColumn, len(header))
			}
			t.parsed[j] = newParsedColumn(schema[name])
			parsedAt = append(parsedAt, j)
		}
	}
	t.nkept = len(keptAt)
	t.blockRows = max(1, blockCells/max(1, t.nkept))
	var text []byte   // the text of the block being read
	var ends []uint32 // and its cells' end offsets
	flush := func() {
		if len(ends) == 0 {
			return
		}
		b := block{text: string(text)}
		if len(text) <= math.MaxUint16 {
			b.ends16 = make([]uint16, len(ends))
			for k, e := range ends {
				b.ends16[k] = uint16(e)
			}
		} else {
			b.ends32 = slices.Clone(ends)
		}
		t.blocks = append(t.blocks, b)
		text, ends = text[:0], ends[:0]
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readError(err)
		}
		line, _ := cr.FieldPos(0)
		if t.rows == math.MaxInt32 { // Build indexes rows with 32 bits
			return nil, fmt.Errorf("%w: line %d: more than %s data rows", ErrFormat, line, group(math.MaxInt32))
		}
		if line > math.MaxInt32 { // Panel.Line holds 32 bits
			return nil, fmt.Errorf("%w: line %d: more than %s lines", ErrFormat, line, group(math.MaxInt32))
		}
		if rowNames {
			if want := strconv.Itoa(t.rows + 1); strings.TrimSpace(rec[0]) != want {
				return nil, fmt.Errorf("%w: column 1 has an empty name and is not R's row names 1..N (line %d holds %s, not %s); name it",
					ErrHeader, line, quote(rec[0]), want)
			}
			rec = rec[1:]
		}
		for i, f := range rec {
			if !utf8.ValidString(f) {
				return nil, fmt.Errorf("%w: line %d, column %s: the field is not valid UTF-8 text", ErrFormat, line, quote(t.header[i]))
			}
		}
		if t.nkept > 0 {
			if ends == nil {
				ends = make([]uint32, 0, t.blockRows*t.nkept)
			}
			for _, j := range keptAt {
				text = append(text, strings.TrimSpace(rec[j])...)
				if len(text) > math.MaxUint32 {
					return nil, fmt.Errorf("%w: the rows from line %d hold more than 4 GiB of text", ErrFormat, line)
				}
				ends = append(ends, uint32(len(text)))
			}
			if len(ends) == cap(ends) {
				flush()
			}
		}
		for _, j := range parsedAt {
			if err := t.parsed[j].add(strings.TrimSpace(rec[j]), t.rows); err != nil {
				return nil, fmt.Errorf("%w: column %s, line %d: %w", ErrFormat, quote(t.header[j]), line, err)
			}
		}
		t.addLine(line)
	}
	flush()
	for _, j := range parsedAt {
		t.parsed[j].done()
	}
	if t.rows == 0 {
		return nil, fmt.Errorf("%w: the file has a header but no data rows", ErrEmpty)
	}
	return t, nil
}

// readError wraps an error of the CSV reader: a syntax error is ErrFormat,
// anything else an error of the underlying reader.
func readError(err error) error {
	var parse *csv.ParseError
	switch {
	case errors.As(err, &parse):
		return fmt.Errorf("%w: %v", ErrFormat, err)
	case errors.Is(err, ErrFormat): // from textReader
		return err
	}
	return fmt.Errorf("read CSV: %w", err)
}

// textReader fails at the first NUL byte, which no text file holds: a
// binary file (or one of zeros) is refused at once rather than read as one
// huge field.
type textReader struct {
	r     io.Reader
	lines int // newlines read so far
}

func (t *textReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if i := bytes.IndexByte(p[:n], 0); i >= 0 {
		line := t.lines + bytes.Count(p[:i], []byte{'\n'}) + 1
		return i, fmt.Errorf("%w: line %d holds a NUL byte: the file is not text (CSV)", ErrFormat, line)
	}
	t.lines += bytes.Count(p[:n], []byte{'\n'})
	return n, err
}

// addLine records the file line of the next data row.
func (t *Table) addLine(line int) {
	switch {
	case t.rows == 0:
		t.line0 = line
	case t.lines == nil && line != t.line0+t.rows:
		t.lines = make([]int, t.rows, t.rows+1)
		for r := range t.lines {
			t.lines[r] = t.line0 + r
		}
	}
	if t.lines != nil {
		t.lines = append(t.lines, line)
	}
	t.rows++
}

// Notes returns what the reader did that the user should know, such as
// skipping R's row names.
func (t *Table) Notes() []string { return slices.Clone(t.notes) }

// Columns returns the column names in file order.
func (t *Table) Columns() []string { return append([]string(nil), t.header...) }

// Len returns the number of data rows.
func (t *Table) Len() int { return t.rows }

// Line returns the file line of data row r (the header is line 1).
func (t *Table) Line(r int) int {
	if t.lines != nil {
		return t.lines[r]
	}
	return t.line0 + r
}

// Has reports whether the file has a column of that name.
func (t *Table) Has(name string) bool { _, ok := t.index[name]; return ok }

// unknown is the error for a column the file lacks; it lists at most ten of
// the file's columns.
func (t *Table) unknown(name string) error {
	return fmt.Errorf("%w %s (the file has: %s)", ErrUnknownColumn, quote(name), elide(t.header, 10))
}

// column returns a kept column.
func (t *Table) column(name string) (column, error) {
	j, ok := t.index[name]
	if !ok {
		return column{}, t.unknown(name)
	}
	c := column{t: t, name: name, slot: t.slot[j]}
	if t.parsed != nil {
		c.parsed = t.parsed[j]
	}
	if c.slot < 0 && c.parsed == nil {
		return column{}, fmt.Errorf("%w %s: the column was not among those read", ErrUnknownColumn, quote(name))
	}
	return c, nil
}

// notRead is the error for a column read, but not in the way a caller
// needs (as text, or parsed as numbers, units or periods).
func notRead(name, as string) error {
	return fmt.Errorf("%w %s: the column was not read as %s", ErrUnknownColumn, quote(name), as)
}

// Strings returns the cells of a column as text.
func (t *Table) Strings(name string) ([]string, error) {
	c, err := t.column(name)
	if err != nil {
		return nil, err
	}
	if c.slot < 0 {
		return nil, notRead(name, "text")
	}
	out := make([]string, t.rows)
	for r := range out {
		out[r] = c.cell(r)
	}
	return out, nil
}

// Numbers parses a whole column and fails on the first cell that is missing
// or not a finite number.
func (t *Table) Numbers(name string) ([]float64, error) {
	c, err := t.column(name)
	if err != nil {
		return nil, err
	}
	out := make([]float64, t.rows)
	for r := range out {
		if out[r], err = t.number(c, name, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// number parses the cell of row r of a kept column.
func (t *Table) number(c column, name string, r int) (float64, error) {
	if c.parsed != nil && c.parsed.use&AsNumber != 0 {
		v := c.parsed.values.at(r)
		if v == v { // not NaN: every number parsed is finite
			return v, nil
		}
		text, bad := c.parsed.badText(r)
		if !bad {
			return 0, &cellError{column: name, line: t.Line(r), err: ErrMissingValue}
		}
		return 0, &cellError{column: name, line: t.Line(r), text: text, err: ErrNotNumeric}
	}
	if c.slot < 0 {
		return 0, notRead(name, "numbers")
	}
	s := c.cell(r)
	v, err := parseNumber(s)
	if err != nil {
		return 0, &cellError{column: name, line: t.Line(r), text: s, err: err}
	}
	return v, nil
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
		return fmt.Sprintf("column %s, line %d: %v", quote(e.column), e.line, e.err)
	}
	return fmt.Sprintf("column %s, line %d: %s is %v", quote(e.column), e.line, quote(e.text), e.err)
}

func (e *cellError) Unwrap() error { return e.err }

// missingTokens are the spellings of a missing value in CSV exports of
// Stata, R, pandas and spreadsheets.
var missingTokens = func() map[string]bool {
	set := map[string]bool{}
	for _, s := range missingList {
		set[s] = true
	}
	return set
}()

// missingList lists missingTokens in a fixed order: a parsed period keeps
// the index of its token (see parsedColumn).
var missingList = []string{"", ".", "NA", "N/A", "NaN", "nan", "NULL", "null"}
