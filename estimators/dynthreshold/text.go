package dynthreshold

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteText writes the report as xthenreg prints it: the sample, one row per
// coefficient (estimate, standard error, z, two-sided normal p-value, 95%
// interval) and the linearity test's bootstrap p-value.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	kind := "Dynamic"
	if !r.Dynamic {
		kind = "Static"
	}
	fmt.Fprintf(&b, "%s panel threshold model, first-difference GMM (Seo and Shin 2016), %s\n", kind, r.Model)
	fmt.Fprintf(&b, "Dependent variable: %s   Threshold variable: %s\n", r.Depvar, r.Qx)
	if r.Unbalanced {
		fmt.Fprintf(&b, "Units = %d (%d without an equation dropped)   Periods = %d (%d..%d)   Equations = %d (at most %d per unit)   Instruments = %d\n",
			r.Units, r.UnitsDropped, r.Periods, r.FirstPeriod, r.LastPeriod, r.EquationTotal, r.Equations, r.Instruments)
	} else {
		fmt.Fprintf(&b, "Units = %d   Periods = %d (%d..%d)   Equations per unit = %d   Instruments = %d\n",
			r.Units, r.Periods, r.FirstPeriod, r.LastPeriod, r.Equations, r.Instruments)
	}
	fmt.Fprintf(&b, "Grid = %d points   Bandwidth = %.6g   J = %.6g   First-step threshold = %.6g\n",
		len(r.Grid), r.Bandwidth, r.J, r.FirstStepThreshold)
	line := strings.Repeat("-", 13) + "+" + strings.Repeat("-", 74) + "\n"
	b.WriteString(line)
	fmt.Fprintf(&b, "%12s | %12s %12s %8s %7s   %25s\n", "", "Coef.", "Std. Err.", "z", "P>|z|", "[95% Conf. Interval]")
	b.WriteString(line)
	for _, c := range r.Coefficients {
		z := c.Estimate / c.SE
		p := math.Erfc(math.Abs(z) / math.Sqrt2)
		fmt.Fprintf(&b, "%12s | %12.6g %12.6g %8.2f %7.3f %12.6g %12.6g\n", c.Name, c.Estimate, c.SE, z, p, c.Lower, c.Upper)
	}
	b.WriteString(line)
	if l := r.Linearity; l != nil {
		full := ""
		if l.Bootstrap == BootstrapFull {
			full = ", full bootstrap"
		}
		fmt.Fprintf(&b, "Linearity test (H0: no threshold effect): sup-Wald = %.6g at %.6g, bootstrap p-value = %.4f (%d replications%s, seed %d)\n",
			l.Statistic, l.Threshold, l.PValue, l.Reps, full, l.Seed)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
