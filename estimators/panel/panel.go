package panel

import (
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

type key struct {
	unit   int
	period int
}

// Build evaluates terms on the table and returns the estimation sample.
// Rows for which some lag does not exist are dropped, as Stata does; any other
// missing or non-numeric value that a term needs is an error. The same term
// may appear in several lists; Build evaluates each distinct name once.
func Build(t *Table, layout Layout, terms []Term) (*Panel, error) {
	ids, err := t.Strings(layout.ID)
	if err != nil {
		return nil, fmt.Errorf("unit column: %w", err)
	}
	times, err := t.Strings(layout.Time)
	if err != nil {
		return nil, fmt.Errorf("time column: %w", err)
	}
	labels, unitOf, err := orderUnits(ids, layout.ID, t)
	if err != nil {
		return nil, err
	}
	periods := make([]int, len(times))
	for r, s := range times {
		p, err := parsePeriod(s)
		if err != nil {
			return nil, fmt.Errorf("time column %q, line %d: %q: %w", layout.Time, t.lines[r], s, err)
		}
		periods[r] = p
	}
	rowOf := make(map[key]int, len(ids))
	for r := range ids {
		k := key{unitOf[r], periods[r]}
		if prev, dup := rowOf[k]; dup {
			return nil, fmt.Errorf("%w: unit %q, period %d appears on lines %d and %d",
				ErrDuplicate, labels[k.unit], k.period, t.lines[prev], t.lines[r])
		}
		rowOf[k] = r
	}

	// Parse every referenced column once.
	type parsed struct {
		values []float64
		bad    map[int]error
	}
	cols := map[string]parsed{}
	refs := make([][]Ref, len(terms))
	for i, term := range terms {
		refs[i] = term.Refs()
		for _, ref := range refs[i] {
			if _, ok := cols[ref.Column]; ok {
				continue
			}
			v, bad, err := t.numbers(ref.Column)
			if err != nil {
				return nil, fmt.Errorf("term %q: %w", term.Name, err)
			}
			cols[ref.Column] = parsed{v, bad}
		}
	}

	order := make([]int, len(ids))
	for r := range order {
		order[r] = r
	}
	slices.SortFunc(order, func(a, b int) int {
		if unitOf[a] != unitOf[b] {
			return unitOf[a] - unitOf[b]
		}
		return periods[a] - periods[b]
	})

	p := &Panel{Units: labels, Terms: terms, Values: make([][]float64, len(terms))}
	var evalErr error
	for _, r := range order {
		// A row stays only if every lag it needs exists.
		source := func(ref Ref) (int, bool) {
			s, ok := rowOf[key{unitOf[r], periods[r] - ref.Lag}]
			return s, ok
		}
		complete := true
		for i := range terms {
			for _, ref := range refs[i] {
				if _, ok := source(ref); !ok {
					complete = false
				}
			}
		}
		if !complete {
			p.Dropped++
			continue
		}
		for i, term := range terms {
			v := term.Eval(func(ref Ref) float64 {
				s, _ := source(ref)
				c := cols[ref.Column]
				if e, bad := c.bad[s]; bad && evalErr == nil {
					evalErr = fmt.Errorf("term %q: %w", term.Name, e)
				}
				return c.values[s]
			})
			if evalErr != nil {
				return nil, evalErr
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: %q is %v at line %d (unit %q, period %d)",
					ErrNotFinite, term.Name, v, t.lines[r], labels[unitOf[r]], periods[r])
			}
			p.Values[i] = append(p.Values[i], v)
		}
		p.Unit = append(p.Unit, unitOf[r])
		p.Period = append(p.Period, periods[r])
		p.Line = append(p.Line, t.lines[r])
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
// integer, string order otherwise, so that the result does not depend on the
// order of rows in the file.
func orderUnits(ids []string, column string, t *Table) (labels []string, unitOf []int, err error) {
	for r, s := range ids {
		if missingTokens[s] {
			return nil, nil, fmt.Errorf("unit column %q, line %d: %w", column, t.lines[r], ErrMissingValue)
		}
	}
	labels = slices.Clone(ids)
	numeric := true
	for _, s := range labels {
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			numeric = false
			break
		}
	}
	if numeric {
		slices.SortFunc(labels, func(a, b string) int {
			x, _ := strconv.ParseInt(a, 10, 64)
			y, _ := strconv.ParseInt(b, 10, 64)
			return cmpInt64(x, y)
		})
	} else {
		slices.Sort(labels)
	}
	labels = slices.Compact(labels)
	index := make(map[string]int, len(labels))
	for i, l := range labels {
		index[l] = i
	}
	unitOf = make([]int, len(ids))
	for r, s := range ids {
		unitOf[r] = index[s]
	}
	return labels, unitOf, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func parsePeriod(s string) (int, error) {
	if missingTokens[s] {
		return 0, ErrMissingValue
	}
	if p, err := strconv.Atoi(s); err == nil {
		return p, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, ErrBadPeriod
	}
	return int(f), nil
}
