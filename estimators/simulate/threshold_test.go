package simulate

import (
	"bytes"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
)

// TestThresholdPanelRecoversThresholds checks that the generator is
// deterministic and that the estimator finds its thresholds 0.3 and 0.7.
func TestThresholdPanelRecoversThresholds(t *testing.T) {
	cfg := ThresholdPanel{Units: 300, Periods: 8, Seed: 5}
	data := cfg.CSV()
	if !bytes.Equal(data, cfg.CSV()) {
		t.Fatal("same seed, different data")
	}
	tab, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p, err := threshold.Prepare(tab, threshold.Spec{ID: "id", Time: "t", Depvar: "y", Indep: []string{"z1", "z2"},
		Rx: []string{"x1", "x2"}, Qx: "q", Thresholds: 2, Grid: threshold.Grid{Points: 200}, Reps: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Estimate(threshold.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Stages[1].Thresholds
	if got[0] < 0.28 || got[0] > 0.32 || got[1] < 0.68 || got[1] > 0.72 {
		t.Errorf("thresholds %v, want about 0.3 and 0.7", got)
	}
}
