package plots

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/thresher/thresher/estimators/montecarlo"
)

// Named is a figure and the file name (without extension) it is saved as.
type Named struct {
	Name   string
	Figure *Figure
}

// palette colours the lines of several estimators.
var palette = []color.Color{
	color.RGBA{B: 200, A: 255}, color.RGBA{R: 200, A: 255}, color.RGBA{G: 150, A: 255},
	color.RGBA{R: 150, B: 150, A: 255}, color.RGBA{R: 200, G: 120, A: 255}, color.Gray{80},
}

// Study returns the figures of a Monte Carlo summary: a QQ plot of the null
// p-values of every design with a true null, and a power curve of every
// group of designs that differ only in their effect.
func Study(s montecarlo.Summary) ([]Named, error) {
	var out []Named
	for d := range s.Designs {
		f, err := PValueQQ(s, d)
		if err != nil {
			continue // no stage of the design has a true null
		}
		out = append(out, Named{fmt.Sprintf("qq-design%d", d+1), f})
	}
	for g, group := range effectGroups(s) {
		f, err := PowerCurve(s, group, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, Named{fmt.Sprintf("power-%d", g+1), f})
	}
	return out, nil
}

// effectLabel matches the effect grid's part of a derived design label.
var effectLabel = regexp.MustCompile(` effect=[^ ]*`)

// effectGroups returns the indices of designs whose labels differ only in
// their effect, for groups of at least two effects, in order of first
// appearance.
func effectGroups(s montecarlo.Summary) [][]int {
	var keys []string
	groups := map[string][]int{}
	for d, ds := range s.Designs {
		k := effectLabel.ReplaceAllString(ds.Label, "")
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], d)
	}
	var out [][]int
	for _, k := range keys {
		if len(groups[k]) >= 2 {
			out = append(out, groups[k])
		}
	}
	return out
}

// PValueQQ plots the quantiles of the p-values of every stage with a true
// null of design d against the uniform's, with the diagonal.
func PValueQQ(s montecarlo.Summary, d int) (*Figure, error) {
	if d < 0 || d >= len(s.Designs) {
		return nil, fmt.Errorf("plots: %w: design %d of %d", ErrStage, d, len(s.Designs))
	}
	ds := s.Designs[d]
	f := &Figure{Plot: plot.New()}
	p := f.Plot
	p.Title.Text = fmt.Sprintf("%s: null p-values against the uniform (R = %d)", ds.Label, s.Replications)
	p.X.Label.Text = "uniform quantile"
	p.Y.Label.Text = "p-value quantile"
	diagonal, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	diagonal.Color = color.Gray{150}
	diagonal.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(diagonal)
	lines := 0
	for _, e := range ds.Estimators {
		for _, st := range e.Stages {
			if len(st.PQuantiles) == 0 {
				continue
			}
			var pts plotter.XYs
			for i, q := range st.PQuantiles {
				if !math.IsNaN(float64(q)) {
					pts = append(pts, plotter.XY{X: float64(i+1) / float64(len(st.PQuantiles)+1), Y: float64(q)})
				}
			}
			line, err := plotter.NewLine(pts)
			if err != nil {
				return nil, fmt.Errorf("plots: %w", err)
			}
			line.Color = palette[lines%len(palette)]
			line.Width = vg.Points(1.5)
			p.Add(line)
			f.legend(fmt.Sprintf("%s, k = %d (KS %.3f)", e.Label, st.K, float64(st.KS)), line)
			lines++
		}
	}
	if lines == 0 {
		return nil, fmt.Errorf("plots: %w: design %q has no stage with a true null", ErrStage, ds.Label)
	}
	f.legend("uniform", diagonal)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	return f, nil
}

// PowerCurve plots the 5% rejection rate of stage k of every estimator
// against the effect of the designs, with bands of two Monte Carlo
// standard errors, and the 5% level.
func PowerCurve(s montecarlo.Summary, designs []int, k int) (*Figure, error) {
	if len(designs) < 2 {
		return nil, fmt.Errorf("plots: %w: a power curve needs at least 2 designs", ErrStage)
	}
	ordered := slices.Clone(designs)
	for _, d := range ordered {
		if d < 0 || d >= len(s.Designs) {
			return nil, fmt.Errorf("plots: %w: design %d of %d", ErrStage, d, len(s.Designs))
		}
	}
	slices.SortStableFunc(ordered, func(a, b int) int { return cmp.Compare(s.Designs[a].Effect, s.Designs[b].Effect) })
	first := s.Designs[ordered[0]]
	f := &Figure{Plot: plot.New()}
	p := f.Plot
	p.Title.Text = fmt.Sprintf("%s: power at 5%% (R = %d)", effectLabel.ReplaceAllString(first.Label, ""), s.Replications)
	p.X.Label.Text = "effect (slope difference)"
	p.Y.Label.Text = "rejection rate"
	lo, hi := float64(first.Effect), float64(s.Designs[ordered[len(ordered)-1]].Effect)
	if err := span("effect", lo, hi, 0); err != nil {
		return nil, err
	}
	if !(hi > lo) {
		return nil, fmt.Errorf("plots: %w: a power curve needs designs of at least 2 effects", ErrStage)
	}
	level, err := plotter.NewLine(plotter.XYs{{X: lo, Y: 0.05}, {X: hi, Y: 0.05}})
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	level.Color = color.Gray{150}
	level.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(level)
	for e, est := range first.Estimators {
		if k > len(est.Stages) {
			continue
		}
		var pts plotter.XYs
		var errs plotter.YErrors
		for _, d := range ordered {
			st := s.Designs[d].Estimators[e].Stages[k-1]
			r := st.Reject[1]
			if math.IsNaN(float64(r.Rate)) {
				continue
			}
			pts = append(pts, plotter.XY{X: float64(s.Designs[d].Effect), Y: float64(r.Rate)})
			errs = append(errs, struct{ Low, High float64 }{2 * float64(r.SE), 2 * float64(r.SE)})
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		c := palette[e%len(palette)]
		line.Color, points.Color = c, c
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{pts, errs})
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		bars.Color = c
		p.Add(line, points, bars)
		f.legend(est.Label, line, points)
	}
	f.legend("5% level", level)
	p.Y.Min, p.Y.Max = 0, 1.02
	return f, nil
}
