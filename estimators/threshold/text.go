package threshold

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// StageName returns xthreg's name of the model with k thresholds.
func StageName(k int) string {
	names := []string{"Single", "Double", "Triple", "Quadruple", "Quintuple"}
	if k >= 1 && k <= len(names) {
		return names[k-1]
	}
	return fmt.Sprintf("%d-fold", k)
}

// VCE selects the standard errors of the text report's regression table.
type VCE int

const (
	// Conventional standard errors (xtreg, fe; Hansen's "OLS SE").
	Conventional VCE = iota
	// Robust: White heteroskedasticity-robust standard errors.
	Robust
	// Cluster: clustered by unit.
	Cluster
)

// ParseVCE parses "conventional", "robust" or "cluster".
func ParseVCE(s string) (VCE, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "conventional", "ols", "":
		return Conventional, nil
	case "robust", "white":
		return Robust, nil
	case "cluster":
		return Cluster, nil
	}
	return 0, fmt.Errorf("%w: unknown vce %q (want conventional, robust or cluster)", ErrSpec, s)
}

func (v VCE) se(c Coefficient) float64 {
	switch v {
	case Robust:
		return c.SERobust
	case Cluster:
		return c.SECluster
	}
	return c.SE
}

func (v VCE) String() string {
	return [...]string{"conventional", "robust", "cluster"}[v]
}

// WriteText writes the report in the layout of Stata's xthreg: the
// threshold estimates with their confidence intervals, the bootstrap tests
// and the fixed-effect regression of the final model.
func (r *Result) WriteText(out io.Writer, vce VCE) error {
	w := bufio.NewWriter(out)
	line := strings.Repeat("-", 78)
	fmt.Fprintf(w, "Panel threshold model (%s convention), %s on %s with threshold variable %s\n",
		r.Convention, r.Model.Depvar, strings.Join(append(append([]string{}, r.Model.Indep...), r.Model.Rx...), " "), r.Model.Qx)
	fmt.Fprintf(w, "Units %d, periods %d, observations %d; grid %s (%d candidates), trim %v, seed %d\n\n",
		r.NUnits, r.NPeriods, r.NObsUsed, r.Model.Grid, r.Model.Candidates, r.Model.Trim, r.Seed)
	if d := r.Dropped; d != nil {
		var cols []string
		for _, c := range d.ByColumn {
			cols = append(cols, fmt.Sprintf("%s %d", c.Column, c.Rows))
		}
		gaps := ""
		if d.GapRows > 0 {
			gaps = fmt.Sprintf("; then %s whose lag falls in a gap of its unit's periods", observations(d.GapRows))
		}
		fmt.Fprintf(w, "Dropped %s with missing values (listwise; by column: %s)%s\n", observations(d.Rows), strings.Join(cols, ", "), gaps)
	}
	for _, s := range r.Notes {
		fmt.Fprintf(w, "Note: %s\n", s)
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", s)
	}
	if len(r.Warnings)+len(r.Notes) > 0 || r.Dropped != nil {
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "Threshold estimator (level = %s):\n%s\n", LevelPercent(r.Model.Level), line)
	fmt.Fprintf(w, "%10s | %14s %14s %14s\n%s\n", "model", "Threshold", "Lower", "Upper", line)
	var warnings []string
	for _, st := range r.Stages {
		for i, in := range st.Intervals {
			name := intervalName(st, i)
			fmt.Fprintf(w, "%10s | %14.6g %14.6g %14.6g\n", name, in.Threshold, in.Lower, in.Upper)
			if note := in.Warning(); note != "" {
				warnings = append(warnings, fmt.Sprintf("Warning: the confidence set of %s is %s: %s", name, note, piecesString(in.Pieces)))
			}
		}
	}
	fmt.Fprintf(w, "%s\n", line)
	if r.Model.VCE != "" {
		fmt.Fprintf(w, "LR scaled for heteroskedasticity (Hansen 2000): eta^2 %s\n", eta2String(r.Stages))
	}
	for _, s := range warnings {
		fmt.Fprintln(w, s)
	}
	fmt.Fprintln(w)

	test := fmt.Sprintf("bootstrap = %s", intsString(r.Model.Reps))
	if r.Model.VCE != "" {
		test += fmt.Sprintf(", %s, robust to heteroskedasticity (vce %s)", r.Model.Bootstrap, r.Model.VCE)
	}
	if r.Model.BootstrapRefine {
		test += ", replications refine"
	}
	fmt.Fprintf(w, "Threshold effect test (%s):\n%s\n", test, line)
	fmt.Fprintf(w, "%10s | %10s %9s %9s %7s %9s %9s %9s\n%s\n", "Threshold", "RSS", "MSE", "Fstat", "Prob", "Crit10", "Crit5", "Crit1", line)
	for _, st := range r.Stages {
		fmt.Fprintf(w, "%10s | %10.6f %9.6f %9.4f", StageName(st.K), st.RSS, st.Sigma2, st.FStat)
		if b := st.Bootstrap; b != nil {
			fmt.Fprintf(w, " %7.4f %9.4f %9.4f %9.4f\n", b.PValue, b.Crit10, b.Crit5, b.Crit1)
		} else {
			fmt.Fprintf(w, " %7s\n", "-")
		}
	}
	fmt.Fprintf(w, "%s\n", line)
	fmt.Fprintf(w, "Linear model RSS %.6f; MSE = RSS/%s\n", r.LinearRSS, map[string]string{"hansen": "(n(T-1))", "xthreg": "(T(N-1))"}[r.Convention])
	if h := r.Heteroskedasticity; h != nil {
		fmt.Fprintln(w, h.Line())
	}
	fmt.Fprintln(w)

	last := r.Stages[len(r.Stages)-1]
	// Residual df as xtreg, fe: N - n - slopes; the constant is absorbed.
	slopes := 0
	for _, c := range last.Coefficients {
		if c.Name != ConstantName {
			slopes++
		}
	}
	df := float64(r.NObsUsed - r.NUnits - slopes)
	fmt.Fprintf(w, "Fixed-effects regression with %d threshold(s) %v; %s standard errors\n", last.K, last.Thresholds, vce)
	if last.Header != nil {
		writeHeader(w, last.Header)
	} else { // a result from before the header existed
		fmt.Fprintf(w, "Number of obs %d, groups %d, R-sq within %.4f, residual df %.0f\n", r.NObsUsed, r.NUnits, last.R2Within, df)
	}
	fmt.Fprintf(w, "%s\n", line)
	fmt.Fprintf(w, "%24s | %11s %11s %8s %7s %23s\n%s\n", r.Model.Depvar, "Coef.", "Std. Err.", "t", "P>|t|", "[95% Conf. Interval]", line)
	tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	tcrit := tdist.Quantile(0.975)
	for _, c := range last.Coefficients {
		name := c.Name
		if c.Regime != nil {
			name = fmt.Sprintf("%s (regime %d)", c.Name, *c.Regime)
		}
		se := vce.se(c)
		t := c.Estimate / se
		p := 2 * tdist.Survival(math.Abs(t))
		fmt.Fprintf(w, "%24s | %11.7f %11.7f %8.2f %7.3f %11.7f %11.7f\n", name, c.Estimate, se, t, p, c.Estimate-tcrit*se, c.Estimate+tcrit*se)
	}
	if h := last.Header; h != nil {
		fmt.Fprintf(w, "%24s | %11.8f\n%24s | %11.8f\n%24s | %11.8f   (fraction of variance due to u_i)\n%s\n",
			"sigma_u", h.SigmaU, "sigma_e", h.SigmaE, "rho", h.Rho, line)
		fmt.Fprintf(w, "F test that all u_i=0: F(%d, %d) = %.2f, Prob > F = %.4f\n", h.FUnits.DF1, h.FUnits.DF2, h.FUnits.Stat, h.FUnits.PValue)
	}
	for _, e := range last.EqualSlopes {
		fmt.Fprintf(w, "Equal slopes of %s across regimes (Wald, %s covariance): F(%d, %d) = %.2f, Prob > F = %.4f\n",
			e.Regressor, e.VCE, e.DF1, e.DF2, e.Stat, e.PValue)
	}
	for i, label := range last.Regimes {
		fmt.Fprintf(w, "regime %d: %s\n", i, label)
	}
	return w.Flush()
}

// writeHeader writes xtreg, fe's header in its layout, with the residual
// degrees of freedom of the t statistics below it.
func writeHeader(w io.Writer, h *FEHeader) {
	fmt.Fprintf(w, "%-46s %-18s = %10d\n", "Fixed-effects (within) regression", "Number of obs", h.Obs)
	fmt.Fprintf(w, "%-46s %-18s = %10d\n", "", "Number of groups", h.Groups)
	fmt.Fprintf(w, "%-46s %s\n", "R-sq:", "Obs per group:")
	fmt.Fprintf(w, "%-46s %18s = %10d\n", fmt.Sprintf("     within  = %.4f", h.R2Within), "min", h.ObsPerGroupMin)
	fmt.Fprintf(w, "%-46s %18s = %10.1f\n", fmt.Sprintf("     between = %.4f", h.R2Between), "avg", h.ObsPerGroupAvg)
	fmt.Fprintf(w, "%-46s %18s = %10d\n", fmt.Sprintf("     overall = %.4f", h.R2Overall), "max", h.ObsPerGroupMax)
	fmt.Fprintf(w, "%-46s %-18s = %10.2f\n", "", fmt.Sprintf("F(%d,%d)", h.F.DF1, h.F.DF2), h.F.Stat)
	fmt.Fprintf(w, "%-46s %-18s = %10.4f\n", fmt.Sprintf("corr(u_i, Xb)  = %.4f", h.CorrUXb), "Prob > F", h.F.PValue)
	fmt.Fprintf(w, "%-46s %-18s = %10d\n", "", "Residual df", h.F.DF2)
}

func intsString(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, " ")
}

// piecesString prints a confidence set's pieces as [a, b] u [c, d].
func piecesString(pieces [][2]float64) string {
	parts := make([]string, len(pieces))
	for i, pc := range pieces {
		parts[i] = fmt.Sprintf("[%.6g, %.6g]", pc[0], pc[1])
	}
	return strings.Join(parts, " u ")
}

// eta2String lists the eta^2 of every threshold interval, named as in the
// table.
func eta2String(stages []StageResult) string {
	var parts []string
	for _, st := range stages {
		for i, in := range st.Intervals {
			parts = append(parts, fmt.Sprintf("%.4g (%s)", in.Eta2, intervalName(st, i)))
		}
	}
	return strings.Join(parts, ", ")
}

// Line is the report's one-line summary of the test, with the advice to use
// robust inference when it rejects at 5%.
func (h *HeteroskedasticityTest) Line() string {
	s := fmt.Sprintf("Heteroskedasticity (Koenker-Breusch-Pagan on %s): chi2(%d) = %.2f, p = %.4f",
		strings.Join(h.Regressors, ", "), h.DF, h.Statistic, h.PValue)
	if h.Rejects() {
		return s + "; the test and the intervals assume homoskedastic errors: rerun with --vce cluster"
	}
	return s
}

// intervalName is xthreg's name of a stage's i-th interval: Th-1, Th-21,
// Th-22, Th-3, ...
func intervalName(st StageResult, i int) string {
	if len(st.Intervals) > 1 {
		return fmt.Sprintf("Th-%d%d", st.K, i+1)
	}
	return fmt.Sprintf("Th-%d", st.K)
}

// LevelPercent writes a confidence level (a fraction) in percent, as it was
// given: the shortest decimal of the fraction with its point moved two
// places (LevelFraction's inverse), so 0.999 prints 99.9, 0.1 prints 10 and
// 0.12345678901234 prints 12.345678901234, never in exponent form.
func LevelPercent(level float64) string {
	percent, _ := strconv.ParseFloat(strconv.FormatFloat(level, 'g', -1, 64)+"e2", 64) // a level is finite
	return strconv.FormatFloat(percent, 'f', -1, 64)
}
