package paper

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/thresher/thresher/estimators/ioc"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/pca"
	"github.com/thresher/thresher/internal/shortlist"
)

// Dataset is the analysis data set every table is computed from.
type Dataset struct {
	// Layout names the unit and period columns.
	Layout panel.Layout
	// CSV holds the unit, period and region columns and then every column
	// the specification's variables read, in the input's row order; Table
	// is CSV parsed.
	CSV   []byte
	Table *panel.Table
	// Digital is the principal-component analysis behind a constructed
	// treatment, nil when the input had the treatment's column.
	Digital *pca.Result
	// Constructed lists the columns the build step computed.
	Constructed []string
}

// BuildPanel checks the raw data against the specification and returns the
// analysis data set. Columns the variables read are passed through as they
// are, with two exceptions when the data lack them:
//
//   - the treatment (when it is a plain column name) is built from the
//     digital indicators: treatment = Center + Scale (F - mean F) / sd(F),
//     F the principal-component index of Spec.Digital (package pca);
//   - the outcome (when it is a plain column name) is built as
//     ln(C / sum_j EX_j), the log of the export-implied carbon intensity of
//     eqs. (5)-(6) (package ioc) of each row's input-output columns.
//
// A missing column wraps panel.ErrUnknownColumn, a region label outside the
// specification ErrRegion, and a failed construction ErrBuild together with
// the cause (for instance ioc.ErrSingular, naming the unit and period).
func BuildPanel(raw *panel.Table, spec Spec) (*Dataset, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	names := []string{spec.Unit, spec.Time, spec.Region.Column}
	var cells [][]string
	for _, name := range names {
		v, err := raw.Strings(name)
		if err != nil {
			return nil, fmt.Errorf("paper: %w", err)
		}
		cells = append(cells, v)
	}
	for r, label := range cells[2] {
		if err := spec.Region.check(label, raw.Line(r)); err != nil {
			return nil, fmt.Errorf("paper: %w", err)
		}
	}
	ds := &Dataset{Layout: panel.Layout{ID: spec.Unit, Time: spec.Time}}
	for _, col := range spec.columns() {
		if slices.Contains(names, col) {
			continue
		}
		var v []string
		var err error
		switch {
		case raw.Has(col):
			v, err = raw.Strings(col)
		case col == spec.Treatment:
			v, err = ds.buildDigital(raw, spec)
		case col == spec.Outcome:
			v, err = buildCarbon(raw, spec, cells[0], cells[1])
		default:
			_, err = raw.Strings(col)
		}
		if err != nil {
			return nil, fmt.Errorf("paper: %w", err)
		}
		if !raw.Has(col) {
			ds.Constructed = append(ds.Constructed, col)
		}
		names, cells = append(names, col), append(cells, v)
	}
	var err error
	ds.CSV, err = encodeCSV(names, cells)
	if err != nil {
		return nil, fmt.Errorf("paper: %w", err)
	}
	if ds.Table, err = panel.ReadCSV(bytes.NewReader(ds.CSV)); err != nil {
		return nil, fmt.Errorf("paper: analysis data: %w", err)
	}
	return ds, nil
}

// columns lists the columns the variables read, once each, in order.
func (s Spec) columns() []string {
	var cols []string
	for _, v := range s.variables() {
		t, _ := panel.ParseTerm(v) // Validate parsed every variable
		for _, ref := range t.Refs() {
			if !slices.Contains(cols, ref.Column) {
				cols = append(cols, ref.Column)
			}
		}
	}
	return cols
}

// buildDigital computes the treatment from the digital indicators and keeps
// the principal-component analysis in ds.
func (ds *Dataset) buildDigital(raw *panel.Table, spec Spec) ([]string, error) {
	d := spec.Digital
	rule, _ := d.rule() // Validate checked the rule
	res, err := pca.FromTable(raw, d.Indicators, rule)
	if err != nil {
		return nil, fmt.Errorf("%w %s from the indicators %s: %w", ErrBuild, spec.Treatment, shortlist.Quote(d.Indicators), err)
	}
	mean, sd := stat.MeanStdDev(res.Index, nil)
	ds.Digital = res
	out := make([]string, len(res.Index))
	for i, f := range res.Index {
		out[i] = formatFloat(d.Center + d.Scale*(f-mean)/sd)
	}
	return out, nil
}

// buildCarbon computes the outcome of every row from its input-output
// columns.
func buildCarbon(raw *panel.Table, spec Spec, units, times []string) ([]string, error) {
	c := spec.Carbon
	n, m := len(c.Sectors), len(c.Sources)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: "+format, append([]any{ErrBuild, spec.Outcome}, args...)...)
	}
	if n == 0 || m == 0 {
		return nil, fail("carbon.sectors and carbon.sources must not be empty")
	}
	cells := c.cells()
	values := make([][]float64, len(cells))
	for k, cell := range cells {
		var err error
		if values[k], err = raw.Numbers(cell.name); err != nil {
			return nil, fail("%w", err)
		}
	}
	factors := make([]ioc.EmissionFactor, m)
	for k, src := range c.Sources {
		factors[k] = ioc.EmissionFactor{Source: src.Name, Factor: src.Factor}
	}
	out := make([]string, raw.Len())
	for r := range out {
		t := &ioc.Table{Sectors: c.Sectors, A: mat.NewDense(n, n, nil), Output: make([]float64, n),
			Exports: make([]float64, n), Energy: mat.NewDense(n, m, nil)}
		for k, cell := range cells {
			cell.set(t, values[k][r])
		}
		res, err := ioc.Compute(t, factors)
		if err == nil && !(res.ExportIntensity > 0) {
			err = fmt.Errorf("the export intensity is %v, its log undefined", res.ExportIntensity)
		}
		if err != nil {
			return nil, fail("%s %s %s (line %d): %w", spec.Unit, units[r], times[r], raw.Line(r), err)
		}
		out[r] = formatFloat(math.Log(res.ExportIntensity))
	}
	return out, nil
}

// ioCell is an input-output column and where its value goes in a table.
type ioCell struct {
	name string
	set  func(t *ioc.Table, v float64)
}

// cells lists the input-output columns of Carbon's documentation.
func (c Carbon) cells() []ioCell {
	var out []ioCell
	for i, si := range c.Sectors {
		out = append(out, ioCell{"x_" + si, func(t *ioc.Table, v float64) { t.Output[i] = v }},
			ioCell{"ex_" + si, func(t *ioc.Table, v float64) { t.Exports[i] = v }})
		for j, sj := range c.Sectors {
			out = append(out, ioCell{"a_" + si + "_" + sj, func(t *ioc.Table, v float64) { t.A.Set(i, j, v) }})
		}
		for k, src := range c.Sources {
			out = append(out, ioCell{"e_" + si + "_" + src.Name, func(t *ioc.Table, v float64) { t.Energy.Set(i, k, v) }})
		}
	}
	return out
}

// formatFloat writes v in the shortest form that reads back exactly.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// encodeCSV writes a header and column-major cells as CSV.
func encodeCSV(names []string, cells [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(names); err != nil {
		return nil, err
	}
	row := make([]string, len(names))
	for r := range cells[0] {
		for j := range cells {
			row[j] = cells[j][r]
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
