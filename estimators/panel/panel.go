package panel

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Panel is an estimation sample: rows sorted by unit and period, and one
// column per term. Rows of a unit are contiguous.
type Panel struct {
	// Units are the unit labels, in the order rows use them.
	Units []string
	// Unit is each row's index into Units.
	Unit []int
	// Period is each row's period.
	Period []int
	// Line is each row's line in the CSV file, for messages.
	Line []int
	// Terms are the variable-list terms, in the order given to Build.
	Terms []Term
	// Values holds one column per term, aligned with the rows.
	Values [][]float64
	// Dropped counts the rows dropped because a lag did not exist.
	Dropped int
}

// Layout names the identifier columns of a panel data set.
type Layout struct {
	ID   string // column holding the unit label
	Time string // column holding the integer period
}

// Build evaluates terms on the table and returns the estimation sample.
// Rows for which some lag does not exist are dropped, as Stata does; any other
// missing or non-numeric value that a term needs is an error. The same term
// may appear in several lists. Cells are parsed as rows are built: Build
// holds the sample and a few integers per row, not the parsed columns.
func Build(t *Table, layout Layout, terms []Term) (*Panel, error) {
	ids, err := t.column(layout.ID)
	if err != nil {
		return nil, fmt.Errorf("unit column: %w", err)
	}
	times, err := t.column(layout.Time)
	if err != nil {
		return nil, fmt.Errorf("time column: %w", err)
	}
	if t.rows > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d data rows; at most %d are supported", ErrFormat, t.rows, math.MaxInt32)
	}
	labels, unitOf, err := orderUnits(t, ids, layout.ID)
	if err != nil {
		return nil, err
	}
	periods := make([]int, t.rows)
	for r := range periods {
		s := times.cell(r)
		if periods[r], err = parsePeriod(s); err != nil {
			return nil, fmt.Errorf("time column %s, line %d: %s: %w", quote(layout.Time), t.Line(r), quote(s), err)
		}
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

	// Rows sorted by unit and period (periods are below 10^15 and lags at
	// most maxLag, so no arithmetic on them overflows).
	byKey := func(a, b int) int {
		if c := cmp.Compare(unitOf[a], unitOf[b]); c != 0 {
			return c
		}
		return cmp.Compare(periods[a], periods[b])
	}
	// A file already in order (the common case) needs no permutation.
	var order []int // row i is order[i], or i when nil
	for r := 1; r < t.rows && order == nil; r++ {
		if byKey(r-1, r) > 0 {
			order = make([]int, t.rows)
			for k := range order {
				order[k] = k
			}
			slices.SortFunc(order, byKey)
		}
	}
	row := func(i int) int {
		if order == nil {
			return i
		}
		return order[i]
	}
	for i := 1; i < t.rows; i++ {
		if a, b := row(i-1), row(i); byKey(a, b) == 0 {
			return nil, fmt.Errorf("%w: unit %s, period %d appears on lines %d and %d",
				ErrDuplicate, quote(labels[unitOf[a]]), periods[a], min(t.Line(a), t.Line(b)), max(t.Line(a), t.Line(b)))
		}
	}

	p := &Panel{Units: labels, Terms: terms, Values: make([][]float64, len(terms)),
		Unit: make([]int, 0, t.rows), Period: make([]int, 0, t.rows), Line: make([]int, 0, t.rows)}
	for i := range p.Values {
		p.Values[i] = make([]float64, 0, t.rows)
	}
	source := make([]int, len(lags)) // the row each lag reads, for the current row
	values := make([]float64, len(uses))
	value := func(ref Ref) float64 { // every ref of a term is among uses
		u := 0
		for uses[u].ref != ref {
			u++
		}
		return values[u]
	}
	for i := range t.rows {
		r := row(i)
		// A row stays only if every lag it needs exists: the row of its
		// unit with period t-k is at most k rows before it.
		complete := true
		for l, k := range lags {
			source[l] = -1
			for j := i; j >= max(0, i-k); j-- {
				s := row(j)
				if unitOf[s] != unitOf[r] || periods[s] < periods[r]-k {
					break
				}
				if periods[s] == periods[r]-k {
					source[l] = s
					break
				}
			}
			complete = complete && source[l] >= 0
		}
		if !complete {
			p.Dropped++
			continue
		}
		for u, use := range uses {
			if values[u], err = t.number(use.col, use.ref.Column, source[use.lag]); err != nil {
				return nil, fmt.Errorf("term %q: %w", use.term, err)
			}
		}
		for k, term := range terms {
			v := term.Eval(value)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: %q is %v at line %d (unit %s, period %d)",
					ErrNotFinite, term.Name, v, t.Line(r), quote(labels[unitOf[r]]), periods[r])
			}
			p.Values[k] = append(p.Values[k], v)
		}
		p.Unit = append(p.Unit, int(unitOf[r]))
		p.Period = append(p.Period, periods[r])
		p.Line = append(p.Line, t.Line(r))
	}
	if len(p.Unit) == 0 {
		return nil, fmt.Errorf("%w: no row has every lag the variable lists need (%d rows dropped)", ErrTooFewRows, p.Dropped)
	}
	p.dropUnusedUnits()
	return p, nil
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
		p.Unit[out], p.Period[out], p.Line[out] = p.Unit[r], p.Period[r], p.Line[r]
		for i := range p.Values {
			p.Values[i][out] = p.Values[i][r]
		}
		out++
	}
	p.Unit, p.Period, p.Line = p.Unit[:out], p.Period[:out], p.Line[:out]
	for i := range p.Values {
		p.Values[i] = p.Values[i][:out]
	}
	p.dropUnusedUnits()
	return dropped
}

// dropUnusedUnits removes units left without rows (e.g. units observed in a
// single period when a lag is used) and renumbers the rest.
func (p *Panel) dropUnusedUnits() {
	used := make([]int, len(p.Units))
	for i := range used {
		used[i] = -1
	}
	var labels []string
	for _, u := range p.Unit {
		if used[u] < 0 {
			used[u] = len(labels)
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
func (p *Panel) Periods() []int {
	ps := slices.Clone(p.Period)
	slices.Sort(ps)
	return slices.Compact(ps)
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
// does not depend on the order of rows in the file. Build checks that the
// rows, and so the units, fit an int32.
func orderUnits(t *Table, ids column, name string) (labels []string, unitOf []int32, err error) {
	index := map[string]int32{}
	unitOf = make([]int32, t.rows)
	for r := range unitOf {
		s := ids.cell(r)
		if missingTokens[s] {
			return nil, nil, fmt.Errorf("unit column %s, line %d: %w", quote(name), t.Line(r), ErrMissingValue)
		}
		u, ok := index[s]
		if !ok {
			u = int32(len(labels))
			index[s] = u
			labels = append(labels, strings.Clone(s)) // not the table's text
		}
		unitOf[r] = u
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
	sorted := make([]string, len(labels))
	position := make([]int32, len(labels))
	for i, u := range rank {
		sorted[i], position[u] = labels[u], int32(i)
	}
	for r, u := range unitOf {
		unitOf[r] = position[u]
	}
	return sorted, unitOf, nil
}
