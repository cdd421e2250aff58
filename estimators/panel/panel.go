package panel

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// Panel is an estimation sample: rows sorted by unit and period, and one
// column per term. Rows of a unit are contiguous.
type Panel struct {
	// Units are the unit labels, in the order rows use them.
	Units []string
	// Unit is each row's index into Units (32 bits: the reader refuses
	// more than MaxInt32 rows).
	Unit []int32
	// Period is each row's period.
	Period []int
	// Line is each row's line in the CSV file when BuildOptions.Lines asks
	// for it, nil otherwise (the reader
	// refuses files of more than MaxInt32 lines).
	Line []int32
	// Terms are the columns' terms: the terms given to Build in their
	// order, each factor variable replaced by the indicators of its levels
	// but the base, in increasing order of level.
	Terms []Term
	// Source is, for each column, the index of the term given to Build
	// that it comes from.
	Source []int
	// Values holds one column per term, aligned with the rows.
	Values [][]float64
	// Dropped counts the rows dropped because a lag did not exist.
	Dropped int
	// GapRows counts the rows among Dropped whose missing lag (or lead)
	// period lies inside the periods of its unit: a gap in the data, or
	// one left by a row dropped for a missing unit or period.
	GapRows int
	// Missing lists, by column in order of first use, the rows dropped
	// because a cell the row needs is missing (BuildOptions.DropMissing).
	// A row missing several cells counts for each column; MissingRows
	// counts each row once.
	Missing     []MissingCount
	MissingRows int
	// DroppedUnits are the units BuildOptions.MinUnitRows dropped.
	DroppedUnits []string
}

// MissingCount is the number of rows dropped for missing cells of a column.
type MissingCount struct {
	Column string `json:"column"`
	Rows   int    `json:"rows"`
}

// BuildOptions extends what Build accepts.
type BuildOptions struct {
	// Factors allows factor variables (i.x, ib#.x): each becomes one
	// indicator column per level of x in the estimation sample but the
	// base, the lowest level or the level # (Stata's rule). Levels are
	// integers below 10^15 in absolute value. Without it a factor
	// variable is an ErrSyntax error.
	Factors bool
	// DropMissing drops the rows where a cell that the row needs is
	// missing ("", ".", "NA", "NaN", ...; listwise deletion, Stata's
	// rule) instead of failing with ErrMissingValue. A lag reads its
	// period's cell whatever the rest of that row holds (Stata's
	// operators read the data, not the estimation sample), so L.x is
	// missing where x is missing one period earlier.
	DropMissing bool
	// MinUnitRows drops the units with fewer rows in the sample (see
	// DropUnitsBelow) before factor variables are expanded, so that a
	// level observed only in a dropped unit gets no column.
	MinUnitRows int
	// Lines records each row's line in the CSV file in Panel.Line (4
	// bytes a row, 19 MB on 4.76 million rows: left nil without it).
	Lines bool
}

// Layout names the identifier columns of a panel data set.
type Layout struct {
	ID   string // column holding the unit label
	Time string // column holding the integer period
}

// Build evaluates terms on the table and returns the estimation sample.
// Rows for which some lag does not exist are dropped, as Stata does; any other
// missing or non-numeric value that a term needs is an error. The same term
// may appear in several lists. Build reads what ReadSchema parsed where it
// is (a table of ReadCSV has its units and periods parsed first and its
// numbers as rows are built), allocates the sample at its size before
// missing values, and holds besides it at most a 4-byte row index per row
// (none when the rows are sorted by unit and period and none lacks either).
func Build(t *Table, layout Layout, terms []Term) (*Panel, error) {
	return BuildWith(t, layout, terms, BuildOptions{})
}

// BuildWith is Build with options.
func BuildWith(t *Table, layout Layout, terms []Term, opts BuildOptions) (*Panel, error) {
	for _, term := range terms {
		if term.IsFactor() && !opts.Factors {
			return nil, fmt.Errorf("%w %q: factor variables are not supported by this model", ErrSyntax, term.Name)
		}
	}
	ids, err := t.column(layout.ID)
	if err != nil {
		return nil, fmt.Errorf("unit column: %w", err)
	}
	times, err := t.column(layout.Time)
	if err != nil {
		return nil, fmt.Errorf("time column: %w", err)
	}
	p := &Panel{Terms: terms, Values: make([][]float64, len(terms)), Source: make([]int, len(terms))}
	labels, units, err := orderUnits(t, ids, layout.ID, opts.DropMissing)
	if err != nil {
		return nil, err
	}
	p.Units = labels
	// The table's periods are read where they are (on a table of text
	// they are parsed first).
	periods, err := times.parsedAs(AsPeriod, "periods")
	if err != nil {
		return nil, fmt.Errorf("time column: %w", err)
	}
	period := func(r int) int { return int(periods.periods.at(r)) } // of a row with a period

	// The order of rows: by unit, then period (periods are below 10^15 and
	// lags at most maxLag, so no arithmetic on them overflows).
	byKey := func(a, b int) int {
		if c := cmp.Compare(units.of(a), units.of(b)); c != 0 {
			return c
		}
		return cmp.Compare(period(a), period(b))
	}
	// Rows with a unit and a period: every row, in the table's order, when
	// none lacks either and they are sorted already.
	valid, sorted, prev := 0, true, -1
	for r := range t.rows {
		_, s, err := periods.period(r)
		if err != nil && !(opts.DropMissing && errors.Is(err, ErrMissingValue)) {
			return nil, fmt.Errorf("time column %s, line %d: %s: %w", quote(layout.Time), t.Line(r), quote(s), err)
		}
		if err != nil || units.of(r) < 0 {
			p.dropMissing(r, units.of(r) < 0, layout.ID, err != nil, layout.Time)
			continue
		}
		if prev >= 0 && byKey(prev, r) > 0 {
			sorted = false
		}
		valid, prev = valid+1, r
	}

	// Every distinct reference of the terms, with the first term using it
	// (for messages), its column and its lag.
	type use struct {
		ref  Ref
		term string
		col  column
		lag  int // index into lags
	}
	var uses []use
	var lags []int
	for _, term := range terms {
		for _, ref := range term.Refs() {
			if slices.ContainsFunc(uses, func(u use) bool { return u.ref == ref }) {
				continue
			}
			c, err := t.column(ref.Column)
			if err != nil {
				return nil, fmt.Errorf("term %q: %w", term.Name, err)
			}
			if !slices.Contains(lags, ref.Lag) {
				lags = append(lags, ref.Lag)
			}
			uses = append(uses, use{ref, term.Name, c, slices.Index(lags, ref.Lag)})
		}
	}

	// The rows with a unit and a period in order, and no two alike.
	var order rowOrder // nil: every row in the table's order
	if valid < t.rows || !sorted {
		order = make(rowOrder, 0, valid) // the reader refuses more than MaxInt32 rows
		for r := range t.rows {
			if _, _, err := periods.period(r); err == nil && units.of(r) >= 0 {
				order = append(order, int32(r))
			}
		}
		if !sorted {
			slices.SortFunc(order, func(a, b int32) int { return byKey(int(a), int(b)) })
		}
	}
	for i := 1; i < valid; i++ {
		if a, b := order.row(i-1), order.row(i); byKey(a, b) == 0 {
			return nil, fmt.Errorf("%w: unit %s, period %d appears on lines %d and %d",
				ErrDuplicate, quote(labels[units.of(a)]), period(a), min(t.Line(a), t.Line(b)), max(t.Line(a), t.Line(b)))
		}
	}

	// A row stays only if every lag it needs exists: the row of its unit
	// with period t-k is at most |k| rows before (k > 0) or after it (a
	// lead, k < 0). sources sets source to the rows that the lags of the
	// row at position i read and reports whether they all exist; first and
	// last are the positions of its unit's first and last rows.
	source := make([]int, len(lags)) // the row each lag reads, for the current row
	first, last := 0, 0
	sources := func(i int) bool {
		r := order.row(i)
		if i == 0 || units.of(order.row(i-1)) != units.of(r) {
			first, last = i, i
			for last+1 < valid && units.of(order.row(last+1)) == units.of(r) {
				last++
			}
		}
		complete := true
		for l, k := range lags {
			source[l] = -1
			step := -1
			if k < 0 {
				step = 1
			}
			lo, hi := max(0, min(i, i-k)), min(valid-1, max(i, i-k))
			for j := i; j >= lo && j <= hi; j += step {
				s := order.row(j)
				if units.of(s) != units.of(r) || (period(s)-(period(r)-k))*step > 0 {
					break
				}
				if period(s) == period(r)-k {
					source[l] = s
					break
				}
			}
			complete = complete && source[l] >= 0
		}
		return complete
	}
	// A first pass counts the rows dropped for lags, so that the sample is
	// allocated at most at its size.
	size := 0
	for i := range valid {
		if sources(i) {
			size++
			continue
		}
		p.Dropped++
		r := order.row(i)
		for l, k := range lags {
			if want := period(r) - k; source[l] < 0 && want > period(order.row(first)) && want < period(order.row(last)) {
				p.GapRows++
				break
			}
		}
	}
	p.Unit, p.Period = make([]int32, 0, size), make([]int, 0, size)
	if opts.Lines {
		p.Line = make([]int32, 0, size)
	}

	// A term given twice (a threshold variable that is also a regressor)
	// is evaluated once: its columns share their values.
	sameAs := make([]int, len(terms)) // the first term with the same values
	for i, term := range terms {
		p.Source[i] = i
		sameAs[i] = slices.IndexFunc(terms, func(u Term) bool { return !u.IsFactor() && u.Name == term.Name })
		if sameAs[i] < 0 { // a factor variable
			sameAs[i] = i
		}
		if sameAs[i] == i {
			p.Values[i] = make([]float64, 0, size)
		}
	}
	values := make([]float64, len(uses))
	value := func(ref Ref) float64 { // every ref of a term is among uses
		u := 0
		for uses[u].ref != ref {
			u++
		}
		return values[u]
	}
	var missingCols []string // the columns missing in the current row
	for i := range valid {
		if !sources(i) {
			continue
		}
		r := order.row(i)
		missingCols = missingCols[:0]
		for u, use := range uses {
			if values[u], err = t.number(use.col, use.ref.Column, source[use.lag]); err != nil {
				if !opts.DropMissing || !errors.Is(err, ErrMissingValue) {
					return nil, fmt.Errorf("term %q: %w", use.term, err)
				}
				if !slices.Contains(missingCols, use.ref.Column) {
					missingCols = append(missingCols, use.ref.Column)
				}
			}
		}
		if len(missingCols) > 0 {
			for _, c := range missingCols {
				p.countMissing(c)
			}
			p.MissingRows++
			continue
		}
		for k, term := range terms {
			if sameAs[k] != k {
				continue
			}
			v := term.Eval(value)
			if err := checkValue(term, v); err != nil {
				return nil, fmt.Errorf("%w at line %d (unit %s, period %d)", err, t.Line(r), quote(labels[units.of(r)]), period(r))
			}
			p.Values[k] = append(p.Values[k], v)
		}
		p.Unit = append(p.Unit, units.of(r))
		p.Period = append(p.Period, period(r))
		if opts.Lines {
			p.Line = append(p.Line, int32(t.Line(r))) // the reader refuses lines beyond MaxInt32
		}
	}
	for k, f := range sameAs {
		p.Values[k] = p.Values[f]
	}
	if len(p.Unit) == 0 {
		return nil, fmt.Errorf("%w: no row has every lag the variable lists need and no missing value (%d rows dropped for lags, %d for missing values)",
			ErrTooFewRows, p.Dropped, p.MissingRows)
	}
	p.dropUnusedUnits()
	if opts.MinUnitRows > 0 {
		p.DroppedUnits = p.DropUnitsBelow(opts.MinUnitRows)
	}
	if err := p.expandFactors(); err != nil {
		return nil, err
	}
	return p, nil
}

// checkValue refuses a non-finite value of a term, and a level of a
// factor variable that is not an integer below 10^15 in absolute value.
func checkValue(term Term, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		var hint string
		switch {
		case math.IsInf(v, 1) && term.calls:
			hint = " (beyond float64's range, about 1.8e308: an overflow, as exp of a large value, or a division by 0)"
		case math.IsInf(v, 0) && !term.calls:
			hint = " (beyond float64's range, about 1.8e308: an overflow or a division by 0)"
		case term.calls: // NaN or -Inf: ln(0), sqrt(-1)
			hint = " (ln and log need a positive argument, sqrt a non-negative one)"
		default:
			hint = " (an overflow met another: Inf - Inf or 0 * Inf)"
		}
		return fmt.Errorf("%w: %q is %v%s", ErrNotFinite, term.Name, v, hint)
	case term.IsFactor() && (v != math.Trunc(v) || math.Abs(v) >= 1e15):
		return fmt.Errorf("%w: the factor variable %q has the level %v, not an integer below 10^15 in absolute value", ErrFactorLevel, term.Name, v)
	}
	return nil
}

// dropMissing counts row r as dropped for a missing unit or period.
func (p *Panel) dropMissing(r int, noUnit bool, idColumn string, noPeriod bool, timeColumn string) {
	if noUnit {
		p.countMissing(idColumn)
	}
	if noPeriod {
		p.countMissing(timeColumn)
	}
	p.MissingRows++
}

// countMissing counts one row dropped for a missing cell of column.
func (p *Panel) countMissing(column string) {
	i := slices.IndexFunc(p.Missing, func(m MissingCount) bool { return m.Column == column })
	if i < 0 {
		i = len(p.Missing)
		p.Missing = append(p.Missing, MissingCount{Column: column})
	}
	p.Missing[i].Rows++
}

// expandFactors replaces each factor variable's column of levels by the
// indicators of its levels but the base.
func (p *Panel) expandFactors() error {
	if !slices.ContainsFunc(p.Terms, Term.IsFactor) {
		return nil
	}
	var terms []Term
	var source []int
	var values [][]float64
	for k, term := range p.Terms {
		if !term.IsFactor() {
			terms, source, values = append(terms, term), append(source, p.Source[k]), append(values, p.Values[k])
			continue
		}
		f := term.factor
		levels := slices.Compact(slices.Sorted(slices.Values(p.Values[k])))
		if len(levels) == 0 { // MinUnitRows dropped every unit
			continue
		}
		base := levels[0]
		if f.hasBase {
			base = float64(f.base)
			if !slices.Contains(levels, base) {
				return optionError{fmt.Errorf("%w: the base level %d of %q does not occur in the estimation sample (its levels are %s)",
					ErrFactorLevel, f.base, term.Name, levelList(levels))}
			}
		}
		for _, level := range levels {
			if level == base {
				continue
			}
			col := make([]float64, len(p.Values[k]))
			for r, v := range p.Values[k] {
				if v == level {
					col[r] = 1
				}
			}
			terms, source, values = append(terms, indicatorTerm(f.column, level)), append(source, p.Source[k]), append(values, col)
		}
	}
	p.Terms, p.Source, p.Values = terms, source, values
	return nil
}

// levelList writes at most ten levels for a message.
func levelList(levels []float64) string {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = strconv.FormatFloat(l, 'f', -1, 64)
	}
	return elide(names, 10)
}

// DropUnitsBelow removes the rows of units with fewer than min rows and
// returns the labels of the units removed. Fixed-effect estimators drop such
// units (a unit observed once has no within variation).
func (p *Panel) DropUnitsBelow(min int) []string {
	starts := p.UnitStarts()
	var dropped []string
	keep := make([]bool, len(p.Units))
	for u := range p.Units {
		keep[u] = starts[u+1]-starts[u] >= min
		if !keep[u] {
			dropped = append(dropped, p.Units[u])
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	out := 0
	for r := range p.Unit {
		if !keep[p.Unit[r]] {
			continue
		}
		p.Unit[out], p.Period[out] = p.Unit[r], p.Period[r]
		if p.Line != nil {
			p.Line[out] = p.Line[r]
		}
		for i := range p.Values {
			p.Values[i][out] = p.Values[i][r]
		}
		out++
	}
	p.Unit, p.Period = p.Unit[:out], p.Period[:out]
	if p.Line != nil {
		p.Line = p.Line[:out]
	}
	for i := range p.Values {
		p.Values[i] = p.Values[i][:out]
	}
	p.dropUnusedUnits()
	return dropped
}

// dropUnusedUnits removes units left without rows (e.g. units observed in a
// single period when a lag is used) and renumbers the rest.
func (p *Panel) dropUnusedUnits() {
	used := make([]int32, len(p.Units))
	for i := range used {
		used[i] = -1
	}
	labels := make([]string, 0, len(p.Units))
	for _, u := range p.Unit {
		if used[u] < 0 {
			used[u] = int32(len(labels))
			labels = append(labels, p.Units[u])
		}
	}
	for r, u := range p.Unit {
		p.Unit[r] = used[u]
	}
	p.Units = labels
}

// Len returns the number of rows.
func (p *Panel) Len() int { return len(p.Unit) }

// Column returns the values of the named term.
func (p *Panel) Column(name string) ([]float64, bool) {
	for i, t := range p.Terms {
		if t.Name == name {
			return p.Values[i], true
		}
	}
	return nil, false
}

// UnitStarts returns, for each unit, the index of its first row, followed by
// Len(): the rows of unit i are UnitStarts()[i]:UnitStarts()[i+1].
func (p *Panel) UnitStarts() []int {
	starts := make([]int, 0, len(p.Units)+1)
	for r, u := range p.Unit {
		if r == 0 || u != p.Unit[r-1] {
			starts = append(starts, r)
		}
	}
	return append(starts, len(p.Unit))
}

// Periods returns the distinct periods of the sample in increasing order.
// It marks them in a bitmap of their span when that is smaller than a copy
// of the rows' periods (as for years or dates), and sorts such a copy
// otherwise.
func (p *Panel) Periods() []int {
	if len(p.Period) == 0 {
		return nil
	}
	lo, hi := slices.Min(p.Period), slices.Max(p.Period)
	span := hi - lo // below 2*10^15: no overflow
	if span/64 >= len(p.Period) {
		ps := slices.Clone(p.Period)
		slices.Sort(ps)
		return slices.Compact(ps)
	}
	seen := make([]uint64, span/64+1)
	for _, t := range p.Period {
		d := t - lo
		seen[d/64] |= 1 << (d % 64)
	}
	n := 0
	for _, w := range seen {
		n += bits.OnesCount64(w)
	}
	out := make([]int, 0, n)
	for i, w := range seen {
		for ; w != 0; w &= w - 1 {
			out = append(out, lo+64*i+bits.TrailingZeros64(w))
		}
	}
	return out
}

// CheckBalanced returns an ErrUnbalanced error naming the units that lack
// some of the sample's periods.
func (p *Panel) CheckBalanced() error {
	all := p.Periods()
	starts := p.UnitStarts()
	var lacking []string
	count := 0
	for u := range p.Units {
		have := p.Period[starts[u]:starts[u+1]]
		if len(have) == len(all) {
			continue
		}
		count++
		if len(lacking) < 10 {
			var missing []string
			for _, per := range all {
				if !slices.Contains(have, per) {
					missing = append(missing, strconv.Itoa(per))
				}
			}
			lacking = append(lacking, fmt.Sprintf("unit %q lacks %s", p.Units[u], strings.Join(missing, " ")))
		}
	}
	if count == 0 {
		return nil
	}
	more := ""
	if count > len(lacking) {
		more = fmt.Sprintf("; and %d more units", count-len(lacking))
	}
	return fmt.Errorf("%w: %d of %d units lack some of the %d periods %d..%d (after lags): %s%s",
		ErrUnbalanced, count, len(p.Units), len(all), all[0], all[len(all)-1], strings.Join(lacking, "; "), more)
}

// orderUnits assigns unit indices: numeric order when every label is an
// integer written canonically (no sign '+', no leading zero, so that two
// labels never share a value), string order otherwise, so that the result
// does not depend on the order of rows in the file.
//
// With dropMissing a row whose label is missing gets the unit -1; without,
// it is an ErrMissingValue error.
func orderUnits(t *Table, ids column, name string, dropMissing bool) (sorted []string, units unitIndex, err error) {
	parsed, err := ids.parsedAs(AsUnit, "unit labels")
	if err != nil {
		return nil, unitIndex{}, err
	}
	labels := parsed.labels // may be the table's: not written
	if !dropMissing {
		for r := range t.rows {
			if parsed.codes.at(r) < 0 {
				return nil, unitIndex{}, fmt.Errorf("unit column %s, line %d: %w", quote(name), t.Line(r), ErrMissingValue)
			}
		}
	}
	values := make([]int64, len(labels))
	numeric := true
	for i, s := range labels {
		if values[i], err = strconv.ParseInt(s, 10, 64); err != nil || strconv.FormatInt(values[i], 10) != s {
			numeric = false
			break
		}
	}
	rank := make([]int, len(labels))
	for i := range rank {
		rank[i] = i
	}
	if numeric {
		slices.SortFunc(rank, func(a, b int) int { return cmp.Compare(values[a], values[b]) })
	} else {
		slices.SortFunc(rank, func(a, b int) int { return strings.Compare(labels[a], labels[b]) })
	}
	sorted = make([]string, len(labels))
	units = unitIndex{codes: &parsed.codes, position: make([]int32, len(labels))}
	for i, u := range rank {
		sorted[i], units.position[u] = labels[u], int32(i)
	}
	return sorted, units, nil
}

// unitIndex gives each row of a table its unit's index in order.
type unitIndex struct {
	codes    *chunked[int32] // each row's code among the column's labels, -1 if missing
	position []int32         // code -> index in order
}

// of returns row r's unit index, or -1 if its label is missing.
func (u unitIndex) of(r int) int32 {
	if c := u.codes.at(r); c >= 0 {
		return u.position[c]
	}
	return -1
}

// rowOrder lists the rows of a table by position; nil lists every row in
// the table's order.
type rowOrder []int32

func (o rowOrder) row(i int) int {
	if o == nil {
		return i
	}
	return int(o[i])
}
