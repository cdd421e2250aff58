package plots

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/thresher/thresher/estimators/montecarlo"
)

// studySummary is a summary of two designs that differ in their effect:
// the first has a true null, whose p-values' quantiles are uniform's.
func studySummary() montecarlo.Summary {
	var uniform []montecarlo.Num
	for i := 1; i < 100; i++ {
		uniform = append(uniform, montecarlo.Num(float64(i)/100))
	}
	stage := func(rate float64, null bool) montecarlo.StageStats {
		st := montecarlo.StageStats{K: 1, NullTrue: null, KS: 0.01,
			Reject: []montecarlo.Rate{{Level: 0.1, Rate: montecarlo.Num(rate), SE: 0.01}, {Level: 0.05, Rate: montecarlo.Num(rate), SE: 0.01}}}
		if null {
			st.PQuantiles = uniform
		}
		return st
	}
	design := func(label string, effect, rate float64) montecarlo.DesignSummary {
		return montecarlo.DesignSummary{Label: label, Effect: montecarlo.Num(effect), Estimators: []montecarlo.EstimatorStats{
			{Label: "xthreg", Stages: []montecarlo.StageStats{stage(rate, effect == 0)}}}}
	}
	return montecarlo.Summary{Replications: 100, Designs: []montecarlo.DesignSummary{
		design("power effect=0", 0, 0.05), design("power effect=0.4", 0.4, 0.98)}}
}

// TestStudy checks the figures of a study and their errors.
func TestStudy(t *testing.T) {
	s := studySummary()
	figs, err := Study(s)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"qq-design1", "power-1"}) {
		t.Fatalf("figures %v, want a QQ plot of design 1 and one power curve", names)
	}
	dir := t.TempDir()
	for _, f := range figs {
		path := filepath.Join(dir, f.Name+".png")
		if err := Save(context.Background(), f.Figure, path, Options{}); err != nil {
			t.Fatal(err)
		}
		r, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(r); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
		r.Close()
	}
	if _, err := PValueQQ(s, 1); !errors.Is(err, ErrStage) {
		t.Errorf("QQ plot of a design without a true null: %v", err)
	}
	if _, err := PValueQQ(s, 2); !errors.Is(err, ErrStage) {
		t.Errorf("QQ plot of design 3 of 2: %v", err)
	}
	if _, err := PowerCurve(s, []int{0}, 1); !errors.Is(err, ErrStage) {
		t.Errorf("power curve of one design: %v", err)
	}
	s.Designs[1].Effect = 0
	if _, err := PowerCurve(s, []int{0, 1}, 1); !errors.Is(err, ErrStage) {
		t.Errorf("power curve over a single effect: %v", err)
	}
}
