package montecarlo

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// TestSummarizeRecords summarizes the hand-made records of
// testdata/records.json and compares every statistic with the values
// computed by hand, to 1e-12 (the p-values' quantiles, which the QQ plot
// draws, are checked by TestQuantile).
func TestSummarizeRecords(t *testing.T) {
	raw, err := os.ReadFile("testdata/records.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Records [][]Num `json:"records"`
		Cases   []struct {
			Name  string          `json:"name"`
			Truth truth           `json:"truth"`
			Want  json.RawMessage `json:"want"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	l := layout{thnum: []int{1}, rx: 1}
	var recs []estimatorRecord
	for _, r := range data.Records {
		v := make([]float64, len(r))
		for i, x := range r {
			v[i] = float64(x)
		}
		dec, err := l.decode(v)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, dec[0])
	}
	for _, tt := range data.Cases {
		t.Run(tt.Name, func(t *testing.T) {
			got := summarizeEstimator("e", 1, tt.Truth, recs)
			for i := range got.Stages {
				got.Stages[i].PQuantiles = nil
			}
			gotJSON, _ := json.Marshal(got)
			var g, w any
			json.Unmarshal(gotJSON, &g)
			json.Unmarshal(tt.Want, &w)
			if diff := compare("", g, w); diff != "" {
				t.Errorf("%s\ngot %s", diff, gotJSON)
			}
		})
	}
}

// compare returns where two decoded JSON values differ, numbers to 1e-12.
func compare(path string, got, want any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return path + ": keys differ"
		}
		for k := range w {
			if d := compare(path+"."+k, g[k], w[k]); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path + ": lengths differ"
		}
		for i := range w {
			if d := compare(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); d != "" {
				return d
			}
		}
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > 1e-12 {
			return path + ": numbers differ"
		}
	default:
		if got != want {
			return path + ": values differ"
		}
	}
	return ""
}

// TestStatistics checks the building blocks on values with known results.
func TestStatistics(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"KS of the uniform's midpoints", ksUniform([]float64{0.125, 0.375, 0.625, 0.875}), 0.125},
		{"KS of a point mass at 0", ksUniform([]float64{0, 0, 0}), 1},
		{"quantile type 7, p = 0.3", quantile([]float64{1, 2, 3, 4, 5}, 0.3), 2.2},
		{"quantile of one value", quantile([]float64{7}, 0.95), 7},
		{"rejection rate", float64(rejection([]float64{0.01, 0.2, 0.04, 0.05}, 0.05).Rate), 0.5},
		{"its standard error", float64(rejection([]float64{0.01, 0.2, 0.04, 0.05}, 0.05).SE), 0.25},
		{"effect of two regimes", truth{Slopes: [][]float64{{1, 0}, {1.5, -1}}}.effect(), 1},
		{"selection: first non-rejection", selected([]stageRecord{{P: 0.01}, {P: 0.05}, {P: 0}}, 0.05), 1},
		{"selection: every stage rejects", selected([]stageRecord{{P: 0.01}, {P: 0.02}}, 0.05), 2},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if s := selected([]stageRecord{{P: math.NaN()}}, 0.05); !math.IsNaN(s) {
		t.Errorf("selection without a bootstrap = %v, want NaN", s)
	}
}
