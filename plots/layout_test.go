package plots

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"

	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/golden"
)

// box is a rectangle in points, origin at the bottom left of the figure.
type box struct{ x0, y0, x1, y1 float64 }

func (a box) overlaps(b box) bool {
	return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

func (a box) inside(b box) bool {
	return a.x0 >= b.x0 && a.x1 <= b.x1 && a.y0 >= b.y0 && a.y1 <= b.y1
}

// svgText is a text element of a figure with the box its glyphs fill.
type svgText struct {
	s       string
	size    float64
	rotated bool // the y axis label, drawn along the axis
	box     box
}

// svgPath is a path element: its style and the box of its points.
type svgPath struct {
	style  string
	points int
	box    box
}

// svgLayout is what the layout tests read from a figure's SVG.
type svgLayout struct {
	width, height float64
	texts         []svgText
	paths         []svgPath
}

var (
	sizeRE  = regexp.MustCompile(`font-size:([0-9.]+)px`)
	pointRE = regexp.MustCompile(`[ML](-?[0-9.e+-]+),(-?[0-9.e+-]+)`)
)

// readLayout parses an SVG that gonum's vgsvg wrote: a group that flips the
// y axis holds paths in figure coordinates and texts flipped back, the y
// axis label in a group rotated by 90 degrees. A text's box is its width
// and its font's ascent and descent, measured with the font plot draws.
func readLayout(t *testing.T, data []byte) svgLayout {
	t.Helper()
	var l svgLayout
	dec := xml.NewDecoder(bytes.NewReader(data))
	var groups []string
	var cur *svgText
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range e.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch e.Name.Local {
			case "svg":
				box := strings.Fields(attr["viewBox"])
				if len(box) != 4 {
					t.Fatalf("viewBox %q", attr["viewBox"])
				}
				l.width, _ = strconv.ParseFloat(box[2], 64)
				l.height, _ = strconv.ParseFloat(box[3], 64)
			case "g":
				groups = append(groups, attr["transform"])
			case "path":
				p := svgPath{style: attr["style"], box: box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}}
				for _, m := range pointRE.FindAllStringSubmatch(attr["d"], -1) {
					x, _ := strconv.ParseFloat(m[1], 64)
					y, _ := strconv.ParseFloat(m[2], 64)
					p.box = box{min(p.box.x0, x), min(p.box.y0, y), max(p.box.x1, x), max(p.box.y1, y)}
					p.points++
				}
				l.paths = append(l.paths, p)
			case "text":
				m := sizeRE.FindStringSubmatch(attr["style"])
				if m == nil || !strings.Contains(attr["style"], "Liberation Serif") {
					t.Fatalf("text style %q", attr["style"])
				}
				x, _ := strconv.ParseFloat(attr["x"], 64)
				y, _ := strconv.ParseFloat(attr["y"], 64)
				size, _ := strconv.ParseFloat(m[1], 64)
				rotated := len(groups) > 0 && strings.HasPrefix(groups[len(groups)-1], "rotate(90")
				// (x, -y) is the start of the baseline in figure
				// coordinates; rotated, (y, x) is.
				if rotated { // the frame turned by 90 degrees: (x, y) is (y, x) of the figure
					x, y = y, x
				} else {
					y = -y
				}
				l.texts = append(l.texts, svgText{size: size, rotated: rotated, box: box{x, y, x, y}})
				cur = &l.texts[len(l.texts)-1]
			}
		case xml.CharData:
			if cur != nil {
				cur.s += string(e)
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "g":
				groups = groups[:len(groups)-1]
			case "text":
				sty := text.Style{Font: plot.DefaultFont, Handler: plot.DefaultTextHandler}
				sty.Font.Size = vg.Length(cur.size)
				w, ext := float64(sty.Width(cur.s)), sty.FontExtents()
				x, y := cur.box.x0, cur.box.y0
				cur.box = box{x, y - float64(ext.Descent), x + w, y + float64(ext.Ascent)}
				if cur.rotated { // up the figure's y axis, glyphs to the left of the baseline
					cur.box = box{x - float64(ext.Ascent), y, x + float64(ext.Descent), y + w}
				}
				cur = nil
			}
		}
	}
	return l
}

// checkLayout checks a figure as a reader would see it: every text inside
// the figure, no two texts overlapping, none over the data (data are the
// paths whose style isData accepts), the legend's texts below every other
// text.
func checkLayout(t *testing.T, l svgLayout, legend []string, isData func(svgPath) bool) {
	t.Helper()
	page := box{0, 0, l.width, l.height}
	var data []svgPath
	for _, p := range l.paths {
		if isData(p) {
			data = append(data, p)
		}
	}
	if len(data) == 0 {
		t.Fatal("no data paths")
	}
	isLegend := map[string]bool{}
	for _, s := range legend {
		isLegend[s] = true
	}
	lowest, found := math.Inf(1), 0
	for _, tx := range l.texts {
		if isLegend[tx.s] {
			found++
		} else if !tx.rotated {
			lowest = min(lowest, tx.box.y0)
		}
	}
	if found != len(legend) {
		t.Errorf("found %d of the legend's texts %q", found, legend)
	}
	for i, tx := range l.texts {
		if !tx.box.inside(page) {
			t.Errorf("text %q at %v is clipped by the figure %v", tx.s, tx.box, page)
		}
		for _, p := range data {
			if tx.box.overlaps(p.box) {
				t.Errorf("text %q at %v covers data at %v", tx.s, tx.box, p.box)
			}
		}
		for _, other := range l.texts[i+1:] {
			if tx.box.overlaps(other.box) {
				t.Errorf("texts %q at %v and %q at %v overlap", tx.s, tx.box, other.s, other.box)
			}
		}
		if isLegend[tx.s] && tx.box.y1 > lowest {
			t.Errorf("legend text %q at %v reaches above the axis labels (bottom %g)", tx.s, tx.box, lowest)
		}
	}
}

// checkGolden compares the figure's texts (string, size and position, to
// the point) with testdata/<name>.golden, or rewrites it with -update.
func checkGolden(t *testing.T, name string, l svgLayout) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "figure %g x %g\n", l.width, l.height)
	for _, tx := range l.texts {
		fmt.Fprintf(&b, "%q %gpx at %.0f,%.0f rotated=%t\n", tx.s, tx.size, tx.box.x0, tx.box.y0, tx.rotated)
	}
	path := filepath.Join("testdata", name+".golden")
	got := b.String()
	if want := golden.Bytes(t, path, []byte(got)); got != string(want) {
		t.Errorf("%s changed:\ngot\n%swant\n%s", path, got, want)
	}
}

// svgOf draws the figure as SVG at the options' size.
func svgOf(t *testing.T, f *Figure, opt Options) svgLayout {
	t.Helper()
	opt, err := opt.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.render("svg", opt)
	if err != nil {
		t.Fatal(err)
	}
	return readLayout(t, data)
}

// sizes are the figure sizes every layout test draws: the default, a
// small figure with a small font, a default figure with a large font.
var sizes = []struct {
	name string
	opt  Options
}{
	{"default", Options{}},
	{"small", Options{Width: 3, Height: 2.2, FontSize: 8}},
	{"large font", Options{FontSize: 14}},
}

func TestLayoutLRCurve(t *testing.T) {
	res := testResult(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			f, err := LRCurve(res, 2, 0)
			if err != nil {
				t.Fatal(err)
			}
			l := svgOf(t, f, sz.opt)
			curve := l.paths[0]
			for _, p := range l.paths {
				if p.points > curve.points {
					curve = p
				}
			}
			checkLayout(t, l, []string{"LR(g)", "95% confidence set",
				fmt.Sprintf("critical value c(0.95) = %.4g", threshold.LRCritical(0.95)),
				fmt.Sprintf("estimate %.4g", res.Stages[1].LRCurves[0].Threshold)},
				func(p svgPath) bool { return p.points == curve.points && p.box == curve.box })
			shaded := 0
			for _, p := range l.paths {
				if strings.Contains(p.style, "fill:#ADCDF0") && p.box.overlaps(curve.box) {
					shaded++
				}
			}
			if shaded == 0 {
				t.Error("no shaded confidence set over the curve")
			}
			if sz.name == "default" {
				checkGolden(t, "lr", l)
			}
		})
	}
}

func TestLayoutBootstrapF(t *testing.T) {
	res := testResult(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			f, err := BootstrapF(res, 1)
			if err != nil {
				t.Fatal(err)
			}
			l := svgOf(t, f, sz.opt)
			checkLayout(t, l, []string{"bootstrap F*", fmt.Sprintf("observed F = %.4g", res.Stages[0].FStat)},
				func(p svgPath) bool { return strings.Contains(p.style, "fill:#808080") })
			if sz.name == "default" {
				checkGolden(t, "f", l)
			}
		})
	}
}

// TestLayoutEverySize draws both figure kinds over the range of Options:
// each is laid out as checkLayout wants, or refused with ErrSize.
func TestLayoutEverySize(t *testing.T) {
	res := testResult(t)
	drawn := 0
	for _, w := range []float64{MinWidth, 3, Width, MaxWidth} {
		for _, h := range []float64{MinHeight, 2.5, Height, MaxHeight} {
			for _, fs := range []float64{MinFontSize, 8, 14, 24, MaxFontSize} {
				opt, _ := Options{Width: w, Height: h, FontSize: fs}.withDefaults()
				lr, err := LRCurve(res, 1, 0)
				if err != nil {
					t.Fatal(err)
				}
				hist, err := BootstrapF(res, 1)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range []*Figure{lr, hist} {
					data, err := f.render("svg", opt)
					if errors.Is(err, ErrSize) {
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					drawn++
					legend := make([]string, len(f.entries))
					for i, e := range f.entries {
						legend[i] = e.name
					}
					t.Run(fmt.Sprintf("%s %gx%g %gpt", f.Title.Text[:6], w, h, fs), func(t *testing.T) {
						checkLayout(t, readLayout(t, data), legend, func(p svgPath) bool {
							return strings.Contains(p.style, "fill:#808080") || p.points > 10
						})
					})
				}
			}
		}
	}
	if drawn < 40 {
		t.Errorf("%d of 160 figures drawn", drawn)
	}
}

func TestPValue(t *testing.T) {
	cases := []struct {
		p    float64
		b    int
		want string
	}{
		{0, 300, "p < 0.0033"},
		{0, 1000, "p < 0.001"},
		{0, 30, "p < 0.033"},
		{1.0 / 300, 300, "p = 0.003"},
		{0.74, 300, "p = 0.740"},
	}
	for _, c := range cases {
		if got := pValue(c.p, c.b); got != c.want {
			t.Errorf("pValue(%g, %d) = %q, want %q", c.p, c.b, got, c.want)
		}
	}
	// A result whose F no draw exceeds says so in the histogram's title.
	res := withStage1(testResult(t), func(_ [][2]float64, st *threshold.StageResult) { st.Bootstrap.PValue = 0 })
	f, err := BootstrapF(res, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Title.Text, "bootstrap p < 0.033 (B = 30)") {
		t.Errorf("title %q", f.Title.Text)
	}
}

// TestLayoutDetectsOverlap checks that the layout test can fail: the
// legend gonum draws inside the plot area covers the curve.
func TestLayoutDetectsOverlap(t *testing.T) {
	f, err := LRCurve(testResult(t), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.entries {
		f.Legend.Add(e.name, e.thumbs...)
	}
	f.Legend.Top = true
	f.entries = nil
	var buf bytes.Buffer
	w, err := f.Plot.WriterTo(Width*vg.Inch, Height*vg.Inch, "svg")
	if err == nil {
		_, err = w.WriteTo(&buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	l := readLayout(t, buf.Bytes())
	covered := false
	curve := l.paths[0]
	for _, p := range l.paths {
		if p.points > curve.points {
			curve = p
		}
	}
	for _, tx := range l.texts {
		if tx.s == "LR(g)" && tx.box.overlaps(curve.box) {
			covered = true
		}
	}
	if !covered {
		t.Error("gonum's own legend is not found over the curve")
	}
}

// TestTicks checks that tick labels lose the trailing zeros all of them
// share, and only those.
func TestTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		want   []string
	}{
		{0, 52.5, []string{"0", "25", "50"}}, // gonum: 0.00, 25.00, 50.00
		{0, 1, []string{"0.0", "0.5", "1.0"}},
		{-0.2, 0.62, []string{"-0.2", "0.2", "0.6"}},
		{2.5, 7, []string{"3", "5", "7"}},
	}
	for _, c := range cases {
		var got []string
		for _, tk := range (ticks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%g..%g: labels %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
}
