package paper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/twfe"
)

// Coefficient is an estimate with its unit-clustered standard error and
// two-sided p-value.
type Coefficient struct {
	Name     string  `json:"-"` // the term, or "_cons"
	Estimate float64 `json:"estimate"`
	SE       float64 `json:"se"`      // clustered by unit
	P        float64 `json:"p_value"` // Student's t, G - 1 degrees of freedom
}

// Coefficients are a regression's coefficients in model order, the
// constant "_cons" last. JSON encodes them as an object keyed by name, in
// that order.
type Coefficients []Coefficient

// MarshalJSON encodes the coefficients as an ordered object.
func (cs Coefficients) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(c.Name)
		if err != nil {
			return nil, err
		}
		value, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("coefficient %s: %w", c.Name, err)
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Column is one regression of Tables 3, 4 and 5.
type Column struct {
	Label        string       `json:"label"`  // "(1)", or the subsample
	Depvar       string       `json:"depvar"` // the dependent variable
	Sample       string       `json:"sample"` // "all", or the subsample's rule
	N            int          `json:"n"`      // observations used
	R2Within     float64      `json:"r2_within"`
	Coefficients Coefficients `json:"coefficients"`
	// Equation names Table 5's step: "total", "mediator" or "outcome".
	Equation string `json:"equation,omitempty"`
	// Indirect is the indirect effect, on Table 5's outcome equations.
	Indirect *Indirect `json:"indirect,omitempty"`
}

// RegressionTable is Table 3, 4 or 5. Its JSON form is {"columns": [...]}.
type RegressionTable struct {
	// Name is the file stem ("table3"), Title the caption.
	Name    string   `json:"-"`
	Title   string   `json:"-"`
	Notes   []string `json:"-"`
	Columns []Column `json:"columns"`
}

// Table3 is the benchmark regression: column (1) regresses the outcome on
// the treatment, and column (k+1) adds the first k controls, each with
// unit (and period) fixed effects and unit-clustered errors.
func Table3(ds *Dataset, spec Spec) (*RegressionTable, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	t := &RegressionTable{Name: "table3", Title: "Table 3. Benchmark regressions (two-way fixed effects)",
		Notes: regressionNotes(spec)}
	for k := 0; k <= len(spec.Controls); k++ {
		x := append([]string{spec.Treatment}, spec.Controls[:k]...)
		label := fmt.Sprintf("(%d)", k+1)
		p, err := buildSample(ds, append([]string{spec.Outcome}, x...))
		if err != nil {
			return nil, err
		}
		res, err := fit(p, nil, spec.Outcome, x, spec.PeriodEffects)
		if err != nil {
			return nil, fmt.Errorf("paper: table 3, column %s: %w", label, err)
		}
		t.Columns = append(t.Columns, column(label, "all", spec.Outcome, res))
	}
	return t, nil
}

// Table4 is the heterogeneity analysis: the full model on each region of
// the specification, then on the units (or rows, see Spec.Split) with a
// high and a low treatment, split at the median. A subsample with fewer
// than two units is an ErrFewUnits error naming it.
func Table4(ds *Dataset, spec Spec) (*RegressionTable, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	x := append([]string{spec.Treatment}, spec.Controls...)
	p, err := buildSample(ds, append([]string{spec.Outcome}, x...))
	if err != nil {
		return nil, err
	}
	regions, err := rowRegions(ds, p, spec.Region)
	if err != nil {
		return nil, err
	}
	type subsample struct {
		label, sample string
		rows          []int
	}
	var subs []subsample
	for _, label := range spec.Region.Labels {
		var rows []int
		for r, reg := range regions {
			if reg == label {
				rows = append(rows, r)
			}
		}
		subs = append(subs, subsample{label, spec.Region.Column + " = " + label, rows})
	}
	high, low, desc := medianSplit(p, spec)
	subs = append(subs, subsample{"high", desc(">"), high}, subsample{"low", desc("<="), low})
	t := &RegressionTable{Name: "table4", Title: "Table 4. Heterogeneity: regions and level of the treatment",
		Notes: append(regressionNotes(spec), splitNote(spec))}
	for _, s := range subs {
		if units := countUnits(p, s.rows); units < 2 {
			return nil, fmt.Errorf("paper: table 4: %w in subsample %s (%d units)", ErrFewUnits, s.label, units)
		}
		res, err := fit(p, s.rows, spec.Outcome, x, spec.PeriodEffects)
		if err != nil {
			return nil, fmt.Errorf("paper: table 4, subsample %s: %w", s.label, err)
		}
		t.Columns = append(t.Columns, column(s.label, s.sample, spec.Outcome, res))
	}
	return t, nil
}

// buildSample builds the estimation sample of the variables.
func buildSample(ds *Dataset, vars []string) (*panel.Panel, error) {
	terms := make([]panel.Term, len(vars))
	for i, v := range vars {
		var err error
		if terms[i], err = panel.ParseTerm(v); err != nil {
			return nil, fmt.Errorf("paper: variable %q: %w", v, err)
		}
	}
	p, err := panel.BuildWith(ds.Table, ds.Layout, terms, panel.BuildOptions{Lines: true})
	if err != nil {
		return nil, fmt.Errorf("paper: %w", err)
	}
	return p, nil
}

// fit regresses y on x with twfe on the panel's rows (nil: all of them).
func fit(p *panel.Panel, rows []int, y string, x []string, periodEffects bool) (*twfe.Result, error) {
	if rows == nil {
		rows = make([]int, p.Len())
		for r := range rows {
			rows[r] = r
		}
	}
	pick := func(v []float64) []float64 {
		out := make([]float64, len(rows))
		for i, r := range rows {
			out[i] = v[r]
		}
		return out
	}
	unit, period := make([]int32, len(rows)), make([]int, len(rows))
	for i, r := range rows {
		unit[i], period[i] = p.Unit[r], p.Period[r]
	}
	yv, _ := p.Column(y)
	cols := make([][]float64, len(x))
	for j, name := range x {
		v, _ := p.Column(name)
		cols[j] = pick(v)
	}
	return twfe.Fit(pick(yv), cols, x, unit, period, twfe.Options{PeriodEffects: periodEffects})
}

// column converts a fit into a table column.
func column(label, sample, depvar string, res *twfe.Result) Column {
	var cs Coefficients
	for _, c := range append(slices.Clone(res.Coefficients), res.Constant) {
		cs = append(cs, Coefficient{Name: c.Name, Estimate: c.Estimate, SE: c.SECluster, P: c.PCluster})
	}
	cs[len(cs)-1].Name = "_cons"
	return Column{Label: label, Depvar: depvar, Sample: sample, N: res.NObs, R2Within: res.R2Within, Coefficients: cs}
}

// rowRegions returns the region label of each row of the panel.
func rowRegions(ds *Dataset, p *panel.Panel, reg Region) ([]string, error) {
	labels, err := ds.Table.Strings(reg.Column)
	if err != nil {
		return nil, fmt.Errorf("paper: %w", err)
	}
	byLine := make(map[int32]string, len(labels))
	for r, l := range labels {
		if err := reg.check(l, ds.Table.Line(r)); err != nil {
			return nil, fmt.Errorf("paper: table 4: %w", err)
		}
		byLine[int32(ds.Table.Line(r))] = l // the reader refuses lines beyond MaxInt32
	}
	out := make([]string, p.Len())
	for r, line := range p.Line {
		out[r] = byLine[line]
	}
	return out, nil
}

// medianSplit returns the rows with a high and a low treatment and a
// function describing either subsample given its comparison operator.
func medianSplit(p *panel.Panel, spec Spec) (high, low []int, describe func(op string) string) {
	x, _ := p.Column(spec.Treatment)
	value, ranked, what := x, x, spec.Treatment
	if spec.Split == SplitUnitMean {
		what = fmt.Sprintf("mean %s by %s", spec.Treatment, spec.Unit)
		starts := p.UnitStarts()
		value, ranked = make([]float64, len(x)), make([]float64, len(p.Units))
		for u := range p.Units {
			lo, hi := starts[u], starts[u+1]
			ranked[u] = stat.Mean(x[lo:hi], nil)
			for r := lo; r < hi; r++ {
				value[r] = ranked[u]
			}
		}
	}
	m := median(ranked)
	for r, v := range value {
		if v > m {
			high = append(high, r)
		} else {
			low = append(low, r)
		}
	}
	return high, low, func(op string) string { return fmt.Sprintf("%s %s %.4g (median)", what, op, m) }
}

// median returns the middle value, or the mean of the two middle values.
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// countUnits counts the distinct units among the rows.
func countUnits(p *panel.Panel, rows []int) int {
	seen := map[int32]bool{}
	for _, r := range rows {
		seen[p.Unit[r]] = true
	}
	return len(seen)
}

// regressionNotes are the notes under Tables 3, 4 and 5.
func regressionNotes(spec Spec) []string {
	effects := spec.Unit + " fixed effects"
	if spec.PeriodEffects {
		effects = spec.Unit + " and " + spec.Time + " fixed effects"
	}
	return []string{
		fmt.Sprintf("Linear models with %s (Stata xtreg, fe); standard errors clustered by %s in parentheses.", effects, spec.Unit),
		starNote,
	}
}

// starNote explains the stars of every table.
const starNote = "* p < 0.10, ** p < 0.05, *** p < 0.01 (two-sided; Student's t with G - 1 degrees of freedom, G clusters)."

// splitNote explains Table 4's high and low columns.
func splitNote(spec Spec) string {
	if spec.Split == SplitObservation {
		return fmt.Sprintf("high/low: observations whose %s is above / at or below the median of all observations.", spec.Treatment)
	}
	return fmt.Sprintf("high/low: units (%s) whose mean %s is above / at or below the median of the unit means; "+
		"each unit lies wholly in one subsample.", spec.Unit, spec.Treatment)
}
