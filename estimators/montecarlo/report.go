package montecarlo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Format is a format of the summary's report.
type Format int

// Formats of Summary.Write.
const (
	Text Format = iota
	Markdown
	LaTeX
)

// ParseFormat parses "text", "markdown" or "latex".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "text":
		return Text, nil
	case "markdown", "md":
		return Markdown, nil
	case "latex", "tex":
		return LaTeX, nil
	}
	return 0, fmt.Errorf("unknown report format %q (want text, markdown or latex)", s)
}

// JSON returns the canonical compact encoding of the summary: its bytes
// depend only on the study and the dataset.
func (s *Summary) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// table is a report table: a caption, a header and rows of cells.
type table struct {
	caption string
	header  []string
	rows    [][]string
}

// Write writes the summary's tables in a format: per design, the tests and
// estimates of every estimator and stage, then the selection frequencies.
// The text format starts with the study's replications and seed and the
// lines of Failures.
func (s *Summary) Write(w io.Writer, f Format) error {
	var b strings.Builder
	if f == Text {
		fmt.Fprintf(&b, "Monte Carlo study: %d replications, seed %d\n", s.Replications, s.Seed)
		for _, failure := range s.Failures() {
			fmt.Fprintln(&b, failure.Error())
		}
		b.WriteByte('\n')
	}
	for _, d := range s.Designs {
		for _, t := range d.tables(s.Replications) {
			switch f {
			case Markdown:
				t.markdown(&b)
			case LaTeX:
				t.latex(&b)
			default:
				t.text(&b)
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Failure says that replications of a design failed with an estimator.
type Failure struct {
	Design    int // 0-based
	Label     string
	Estimator EstimatorStats
}

// Error says how many replications failed and why the first did.
func (f Failure) Error() string {
	return fmt.Sprintf("design %d (%s), estimator %s: %d of %d replications failed; the first, %s",
		f.Design+1, f.Label, f.Estimator.Label, f.Estimator.Failed, f.Estimator.Failed+f.Estimator.Succeeded, f.Estimator.FirstFailure)
}

// All reports whether every replication failed: the design's statistics
// for the estimator are then all undefined.
func (f Failure) All() bool { return f.Estimator.Succeeded == 0 }

// Failures returns, design by design and estimator by estimator, those
// with failed replications.
func (s *Summary) Failures() []Failure {
	var out []Failure
	for d, ds := range s.Designs {
		for _, e := range ds.Estimators {
			if e.Failed > 0 {
				out = append(out, Failure{d, ds.Label, e})
			}
		}
	}
	return out
}

// tables returns a design's two tables.
func (d DesignSummary) tables(reps int) []table {
	truth := "no threshold"
	if len(d.TrueThresholds) > 0 {
		truth = "thresholds " + numbers(d.TrueThresholds)
	}
	tests := table{
		caption: fmt.Sprintf("%s (%s, %s, effect %s, R = %d): tests and estimates", d.Label, d.Family, truth, cell(d.Effect), reps),
		header: []string{"estimator", "k", "H0 true", "reject 10%", "reject 5%", "reject 1%", "mean F", "median F",
			"mean crit 5%", "KS(p)", "coverage", "bias thr", "MAE thr", "bias slopes", "MAE slopes"},
	}
	sel := table{caption: fmt.Sprintf("%s: number of thresholds selected at 5%%", d.Label),
		header: []string{"estimator", "succeeded", "failed"}}
	most := 0
	for _, e := range d.Estimators {
		most = max(most, len(e.Selection))
	}
	for j := range most {
		sel.header = append(sel.header, fmt.Sprint(j))
	}
	for _, e := range d.Estimators {
		for _, st := range e.Stages {
			row := []string{e.Label, fmt.Sprint(st.K), yesNo(st.NullTrue)}
			for _, r := range st.Reject {
				row = append(row, fmt.Sprintf("%s (%s)", cell(r.Rate), cell(r.SE)))
			}
			row = append(row, cell(st.F.Mean), cell(st.F.Q50), cell(st.Crit5.Mean), cell(st.KS), cells(st.Coverage))
			if b := st.Bias; b != nil {
				row = append(row, cells(b.ThresholdBias), cells(b.ThresholdMAE), nested(b.SlopeBias), nested(b.SlopeMAE))
			} else {
				row = append(row, "", "", "", "")
			}
			tests.rows = append(tests.rows, row)
		}
		row := []string{e.Label, fmt.Sprint(e.Succeeded), fmt.Sprint(e.Failed)}
		for j := range most {
			if j < len(e.Selection) {
				row = append(row, cell(e.Selection[j]))
			} else {
				row = append(row, "")
			}
		}
		sel.rows = append(sel.rows, row)
	}
	return []table{tests, sel}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// cell formats a statistic with 4 significant digits; NaN is "-".
func cell(n Num) string {
	if math.IsNaN(float64(n)) {
		return "-"
	}
	return fmt.Sprintf("%.4g", float64(n))
}

func cells(v []Num) string {
	out := make([]string, len(v))
	for i, n := range v {
		out[i] = cell(n)
	}
	return strings.Join(out, " ")
}

// nested formats slopes regime by regime: "a b / c d".
func nested(v [][]Num) string {
	out := make([]string, len(v))
	for i, r := range v {
		out[i] = cells(r)
	}
	return strings.Join(out, " / ")
}

func numbers(v []float64) string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = fmt.Sprintf("%.4g", x)
	}
	return strings.Join(out, ", ")
}

// text writes the table with aligned columns.
func (t table) text(b *strings.Builder) {
	width := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for j, c := range r {
			width[j] = max(width[j], len(c))
		}
	}
	line := func(r []string) {
		for j, c := range r {
			if j > 0 {
				b.WriteString("  ")
			}
			fmt.Fprintf(b, "%-*s", width[j], c)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "%s\n", t.caption)
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
}

// markdown writes the table as a pipe table.
func (t table) markdown(b *strings.Builder) {
	fmt.Fprintf(b, "**%s**\n\n", t.caption)
	row := func(r []string) {
		b.WriteString("|")
		for _, c := range r {
			fmt.Fprintf(b, " %s |", strings.ReplaceAll(c, "|", `\|`))
		}
		b.WriteString("\n")
	}
	row(t.header)
	b.WriteString("|" + strings.Repeat("---|", len(t.header)) + "\n")
	for _, r := range t.rows {
		row(r)
	}
}

// latexEscaper escapes LaTeX's special characters in text cells.
var latexEscaper = strings.NewReplacer(`\`, `\textbackslash{}`, "&", `\&`, "%", `\%`, "$", `\$`, "#", `\#`,
	"_", `\_`, "{", `\{`, "}", `\}`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`)

// latex writes the table as a table environment with a tabular.
func (t table) latex(b *strings.Builder) {
	row := func(r []string) {
		esc := make([]string, len(r))
		for i, c := range r {
			esc[i] = latexEscaper.Replace(c)
		}
		b.WriteString(strings.Join(esc, " & ") + ` \\` + "\n")
	}
	b.WriteString("\\begin{table}[htbp]\n\\centering\n\\caption{" + latexEscaper.Replace(t.caption) + "}\n")
	b.WriteString("\\begin{tabular}{l" + strings.Repeat("r", len(t.header)-1) + "}\n\\hline\n")
	row(t.header)
	b.WriteString("\\hline\n")
	for _, r := range t.rows {
		row(r)
	}
	b.WriteString("\\hline\n\\end{tabular}\n\\end{table}\n")
}
