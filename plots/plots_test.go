package plots

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot"

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

// checkImage checks that path is a non-empty PNG that decodes or an SVG
// that is well-formed XML with an svg root.
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
	if !strings.Contains(f.Title.Text, "30 draws") {
		t.Errorf("histogram titled %q", f.Title.Text)
	}
	for _, fig := range []struct {
		name string
		p    *plot.Plot
	}{{"lr", lr}, {"f", f}} {
		for _, ext := range []string{".png", ".svg"} {
			path := filepath.Join(dir, fig.name+ext)
			if err := Save(context.Background(), fig.p, path); err != nil {
				t.Fatal(err)
			}
			checkImage(t, path)
		}
	}
}

func TestAll(t *testing.T) {
	res := testResult(t)
	dir := filepath.Join(t.TempDir(), "figures")
	paths, err := All(context.Background(), res, dir, "m")
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
	paths, err = All(context.Background(), res, dir, "nodraws")
	if err != nil || len(paths) != 6 {
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
		{"pdf", func() error {
			p, _ := LRCurve(res, 1, 0)
			return Save(context.Background(), p, filepath.Join(t.TempDir(), "lr.pdf"))
		}, ErrFormat},
		{"missing directory", func() error {
			p, _ := LRCurve(res, 1, 0)
			return Save(context.Background(), p, filepath.Join(t.TempDir(), "absent", "lr.png"))
		}, os.ErrNotExist},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(); !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "lr.pdf")); err == nil {
		t.Error("a .pdf file was written")
	}
}
