package plots

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/simulate"
	"github.com/thresher/thresher/estimators/threshold"
)

// result is a double-threshold model on simulated data with its draws
// kept, read back from its JSON form as a plotting command would.
var result = sync.OnceValues(func() (threshold.Result, error) {
	var res threshold.Result
	tab, err := panel.ReadCSV(bytes.NewReader(simulate.ThresholdPanel{Units: 60, Periods: 5, Seed: 3}.CSV()))
	if err != nil {
		return res, err
	}
	p, err := threshold.Prepare(tab, threshold.Spec{ID: "id", Time: "t", Depvar: "y", Indep: []string{"z1", "z2"},
		Rx: []string{"x1", "x2"}, Qx: "q", Thresholds: 2, Grid: threshold.Grid{Points: 40}, Reps: []int{30}, Seed: 1,
		KeepDraws: true})
	if err != nil {
		return res, err
	}
	r, err := p.Estimate(threshold.Options{})
	if err != nil {
		return res, err
	}
	data, err := r.JSON()
	if err != nil {
		return res, err
	}
	return res, json.Unmarshal(data, &res)
})

func testResult(t *testing.T) threshold.Result {
	t.Helper()
	res, err := result()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkImage checks that path is a non-empty PNG that decodes, an SVG
// that is well-formed XML with an svg root or a PDF with its header.
func checkImage(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		t.Fatalf("%s: %v, %d bytes", path, err, len(data))
	}
	switch filepath.Ext(path) {
	case ".png":
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
			t.Errorf("%s: %v", path, b)
		}
	case ".pdf":
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			t.Errorf("%s: no PDF header", path)
		}
	case ".svg":
		dec := xml.NewDecoder(bytes.NewReader(data))
		root := ""
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed XML: %v", path, err)
			}
			if se, ok := tok.(xml.StartElement); ok && root == "" {
				root = se.Name.Local
			}
		}
		if root != "svg" {
			t.Errorf("%s: root element %q", path, root)
		}
	default:
		t.Fatalf("%s: unexpected extension", path)
	}
}

func TestFigures(t *testing.T) {
	res := testResult(t)
	dir := t.TempDir()
	lr, err := LRCurve(res, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lr.Title.Text, "double model") || lr.X.Label.Text != "q" {
		t.Errorf("LR plot titled %q, x label %q", lr.Title.Text, lr.X.Label.Text)
	}
	f, err := BootstrapF(res, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Title.Text, "(B = 30)") {
		t.Errorf("histogram titled %q", f.Title.Text)
	}
	for _, fig := range []struct {
		name string
		f    *Figure
	}{{"lr", lr}, {"f", f}} {
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			path := filepath.Join(dir, fig.name+ext)
			if err := Save(context.Background(), fig.f, path, Options{}); err != nil {
				t.Fatal(err)
			}
			checkImage(t, path)
		}
	}
}

func TestAll(t *testing.T) {
	res := testResult(t)
	dir := filepath.Join(t.TempDir(), "figures")
	paths, err := All(context.Background(), res, dir, "m", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
		checkImage(t, p)
	}
	want := []string{"m_lr_k1_0.png", "m_lr_k1_0.svg", "m_f_k1.png", "m_f_k1.svg",
		"m_lr_k2_0.png", "m_lr_k2_0.svg", "m_lr_k2_1.png", "m_lr_k2_1.svg", "m_f_k2.png", "m_f_k2.svg"}
	if !slices.Equal(names, want) {
		t.Errorf("wrote %v, want %v", names, want)
	}
	// Without draws, All writes the LR curves alone.
	res.Stages = slices.Clone(res.Stages)
	for i := range res.Stages {
		res.Stages[i].Bootstrap = nil
	}
	paths, err = All(context.Background(), res, dir, "nodraws", Options{Formats: []string{"pdf"}})
	if err != nil || len(paths) != 3 || filepath.Ext(paths[0]) != ".pdf" {
		t.Errorf("without draws: %v, %d files", err, len(paths))
	}
}

func TestErrors(t *testing.T) {
	res := testResult(t)
	noDraws := res
	noDraws.Stages = slices.Clone(res.Stages)
	summary := *res.Stages[0].Bootstrap
	summary.Draws = nil
	noDraws.Stages[0].Bootstrap = &summary
	cases := []struct {
		name string
		run  func() error
		want error
	}{
		{"stage 0", func() error { _, err := LRCurve(res, 0, 0); return err }, ErrStage},
		{"stage 3", func() error { _, err := LRCurve(res, 3, 0); return err }, ErrStage},
		{"curve 1 of stage 1", func() error { _, err := LRCurve(res, 1, 1); return err }, ErrStage},
		{"histogram of stage 3", func() error { _, err := BootstrapF(res, 3); return err }, ErrStage},
		{"no draws", func() error { _, err := BootstrapF(noDraws, 1); return err }, ErrNoDraws},
		{"eps", func() error {
			p, _ := LRCurve(res, 1, 0)
			return Save(context.Background(), p, filepath.Join(t.TempDir(), "lr.eps"), Options{})
		}, ErrFormat},
		{"format jpg in All", func() error {
			_, err := All(context.Background(), res, t.TempDir(), "x", Options{Formats: []string{"png", "jpg"}})
			return err
		}, ErrFormat},
		{"width 1 in", func() error {
			_, err := All(context.Background(), res, t.TempDir(), "x", Options{Width: 1})
			return err
		}, ErrSize},
		{"height NaN", func() error {
			_, err := All(context.Background(), res, t.TempDir(), "x", Options{Height: math.NaN()})
			return err
		}, ErrSize},
		{"font 100 pt", func() error {
			_, err := All(context.Background(), res, t.TempDir(), "x", Options{FontSize: 100})
			return err
		}, ErrSize},
		{"font 48 pt on 2 x 1.5 in", func() error {
			p, _ := LRCurve(res, 1, 0)
			return Save(context.Background(), p, filepath.Join(t.TempDir(), "lr.png"), Options{Width: 2, Height: 1.5, FontSize: 48})
		}, ErrSize},
		{"65 stages", func() error {
			many := res
			many.Stages = make([]threshold.StageResult, threshold.MaxThresholds+1)
			for i := range many.Stages {
				many.Stages[i] = res.Stages[0]
				many.Stages[i].K = i + 1
			}
			_, err := All(context.Background(), many, t.TempDir(), "x", Options{})
			return err
		}, ErrResult},
		{"stages out of order", func() error {
			swapped := res
			swapped.Stages = []threshold.StageResult{res.Stages[1], res.Stages[0]}
			_, err := All(context.Background(), swapped, t.TempDir(), "x", Options{})
			return err
		}, ErrResult},
		{"a curve with one finite point", func() error {
			one := withStage1(res, func(pts [][2]float64, _ *threshold.StageResult) {
				for i := 1; i < len(pts); i++ {
					pts[i][1] = math.Inf(1)
				}
			})
			_, err := LRCurve(one, 1, 0)
			return err
		}, ErrPoints},
		{"missing directory", func() error {
			p, _ := LRCurve(res, 1, 0)
			return Save(context.Background(), p, filepath.Join(t.TempDir(), "absent", "lr.png"), Options{})
		}, os.ErrNotExist},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(); !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
		})
	}
}

// withStage1 returns a copy of the result in which edit changed the first
// stage, its first curve's points and its draws; the shared result stays as
// it was.
func withStage1(res threshold.Result, edit func(points [][2]float64, st *threshold.StageResult)) threshold.Result {
	res.Stages = slices.Clone(res.Stages)
	st := &res.Stages[0]
	st.LRCurves = slices.Clone(st.LRCurves)
	st.LRCurves[0].Points = slices.Clone(st.LRCurves[0].Points)
	b := *st.Bootstrap
	b.Draws = slices.Clone(b.Draws)
	st.Bootstrap = &b
	edit(st.LRCurves[0].Points, st)
	return res
}

// TestExtremeValues draws results with values near the largest float64:
// an axis whose width overflows used to make gonum's tick search spin
// forever, and a histogram whose range is wide against its values'
// precision used to panic. Every figure is either drawn or refused with
// ErrRange.
func TestExtremeValues(t *testing.T) {
	res := testResult(t)
	last := len(res.Stages[0].LRCurves[0].Points) - 1
	cases := []struct {
		name string
		edit func(points [][2]float64, st *threshold.StageResult)
		want error
		msg  string // a part of the error's text
	}{
		{"candidates from -1e308 to 1e308", func(pts [][2]float64, _ *threshold.StageResult) {
			pts[0][0], pts[last][0] = -1e308, 1e308
		}, ErrRange, "threshold from -1e+308 to 1e+308: too far apart"},
		{"LR of 1.75e308", func(pts [][2]float64, _ *threshold.StageResult) { pts[1][1] = 1.75e308 }, ErrRange, "LR from 0 to 1.75e+308: too far apart"},
		{"LR of 1e308 at every other candidate", func(pts [][2]float64, _ *threshold.StageResult) {
			for i := 0; i < len(pts); i += 2 {
				pts[i][1] = 1e308
			}
		}, nil, ""},
		{"estimate at -1e308", func(_ [][2]float64, st *threshold.StageResult) {
			st.LRCurves[0].Threshold = -1e308
		}, nil, ""},
		{"draws from -1e308 to 1e308", func(_ [][2]float64, st *threshold.StageResult) {
			st.Bootstrap.Draws[0], st.Bootstrap.Draws[1] = -1e308, 1e308
		}, ErrRange, "stage 1: F from -1e+308 to 1e+308: too far apart for an axis"},
		{"a draw of -1e308", func(_ [][2]float64, st *threshold.StageResult) { st.Bootstrap.Draws[0] = -1e308 }, nil, ""},
		{"an infinite F", func(_ [][2]float64, st *threshold.StageResult) { st.FStat = math.Inf(1) }, ErrRange, "a value is infinite"},
		{"a NaN draw", func(_ [][2]float64, st *threshold.StageResult) { st.Bootstrap.Draws[2] = math.NaN() }, ErrRange, "a value is NaN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := All(context.Background(), withStage1(res, c.edit), dir, "x", Options{})
			if !errors.Is(err, c.want) || err != nil && !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v, want %v and %q", err, c.want, c.msg)
			}
		})
	}
}

// TestAllOrNone checks that All writes every figure or none: a figure of the
// last stage that cannot be drawn leaves no file of the earlier ones, and a
// failed write names the files written before it.
func TestAllOrNone(t *testing.T) {
	res := testResult(t)
	res.Stages = slices.Clone(res.Stages)
	last := &res.Stages[len(res.Stages)-1]
	b := *last.Bootstrap
	b.Draws = slices.Clone(b.Draws)
	b.Draws[0] = math.NaN()
	last.Bootstrap = &b
	dir := filepath.Join(t.TempDir(), "figures")
	if paths, err := All(context.Background(), res, dir, "m", Options{}); !errors.Is(err, ErrRange) || paths != nil {
		t.Errorf("undrawable last figure: %v, %v; want %v and no paths", paths, err, ErrRange)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("undrawable last figure: the directory was created (%v)", err)
	}

	// A directory in the place of the third file: the write fails after two.
	res = testResult(t)
	if err := os.MkdirAll(filepath.Join(dir, "m_f_k1.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err := All(context.Background(), res, dir, "m", Options{})
	if err == nil || len(paths) != 2 || !strings.Contains(err.Error(), "(written before: "+paths[0]+", "+paths[1]+")") {
		t.Errorf("failed write: %v, %v; want an error naming the 2 files written", paths, err)
	}
}

// TestSaveCancelled checks that a cancelled Save returns the context's
// cause and creates no file.
func TestSaveCancelled(t *testing.T) {
	p, err := LRCurve(testResult(t), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(stop)
	path := filepath.Join(t.TempDir(), "lr.png")
	if err := Save(ctx, p, path, Options{}); !errors.Is(err, stop) {
		t.Errorf("Save = %v, want the context's cause", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled Save left %s: %v", path, err)
	}
}

// TestLRCurveRobust checks that under robust inference the critical line
// is eta^2 c(a), where the interval's set LR(g)/eta^2 < c(a) ends.
func TestLRCurveRobust(t *testing.T) {
	res := testResult(t)
	res.Stages = slices.Clone(res.Stages)
	st := &res.Stages[0]
	st.Intervals = slices.Clone(st.Intervals)
	st.Intervals[0].Eta2 = 2
	f, err := LRCurve(res, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("eta^2 c(0.95) = 2 x %.4g", threshold.LRCritical(0.95))
	if !slices.ContainsFunc(f.entries, func(e entry) bool { return e.name == want }) {
		t.Errorf("legend %+v lacks %q", f.entries, want)
	}
}
