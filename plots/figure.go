package plots

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/outfile"
	"github.com/thresher/thresher/internal/shortlist"
)

// Figure is a plot with its legend, which Draw lays out in rows below the
// plot area, where it can cover neither the data nor the axes.
type Figure struct {
	*plot.Plot
	entries []entry
}

// entry is one item of a Figure's legend.
type entry struct {
	name   string
	thumbs []plot.Thumbnailer
}

func (f *Figure) legend(name string, thumbs ...plot.Thumbnailer) {
	f.entries = append(f.entries, entry{name, thumbs})
}

// Default sizes and the ranges Options accepts: widths and heights in
// inches, font sizes in points.
const (
	Width, Height, FontSize = 6.0, 4.0, 10.0

	MinWidth, MaxWidth       = 2.0, 40.0
	MinHeight, MaxHeight     = 1.5, 40.0
	MinFontSize, MaxFontSize = 4.0, 48.0
)

// Formats are the file extensions Save writes, without the dot.
var Formats = []string{"png", "svg", "pdf"}

// Options sizes the saved figures; a zero field takes its default.
type Options struct {
	Width, Height float64 // inches, default Width x Height
	FontSize      float64 // points, of axis labels and legend; the title is 1.2 times it
	// Formats are the extensions All writes (default png and svg).
	Formats []string
}

// withDefaults fills the zero fields and checks the ranges.
func (o Options) withDefaults() (Options, error) {
	if o.Width == 0 {
		o.Width = Width
	}
	if o.Height == 0 {
		o.Height = Height
	}
	if o.FontSize == 0 {
		o.FontSize = FontSize
	}
	if len(o.Formats) == 0 {
		o.Formats = []string{"png", "svg"}
	}
	switch {
	case !(o.Width >= MinWidth && o.Width <= MaxWidth):
		return o, fmt.Errorf("plots: %w: width %.4g in (want %g to %g)", ErrSize, o.Width, MinWidth, MaxWidth)
	case !(o.Height >= MinHeight && o.Height <= MaxHeight):
		return o, fmt.Errorf("plots: %w: height %.4g in (want %g to %g)", ErrSize, o.Height, MinHeight, MaxHeight)
	case !(o.FontSize >= MinFontSize && o.FontSize <= MaxFontSize):
		return o, fmt.Errorf("plots: %w: font size %.4g pt (want %g to %g)", ErrSize, o.FontSize, MinFontSize, MaxFontSize)
	}
	for _, f := range o.Formats {
		if !slices.Contains(Formats, f) {
			return o, fmt.Errorf("plots: %w %q (want %s)", ErrFormat, f, strings.Join(Formats, ", "))
		}
	}
	return o, nil
}

// Draw lays the figure out on c at the given font size, which it sets on
// the figure's texts: a margin of half the font size on every side, the
// title shrunk to the width if it is wider, the legend in rows (wrapped to
// the width) below the plot. It fails with ErrSize when the title, the
// legend and the axis labels would take more than three quarters of the
// height, or the font is too large for the width or a legend entry.
func (f *Figure) Draw(c draw.Canvas, fontSize float64) error {
	fs := vg.Points(fontSize)
	f.Title.TextStyle.Font.Size = 1.2 * fs
	f.Title.Padding = fs / 2
	for _, a := range []*plot.Axis{&f.X, &f.Y} {
		a.Label.TextStyle.Font.Size = fs
		a.Label.Padding = fs / 5 // clear of the tick labels
		a.Tick.Marker = ticks{}
		a.Tick.Label.Font.Size = 0.9 * fs
	}
	c = draw.Crop(c, fs/2, -fs/2, fs/2, -fs/2)
	width := c.Max.X - c.Min.X
	if w := f.Title.TextStyle.Width(f.Title.Text); w > width {
		f.Title.TextStyle.Font.Size *= width / w
	}

	// The legend's rows, each a list of single-entry legends side by side.
	type item struct {
		l plot.Legend
		w vg.Length
	}
	var rows [][]item
	var rowWidth, widest vg.Length
	gap := 1.5 * fs
	for _, e := range f.entries {
		l := plot.NewLegend()
		l.TextStyle.Font.Size = fs
		l.Left, l.Top = true, true
		l.ThumbnailWidth = 2 * fs
		l.Add(e.name, e.thumbs...)
		w := l.Rectangle(c).Size().X + l.TextStyle.Width(" ")
		widest = max(widest, w)
		if len(rows) == 0 || rowWidth+gap+w > width {
			rows = append(rows, nil)
			rowWidth = -gap
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], item{l, w})
		rowWidth += gap + w
	}
	lineHeight := 1.4 * fs
	legendHeight := vg.Length(len(rows)) * lineHeight
	if len(rows) > 0 {
		legendHeight += fs / 2
	}
	height := c.Max.Y - c.Min.Y
	if legendHeight+f.Title.TextStyle.Height(f.Title.Text)+4*fs > 3*height/4 || 8*fs > width/2 || widest > width {
		return fmt.Errorf("%w: a %g pt font leaves no room for the data on %.3g x %.3g in",
			ErrSize, fontSize, (width+fs)/vg.Inch, (height+fs)/vg.Inch)
	}
	f.Plot.Draw(draw.Crop(c, 0, 0, legendHeight, 0))
	for i, row := range rows {
		var w vg.Length = -gap
		for _, it := range row {
			w += gap + it.w
		}
		x := c.Min.X + (width-w)/2
		top := c.Min.Y + vg.Length(len(rows)-i)*lineHeight
		for _, it := range row {
			it.l.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: top - lineHeight}, Max: vg.Point{X: x + it.w, Y: top}}})
			x += gap + it.w
		}
	}
	return nil
}

// ticks are gonum's default ticks with the trailing zeros every label
// shares removed: 0, 25, 50 rather than 0.00, 25.00, 50.00.
type ticks struct{}

func (ticks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for {
		trim := false
		for _, t := range ts {
			if t.Label == "" {
				continue
			}
			if !strings.Contains(t.Label, ".") || strings.ContainsAny(t.Label, "eE") || !strings.HasSuffix(t.Label, "0") && !strings.HasSuffix(t.Label, ".") {
				return ts
			}
			trim = true
		}
		if !trim {
			return ts
		}
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = ts[i].Label[:len(ts[i].Label)-1]
			}
		}
	}
}

// render draws the figure into a new image of the format (an extension
// without the dot) and returns its bytes.
func (f *Figure) render(format string, opt Options) ([]byte, error) {
	var cw vg.CanvasWriterTo
	w, h := vg.Length(opt.Width)*vg.Inch, vg.Length(opt.Height)*vg.Inch
	switch format {
	case "png":
		cw = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	case "svg":
		cw = vgsvg.New(w, h)
	case "pdf":
		cw = vgpdf.New(w, h)
	default:
		return nil, fmt.Errorf("%w %q (want %s)", ErrFormat, format, strings.Join(Formats, ", "))
	}
	if err := f.Draw(draw.New(cw), opt.FontSize); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := cw.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the figure to path as PNG, SVG or PDF, chosen by the
// extension, at the size of opt, with package outfile: a regular file is
// replaced atomically, a device or FIFO written through. The figure is
// drawn in another goroutine: when ctx ends first, Save returns ctx's
// cause without creating path, and the drawing is dropped when it is done.
// Drawing sets the figure's font sizes: save one Figure from one goroutine
// at a time.
func Save(ctx context.Context, f *Figure, path string, opt Options) error {
	data, err := render(ctx, f, path, opt)
	if err != nil {
		return err
	}
	if err := outfile.Write(ctx, path, data, outfile.Perm); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}

// render draws f in the format of path's extension; it stops when ctx ends.
func render(ctx context.Context, f *Figure, path string, opt Options) ([]byte, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == "" || !slices.Contains(Formats, ext[1:]) {
		return nil, fmt.Errorf("plots: %w %q (want .png, .svg or .pdf)", ErrFormat, ext)
	}
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("plots: %s: %w", path, context.Cause(ctx))
	}
	type drawing struct {
		data []byte
		err  error
	}
	drawn := make(chan drawing, 1)
	go func() {
		data, err := f.render(ext[1:], opt)
		drawn <- drawing{data, err}
	}()
	var d drawing
	select {
	case d = <-drawn:
	case <-ctx.Done():
		return nil, fmt.Errorf("plots: %s: %w", path, context.Cause(ctx))
	}
	if d.err != nil {
		return nil, fmt.Errorf("plots: %s: %w", path, d.err)
	}
	return d.data, nil
}

// All creates dir if needed and writes every figure of the result in each
// of opt's formats: <prefix>_lr_k<k>_<c> for each LR curve and
// <prefix>_f_k<k> for each stage whose draws were kept. Every figure is
// drawn before any is written, so that a figure that cannot be drawn (or
// an interruption while drawing) leaves no file behind; a failed write
// names the files written before it. It returns the paths written.
func All(ctx context.Context, res threshold.Result, dir, prefix string, opt Options) ([]string, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkResult(res); err != nil {
		return nil, err
	}
	type drawn struct {
		path string
		data []byte
	}
	var figures []drawn
	add := func(f *Figure, name string) error {
		for _, ext := range opt.Formats {
			path := filepath.Join(dir, name+"."+ext)
			data, err := render(ctx, f, path, opt)
			if err != nil {
				return err
			}
			figures = append(figures, drawn{path, data})
		}
		return nil
	}
	for _, st := range res.Stages {
		for c := range st.LRCurves {
			f, err := LRCurve(res, st.K, c)
			if err == nil {
				err = add(f, fmt.Sprintf("%s_lr_k%d_%d", prefix, st.K, c))
			}
			if err != nil {
				return nil, err
			}
		}
		if st.Bootstrap == nil || len(st.Bootstrap.Draws) == 0 {
			continue
		}
		f, err := BootstrapF(res, st.K)
		if err == nil {
			err = add(f, fmt.Sprintf("%s_f_k%d", prefix, st.K))
		}
		if err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	var written []string
	for _, f := range figures {
		if err := outfile.Write(ctx, f.path, f.data, outfile.Perm); err != nil {
			if len(written) > 0 {
				return written, fmt.Errorf("plots: %w (written before: %s)", err, shortlist.Join(written))
			}
			return nil, fmt.Errorf("plots: %w", err)
		}
		written = append(written, f.path)
	}
	return written, nil
}
