package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/thresher/thresher/estimators/threshold"
)

// Sentinel errors; every error of this package wraps one of them or an
// error of the file system or of package plot.
var (
	// ErrStage reports a stage or curve the result lacks.
	ErrStage = errors.New("no such stage or curve")
	// ErrResult reports a result no threshold model gives: more stages or
	// curves than thresholds a model estimates (threshold.MaxThresholds),
	// or stages out of order.
	ErrResult = errors.New("not a threshold model's result")
	// ErrPoints reports an LR curve with fewer than two points of finite
	// LR: no line to draw.
	ErrPoints = errors.New("too few points to draw")
	// ErrNoDraws reports a stage whose bootstrap draws were not kept.
	ErrNoDraws = errors.New("no bootstrap draws")
	// ErrFormat reports a file extension other than .png, .svg and .pdf.
	ErrFormat = errors.New("unsupported image format")
	// ErrRange reports values no axis can span: infinite or NaN, or so far
	// apart that the axis's width overflows (gonum's tick search never
	// ends on such an axis).
	ErrRange = errors.New("values outside the drawable range")
	// ErrSize reports a figure size or font size out of range, or a font
	// too large for the figure to leave room for the data.
	ErrSize = errors.New("figure size out of range")
)

// span checks that an axis over values from lo to hi, widened by the
// fraction pad of its width on each side, can be drawn. The error reports
// the values, not the widened axis.
func span(what string, lo, hi, pad float64) error {
	w := hi - lo
	switch {
	case math.IsNaN(lo) || math.IsNaN(hi):
		return fmt.Errorf("plots: %w: %s: a value is NaN", ErrRange, what)
	case math.IsInf(lo, 0) || math.IsInf(hi, 0):
		return fmt.Errorf("plots: %w: %s from %g to %g: a value is infinite", ErrRange, what, lo, hi)
	case math.IsInf(w, 0) || math.IsInf(lo-pad*w, 0) || math.IsInf(hi+pad*w, 0) || math.IsInf((1+2*pad)*w, 0):
		return fmt.Errorf("plots: %w: %s from %g to %g: too far apart for an axis (its width overflows)", ErrRange, what, lo, hi)
	}
	return nil
}

// checkResult refuses a result no threshold model gives, before any figure
// is drawn: a decoded file of 5000 stages would otherwise start drawing
// 10,000 figures.
func checkResult(res threshold.Result) error {
	if len(res.Stages) > threshold.MaxThresholds {
		return fmt.Errorf("plots: %w: %d stages, more than the %d thresholds a model estimates", ErrResult, len(res.Stages), threshold.MaxThresholds)
	}
	for i, st := range res.Stages {
		if st.K != i+1 {
			return fmt.Errorf("plots: %w: stage %d is numbered %d", ErrResult, i+1, st.K)
		}
		if len(st.LRCurves) > st.K {
			return fmt.Errorf("plots: %w: stage %d has %d LR curves, more than its %d thresholds", ErrResult, st.K, len(st.LRCurves), st.K)
		}
	}
	return nil
}

// stage returns stage k (1-based) of the result.
func stage(res threshold.Result, k int) (threshold.StageResult, error) {
	if k < 1 || k > len(res.Stages) {
		return threshold.StageResult{}, fmt.Errorf("plots: %w: stage %d of a result with %d stages", ErrStage, k, len(res.Stages))
	}
	return res.Stages[k-1], nil
}

// LRCurve plots LR(g) of curve c (0-based) of stage k (1-based), the
// confidence set {g : LR(g) < c(a)} shaded, the critical value c(a) at the
// result's level as a labelled horizontal line and the estimate as a point
// on the axis.
func LRCurve(res threshold.Result, k, c int) (*Figure, error) {
	st, err := stage(res, k)
	if err != nil {
		return nil, err
	}
	if c < 0 || c >= len(st.LRCurves) {
		return nil, fmt.Errorf("plots: %w: curve %d of stage %d, which has %d", ErrStage, c, k, len(st.LRCurves))
	}
	curve := st.LRCurves[c]
	var pts plotter.XYs
	for _, p := range curve.Points {
		if !math.IsNaN(p[1]) && !math.IsInf(p[1], 0) {
			pts = append(pts, plotter.XY{X: p[0], Y: p[1]})
		}
	}
	if len(pts) < 2 {
		return nil, fmt.Errorf("plots: %w: curve %d of stage %d has %d of %d candidates with a finite LR; a curve needs 2",
			ErrPoints, c, k, len(pts), len(curve.Points))
	}
	level := res.Model.Level
	crit := threshold.LRCritical(level)
	critLabel := fmt.Sprintf("critical value c(%g) = %.4g", level, crit)
	if c < len(st.Intervals) && st.Intervals[c].Eta2 > 0 {
		// Robust inference: the set is LR(g) < eta^2 c(a) (docs/threshold-model.md §11.2).
		eta2 := st.Intervals[c].Eta2
		crit *= eta2
		critLabel = fmt.Sprintf("eta^2 c(%g) = %.4g x %.4g", level, eta2, threshold.LRCritical(level))
	}
	left, right, _, maxLR := plotter.XYRange(pts)
	if err := span(fmt.Sprintf("stage %d curve %d: threshold", k, c), min(left, curve.Threshold), max(right, curve.Threshold), 0); err != nil {
		return nil, err
	}
	if err := span(fmt.Sprintf("stage %d curve %d: LR", k, c), 0, max(maxLR, crit), 0.05); err != nil {
		return nil, err
	}
	top := 1.05 * max(maxLR, crit)
	f := &Figure{Plot: plot.New()}
	p := f.Plot
	p.Title.Text = fmt.Sprintf("%s model: LR of threshold %.4g", strings.ToLower(threshold.StageName(k)), curve.Threshold)
	p.X.Label.Text = res.Model.Qx
	p.Y.Label.Text = "LR"
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	critical, err := plotter.NewLine(plotter.XYs{{X: pts[0].X, Y: crit}, {X: pts[len(pts)-1].X, Y: crit}})
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	critical.Color = color.RGBA{R: 200, A: 255}
	critical.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	estimate, err := plotter.NewScatter(plotter.XYs{{X: curve.Threshold, Y: 0}})
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	estimate.Shape = draw.TriangleGlyph{}
	estimate.Color = color.RGBA{B: 200, A: 255}
	estimate.Radius = vg.Points(4)
	set, err := confidenceSet(pts, crit, top)
	if err != nil {
		return nil, err
	}
	p.Add(set, line, critical, estimate)
	p.Y.Min, p.Y.Max = 0, top
	f.legend("LR(g)", line)
	f.legend(fmt.Sprintf("%g%% confidence set", 100*level), set)
	f.legend(critLabel, critical)
	f.legend(fmt.Sprintf("estimate %.4g", curve.Threshold), estimate)
	return f, nil
}

// confidenceSet shades, from 0 to top, every run of consecutive candidates
// with LR below crit; a run of one candidate is a line of the shade's
// colour.
func confidenceSet(pts plotter.XYs, crit, top float64) (*plotter.Polygon, error) {
	var rings []plotter.XYer
	for i := 0; i < len(pts); i++ {
		if pts[i].Y >= crit {
			continue
		}
		j := i
		for j+1 < len(pts) && pts[j+1].Y < crit {
			j++
		}
		a, b := pts[i].X, pts[j].X
		rings = append(rings, plotter.XYs{{X: a, Y: 0}, {X: b, Y: 0}, {X: b, Y: top}, {X: a, Y: top}})
		i = j
	}
	if len(rings) == 0 { // LR(ghat) = 0 < crit: only a curve without its estimate lands here
		rings = append(rings, plotter.XYs{{X: pts[0].X, Y: 0}, {X: pts[0].X, Y: 0}, {X: pts[0].X, Y: 0}})
	}
	set, err := plotter.NewPolygon(rings...)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	shade := color.RGBA{R: 173, G: 205, B: 240, A: 255}
	set.Color = shade
	set.LineStyle.Color = shade
	set.LineStyle.Width = vg.Points(0.75)
	return set, nil
}

// pValue formats a bootstrap p-value of B draws: "p < 1/B" when no draw
// exceeded F, where "p = 0.000" would claim more than B draws can show.
func pValue(p float64, b int) string {
	if p == 0 && b > 0 {
		return fmt.Sprintf("p < %.2g", 1/float64(b))
	}
	return fmt.Sprintf("p = %.3f", p)
}

// BootstrapF plots the histogram of stage k's bootstrap F* with the
// observed F as a vertical line. It fails with ErrNoDraws when the result
// did not keep the draws.
func BootstrapF(res threshold.Result, k int) (*Figure, error) {
	st, err := stage(res, k)
	if err != nil {
		return nil, err
	}
	if st.Bootstrap == nil || len(st.Bootstrap.Draws) == 0 {
		return nil, fmt.Errorf("plots: %w for stage %d: run the model with the draws kept (threshold.Spec.KeepDraws)", ErrNoDraws, k)
	}
	draws := st.Bootstrap.Draws
	lo, hi := min(slices.Min(draws), st.FStat), max(slices.Max(draws), st.FStat)
	if err := span(fmt.Sprintf("stage %d: F", k), lo, hi, 0.05); err != nil {
		return nil, err
	}
	pad := 0.05 * (hi - lo)
	hist := histogram(draws, min(max(int(math.Sqrt(float64(len(draws)))), 5), 50))
	tallest := 0.0
	for _, b := range hist.Bins {
		tallest = max(tallest, b.Weight)
	}
	observed, err := plotter.NewLine(plotter.XYs{{X: st.FStat, Y: 0}, {X: st.FStat, Y: tallest}})
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	observed.Color = color.RGBA{R: 200, A: 255}
	observed.Width = vg.Points(2)
	f := &Figure{Plot: plot.New()}
	p := f.Plot
	p.Title.Text = fmt.Sprintf("%s threshold test: F = %.4g, bootstrap %s (B = %d)",
		strings.ToLower(threshold.StageName(k)), st.FStat, pValue(st.Bootstrap.PValue, len(draws)), len(draws))
	p.X.Label.Text = "F*"
	p.Y.Label.Text = "count"
	p.Add(hist, observed)
	p.Y.Min, p.Y.Max = 0, 1.05*tallest
	p.X.Min, p.X.Max = lo-pad, hi+pad
	f.legend("bootstrap F*", hist)
	f.legend(fmt.Sprintf("observed F = %.4g", st.FStat), observed)
	return f, nil
}

// histogram counts finite values in n bins of equal width from their
// minimum to their maximum, as plotter.NewHist does, except that a value
// that rounding puts past the last bin (a range wide against the values'
// precision) counts in the last bin instead of panicking.
func histogram(values []float64, n int) *plotter.Histogram {
	lo, hi := slices.Min(values), slices.Max(values)
	if hi <= lo {
		n = 1
	}
	w := (hi - lo) / float64(n)
	if w == 0 {
		w = 1
	}
	bins := make([]plotter.HistogramBin, n)
	for i := range bins {
		bins[i].Min, bins[i].Max = lo+float64(i)*w, lo+float64(i+1)*w
	}
	for _, v := range values {
		bins[min(int((v-lo)/w), n-1)].Weight++
	}
	return &plotter.Histogram{Bins: bins, Width: w, FillColor: color.Gray{128}, LineStyle: plotter.DefaultLineStyle}
}
