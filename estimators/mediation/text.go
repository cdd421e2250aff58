package mediation

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteText writes a short report of the analysis: the paths a, b, c and
// c', the tests of the indirect effect a*b and its bootstrap intervals.
func (r *Result) WriteText(out io.Writer) error {
	w := bufio.NewWriter(out)
	line := strings.Repeat("-", 60)
	s := r.Model
	fmt.Fprintf(w, "Mediation of %s on %s through %s; controls %s\n", s.Treatment, s.Outcome, s.Mediator, strings.Join(s.Controls, " "))
	fmt.Fprintf(w, "Observations %d, units %d, periods %d\n%s\n", r.NObs, r.NUnits, r.NPeriods, line)
	e := r.Effects
	fmt.Fprintf(w, "%-22s %12.6f\n%-22s %12.6f\n", "total effect c", e.Total, "direct effect c'", e.Direct)
	fmt.Fprintf(w, "%-22s %12.6f (se %.6f)\n%-22s %12.6f (se %.6f)\n", "a (X -> M)", e.A, e.SEA, "b (M -> Y)", e.B, e.SEB)
	fmt.Fprintf(w, "%-22s %12.6f\n%s\n", "indirect effect a*b", e.Indirect, line)
	for _, t := range r.Tests {
		if t.Z == nil {
			fmt.Fprintf(w, "%-8s test: %s\n", t.Name, t.Note)
			continue
		}
		fmt.Fprintf(w, "%-8s test: se %.6f, z %.4f, p %.4f\n", t.Name, *t.SE, *t.Z, *t.P)
	}
	if b := r.Bootstrap; b != nil {
		fmt.Fprintf(w, "%s\nBootstrap (%d replications, level %g): se %.6f, percentile [%.6f, %.6f]",
			line, b.Reps, 100*b.Level, b.SE, b.Percentile.Lower, b.Percentile.Upper)
		if b.BiasCorrected != nil {
			fmt.Fprintf(w, ", bias-corrected [%.6f, %.6f]", b.BiasCorrected.Lower, b.BiasCorrected.Upper)
		}
		fmt.Fprintln(w)
		if b.Note != "" {
			fmt.Fprintln(w, b.Note)
		}
	}
	return w.Flush()
}
