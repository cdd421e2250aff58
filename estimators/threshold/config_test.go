package threshold

import (
	"reflect"
	"strings"
	"testing"
)

// TestConfigRoundTrip checks that ConfigOf and Config.Spec are inverse, and
// that the flags' spellings parse.
func TestConfigRoundTrip(t *testing.T) {
	specs := []struct {
		spec Spec
		alg  Algorithm
	}{
		{Spec{ID: "id", Time: "year", Depvar: "y", Rx: []string{"x"}, Qx: "q", Thresholds: 1, Level: 0.95, Seed: 1}, Fast},
		{Spec{Convention: Hansen, ID: "firm", Time: "t", Depvar: "i", Indep: []string{"L.q", "L.q^2"}, Rx: []string{"L.c"},
			Qx: "L.d", Thresholds: 3, Grid: Grid{Points: 400}, Trim: []float64{0.01, 0.01, 0.05}, Reps: []int{300, 0, 50},
			Level: 0.9, Seed: 7, Given: []float64{0.1, 0.2}, Residuals: AlternativeResiduals, Bootstrap: WildWebb,
			KeepDraws: true, MissingError: true}, Reference},
	}
	for _, tt := range specs {
		got, alg, err := ConfigOf(tt.spec, tt.alg).Spec()
		if err != nil || alg != tt.alg || !reflect.DeepEqual(got, tt.spec) {
			t.Errorf("round trip of %+v, %v: %+v, %v, %v", tt.spec, tt.alg, got, alg, err)
		}
	}
	c := DefaultConfig
	c.Level, c.Convention, c.Grid, c.Bootstrap, c.Algorithm = 90, "Stata", "50", "wild", "ref"
	s, alg, err := c.Spec()
	if err != nil || s.Level != 0.9 || s.Convention != Xthreg || s.Grid.Points != 50 || s.Bootstrap != WildRademacher || alg != Reference {
		t.Errorf("flag spellings: %+v, %v, %v", s, alg, err)
	}
	// fe twoway adds the period effects; missing error refuses missing values.
	c.Indep, c.FE, c.Missing = []string{"x"}, "twoway", "error"
	if s, _, err := c.Spec(); err != nil || !reflect.DeepEqual(s.Indep, []string{"x", "i.year"}) || !s.MissingError ||
		!reflect.DeepEqual(c.Indep, []string{"x"}) {
		t.Errorf("fe twoway, missing error: %+v, %v", s, err)
	}
	for field, bad := range map[string]Config{
		"convention": {Convention: "gauss2", Grid: "all", Residuals: "null", Bootstrap: "auto", Algorithm: "fast"},
		"grid":       {Convention: "xthreg", Grid: "x", Residuals: "null", Bootstrap: "auto", Algorithm: "fast"},
		"residuals":  {Convention: "xthreg", Grid: "all", Residuals: "h2", Bootstrap: "auto", Algorithm: "fast"},
		"bootstrap":  {Convention: "xthreg", Grid: "all", Residuals: "null", Bootstrap: "pairs", Algorithm: "fast"},
		"algorithm":  {Convention: "xthreg", Grid: "all", Residuals: "null", Bootstrap: "auto", Algorithm: "slow"},
		"unknown fe": {Convention: "xthreg", Grid: "all", Residuals: "null", Bootstrap: "auto", Algorithm: "fast", FE: "time"},
		"unknown missing": {Convention: "xthreg", Grid: "all", Residuals: "null", Bootstrap: "auto", Algorithm: "fast",
			Missing: "skip"},
		"fe twoway adds i.t": {Convention: "xthreg", Grid: "all", Residuals: "null", Bootstrap: "auto", Algorithm: "fast",
			Time: "t", Indep: []string{"i.t"}, FE: "twoway"},
	} {
		if _, _, err := bad.Spec(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("bad %s: %v", field, err)
		}
	}
}
