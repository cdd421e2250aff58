package paper

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/threshold"
)

// Table is a table this package writes in Markdown, LaTeX, CSV and JSON.
type Table interface {
	// Stem is the name of the table's files without extension.
	Stem() string
	layout() layout
}

// layout is a table as a grid of text cells: the stub is the first column.
type layout struct {
	title  string
	header [][]string
	body   [][]string
	// rules lists the body rows a horizontal rule precedes.
	rules []int
	notes []string
}

// add appends a body row.
func (l *layout) add(cells ...string) { l.body = append(l.body, cells) }

// rule draws a rule before the next body row.
func (l *layout) rule() { l.rules = append(l.rules, len(l.body)) }

// Stem returns "table2".
func (t *Descriptives) Stem() string { return t.Name }

// Stem returns the table's name, e.g. "table3".
func (t *RegressionTable) Stem() string { return t.Name }

// Stem returns "table6".
func (t *ThresholdTable) Stem() string { return t.Name }

func (t *Descriptives) layout() layout {
	l := layout{title: t.Title, notes: t.Notes, header: [][]string{{"Variable", "N", "Mean", "SD", "Min", "Max"}}}
	for _, v := range t.Variables {
		l.add(v.Variable, strconv.Itoa(v.N), num(v.Mean, 3), num(v.SD, 3), num(v.Min, 3), num(v.Max, 3))
	}
	return l
}

func (t *RegressionTable) layout() layout {
	l := layout{title: t.Title, notes: t.Notes, header: [][]string{{""}, {""}}}
	var names []string
	for _, c := range t.Columns {
		l.header[0] = append(l.header[0], c.Label)
		l.header[1] = append(l.header[1], c.Depvar)
		for _, co := range c.Coefficients {
			if !slices.Contains(names, co.Name) && co.Name != "_cons" {
				names = append(names, co.Name)
			}
		}
	}
	for _, name := range append(names, "_cons") {
		est, se := []string{name}, []string{""}
		for _, c := range t.Columns {
			i := slices.IndexFunc(c.Coefficients, func(co Coefficient) bool { return co.Name == name })
			if i < 0 {
				est, se = append(est, ""), append(se, "")
				continue
			}
			est, se = append(est, starred(c.Coefficients[i])), append(se, "("+num(c.Coefficients[i].SE, 4)+")")
		}
		l.add(est...)
		l.add(se...)
	}
	l.rule()
	l.add(t.row("N", func(c Column) string { return strconv.Itoa(c.N) })...)
	l.add(t.row("R-sq (within)", func(c Column) string { return num(c.R2Within, 3) })...)
	if slices.ContainsFunc(t.Columns, func(c Column) bool { return c.Indirect != nil }) {
		t.indirectRows(&l)
	}
	return l
}

// row returns a stub and one cell per column.
func (t *RegressionTable) row(stub string, cell func(Column) string) []string {
	out := []string{stub}
	for _, c := range t.Columns {
		out = append(out, cell(c))
	}
	return out
}

// indirectRows adds Table 5's indirect effects, tests and intervals.
func (t *RegressionTable) indirectRows(l *layout) {
	l.rule()
	on := func(stub string, cell func(*Indirect) string) {
		l.add(t.row(stub, func(c Column) string {
			if c.Indirect == nil {
				return ""
			}
			return cell(c.Indirect)
		})...)
	}
	on("Indirect effect a*b", func(ind *Indirect) string { return num(ind.Estimate, 4) })
	for k, name := range []string{"Sobel z", "Aroian z", "Goodman z"} {
		on(name, func(ind *Indirect) string { return testCell(ind.Tests, k) })
	}
	on("Bootstrap percentile CI", func(ind *Indirect) string {
		if ind.Bootstrap == nil {
			return "n/a"
		}
		return interval(ind.Bootstrap.Percentile.Lower, ind.Bootstrap.Percentile.Upper)
	})
	on("Bias-corrected CI", func(ind *Indirect) string {
		if ind.Bootstrap == nil || ind.Bootstrap.BiasCorrected == nil {
			return "n/a"
		}
		return interval(ind.Bootstrap.BiasCorrected.Lower, ind.Bootstrap.BiasCorrected.Upper)
	})
}

// testCell formats the k-th test's z with stars, or n/a when undefined.
func testCell(tests []mediation.Test, k int) string {
	if k >= len(tests) || tests[k].Z == nil {
		return "n/a"
	}
	return num(*tests[k].Z, 3) + stars(*tests[k].P)
}

func (t *ThresholdTable) layout() layout {
	l := layout{title: t.Title, notes: t.Notes, header: [][]string{{""}}}
	for _, m := range t.Models {
		l.header[0] = append(l.header[0], m.Qx)
	}
	cells := func(stub string, cell func(m ThresholdModel) string) {
		row := []string{stub}
		for _, m := range t.Models {
			row = append(row, cell(m))
		}
		l.add(row...)
	}
	// pairs adds two rows per item j of the models' lists of the given
	// lengths: the stub and top cell, then the bottom cell.
	pairs := func(length func(ThresholdModel) int, stub func(j int) string, top, bottom func(m ThresholdModel, j int) string) {
		items := 0
		for _, m := range t.Models {
			items = max(items, length(m))
		}
		for j := range items {
			for i, cell := range []func(ThresholdModel, int) string{top, bottom} {
				label := ""
				if i == 0 {
					label = stub(j)
				}
				cells(label, func(m ThresholdModel) string {
					if j >= length(m) {
						return ""
					}
					return cell(m, j)
				})
			}
		}
	}
	pairs(func(m ThresholdModel) int { return len(m.Tests) },
		func(j int) string { return "F (" + strings.ToLower(threshold.StageName(j+1)) + ")" },
		func(m ThresholdModel, j int) string { return num(m.Tests[j].F, 2) + stars(m.Tests[j].P) },
		func(m ThresholdModel, j int) string { return "(" + num(m.Tests[j].P, 3) + ")" })
	cells("Thresholds chosen", func(m ThresholdModel) string { return strconv.Itoa(m.Chosen) })
	l.rule()
	pairs(func(m ThresholdModel) int { return len(m.Thresholds) },
		func(j int) string { return fmt.Sprintf("Threshold %d", j+1) },
		func(m ThresholdModel, j int) string { return num(m.Thresholds[j].Threshold, 4) },
		func(m ThresholdModel, j int) string { return interval(m.Thresholds[j].Lower, m.Thresholds[j].Upper) })
	pairs(func(m ThresholdModel) int { return len(m.Regimes) },
		func(j int) string { return fmt.Sprintf("%s, regime %d", t.regressor(), j+1) },
		func(m ThresholdModel, j int) string { return starred(m.Regimes[j].Coefficient) },
		func(m ThresholdModel, j int) string { return "(" + num(m.Regimes[j].SE, 4) + ")" })
	l.rule()
	cells("N", func(m ThresholdModel) string { return strconv.Itoa(m.N) })
	cells("R-sq (within)", func(m ThresholdModel) string {
		if m.R2Within == nil {
			return ""
		}
		return num(*m.R2Within, 3)
	})
	return l
}

// regressor returns the models' regime-dependent regressor.
func (t *ThresholdTable) regressor() string {
	if len(t.Models) == 0 {
		return ""
	}
	return t.Models[0].Regressor
}

// starred formats an estimate with its significance stars.
func starred(c Coefficient) string { return num(c.Estimate, 3) + stars(c.P) }

// stars returns *, ** or *** for p below 0.10, 0.05 or 0.01.
func stars(p float64) string {
	switch {
	case p < 0.01:
		return "***"
	case p < 0.05:
		return "**"
	case p < 0.10:
		return "*"
	}
	return ""
}

// num formats v with the given decimals, without a negative zero.
func num(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}

// interval formats a confidence interval.
func interval(lo, hi float64) string { return "[" + num(lo, 4) + ", " + num(hi, 4) + "]" }
