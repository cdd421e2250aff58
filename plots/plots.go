package plots

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/outfile"
)

// Sentinel errors; every error of this package wraps one of them or an
// error of the file system or of package plot.
var (
	// ErrStage reports a stage or curve the result lacks.
	ErrStage = errors.New("no such stage or curve")
	// ErrNoDraws reports a stage whose bootstrap draws were not kept.
	ErrNoDraws = errors.New("no bootstrap draws")
	// ErrFormat reports a file extension other than .png and .svg.
	ErrFormat = errors.New("unsupported image format")
	// ErrRange reports values no axis can span: infinite or NaN, or so far
	// apart that the axis's width overflows (gonum's tick search never
	// ends on such an axis).
	ErrRange = errors.New("values outside the drawable range")
)

// span checks that an axis from lo to hi can be drawn.
func span(what string, lo, hi float64) error {
	if w := hi - lo; math.IsInf(w, 0) || math.IsNaN(w) {
		return fmt.Errorf("plots: %w: %s from %g to %g", ErrRange, what, lo, hi)
	}
	return nil
}

// Width and Height are the size of saved figures.
const (
	Width  = 6 * vg.Inch
	Height = 4 * vg.Inch
)

// stage returns stage k (1-based) of the result.
func stage(res threshold.Result, k int) (threshold.StageResult, error) {
	if k < 1 || k > len(res.Stages) {
		return threshold.StageResult{}, fmt.Errorf("plots: %w: stage %d of a result with %d stages", ErrStage, k, len(res.Stages))
	}
	return res.Stages[k-1], nil
}

// LRCurve plots LR(g) of curve c (0-based) of stage k (1-based), the
// critical value c(a) at the result's level as a horizontal line and the
// estimate as a point on the axis.
func LRCurve(res threshold.Result, k, c int) (*plot.Plot, error) {
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
		return nil, fmt.Errorf("plots: %w: curve %d of stage %d has %d finite points", ErrStage, c, k, len(pts))
	}
	level := res.Model.Level
	crit := threshold.LRCritical(level)
	left, right, _, top := plotter.XYRange(pts)
	top = 1.3 * max(top, crit) // headroom: the legend stays clear of the curve
	if err := span(fmt.Sprintf("stage %d curve %d: threshold", k, c), min(left, curve.Threshold), max(right, curve.Threshold)); err != nil {
		return nil, err
	}
	if err := span(fmt.Sprintf("stage %d curve %d: LR", k, c), 0, top); err != nil {
		return nil, err
	}
	p := plot.New()
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
	p.Add(line, critical, estimate)
	p.Y.Min, p.Y.Max = 0, top
	p.Legend.Add("LR(g)", line)
	p.Legend.Add(fmt.Sprintf("c(%g) = %.4g", level, crit), critical)
	p.Legend.Add(fmt.Sprintf("estimate %.4g", curve.Threshold), estimate)
	p.Legend.Top = true
	return p, nil
}

// BootstrapF plots the histogram of stage k's bootstrap F* with the
// observed F as a vertical line. It fails with ErrNoDraws when the result
// did not keep the draws.
func BootstrapF(res threshold.Result, k int) (*plot.Plot, error) {
	st, err := stage(res, k)
	if err != nil {
		return nil, err
	}
	if st.Bootstrap == nil || len(st.Bootstrap.Draws) == 0 {
		return nil, fmt.Errorf("plots: %w for stage %d: run the model with the draws kept (threshold.Spec.KeepDraws)", ErrNoDraws, k)
	}
	draws := st.Bootstrap.Draws
	lo, hi := min(slices.Min(draws), st.FStat), max(slices.Max(draws), st.FStat)
	pad := 0.05 * (hi - lo)
	if err := span(fmt.Sprintf("stage %d: F", k), lo-pad, hi+pad); err != nil {
		return nil, err
	}
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
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s threshold test: F = %.4g, bootstrap p = %.3f (%d draws)",
		strings.ToLower(threshold.StageName(k)), st.FStat, st.Bootstrap.PValue, len(draws))
	p.X.Label.Text = "F*"
	p.Y.Label.Text = "count"
	p.Add(hist, observed)
	// Headroom: 30% above the tallest bin keeps the legend clear of it.
	p.Y.Min, p.Y.Max = 0, 1.3*tallest
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.Legend.Add("F*", hist)
	p.Legend.Add("observed F", observed)
	p.Legend.Top = true
	return p, nil
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

// Save writes the plot to path as PNG or SVG, chosen by the extension, at
// Width x Height, with package outfile: a regular file is replaced
// atomically, a device or FIFO written through. The plot is drawn in
// another goroutine: when ctx ends first, Save returns ctx's cause without
// creating path, and the drawing is dropped when it is done.
func Save(ctx context.Context, p *plot.Plot, path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".png" && ext != ".svg" {
		return fmt.Errorf("plots: %w %q (want .png or .svg)", ErrFormat, ext)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("plots: %s: %w", path, context.Cause(ctx))
	}
	type drawing struct {
		data []byte
		err  error
	}
	drawn := make(chan drawing, 1)
	go func() {
		w, err := p.WriterTo(Width, Height, ext[1:])
		if err != nil {
			drawn <- drawing{nil, err}
			return
		}
		var buf bytes.Buffer
		_, err = w.WriteTo(&buf)
		drawn <- drawing{buf.Bytes(), err}
	}()
	var d drawing
	select {
	case d = <-drawn:
	case <-ctx.Done():
		return fmt.Errorf("plots: %s: %w", path, context.Cause(ctx))
	}
	if err := d.err; err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	if err := outfile.Write(ctx, path, d.data, outfile.Perm); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}

// All creates dir if needed and writes every figure of the result as PNG
// and SVG: <prefix>_lr_k<k>_<c> for each LR curve and <prefix>_f_k<k> for
// each stage whose draws were kept. It returns the paths written; when ctx
// ends it stops at the figure being drawn, which it does not write.
func All(ctx context.Context, res threshold.Result, dir, prefix string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	var written []string
	save := func(p *plot.Plot, name string) error {
		for _, ext := range []string{".png", ".svg"} {
			path := filepath.Join(dir, name+ext)
			if err := Save(ctx, p, path); err != nil {
				return err
			}
			written = append(written, path)
		}
		return nil
	}
	for _, st := range res.Stages {
		for c := range st.LRCurves {
			p, err := LRCurve(res, st.K, c)
			if err == nil {
				err = save(p, fmt.Sprintf("%s_lr_k%d_%d", prefix, st.K, c))
			}
			if err != nil {
				return written, err
			}
		}
		if st.Bootstrap == nil || len(st.Bootstrap.Draws) == 0 {
			continue
		}
		p, err := BootstrapF(res, st.K)
		if err == nil {
			err = save(p, fmt.Sprintf("%s_f_k%d", prefix, st.K))
		}
		if err != nil {
			return written, err
		}
	}
	return written, nil
}
