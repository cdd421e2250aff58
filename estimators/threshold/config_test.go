package threshold

import (
	"errors"
	"math"
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
		"unknown fe": {Level: 95, Convention: "xthreg", Grid: "all", Residuals: "null", Bootstrap: "auto", Algorithm: "fast", FE: "time"},
		"unknown missing": {Level: 95, Convention: "xthreg", Grid: "all", Residuals: "null", Bootstrap: "auto", Algorithm: "fast",
			Missing: "skip"},
		"fe twoway adds i.t": {Level: 95, Convention: "xthreg", Grid: "all", Residuals: "null", Bootstrap: "auto", Algorithm: "fast",
			Time: "t", Indep: []string{"i.t"}, FE: "twoway"},
	} {
		if _, _, err := bad.Spec(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("bad %s: %v", field, err)
		}
	}
}

// TestLevelFraction checks the one rule of a confidence level: a percent in
// [10, 99.99] or a fraction in [0.1, 0.9999], read as the decimal it is
// written in (no float noise in the JSON) and echoed back in percent as
// given; anything else is refused, 0 included.
func TestLevelFraction(t *testing.T) {
	for _, tt := range []struct {
		in      float64
		want    float64
		percent string
	}{
		{95, 0.95, "95"},
		{0.95, 0.95, "95"},
		{10, 0.1, "10"},
		{50, 0.5, "50"},
		{90, 0.9, "90"},
		{99.9, 0.999, "99.9"},
		{33.333, 0.33333, "33.333"},
		{99.99, 0.9999, "99.99"},
		{0.1, 0.1, "10"},
		{0.9999, 0.9999, "99.99"},
		{12.345678901234, 0.12345678901234, "12.345678901234"},
	} {
		got, err := LevelFraction(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("LevelFraction(%v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if p := LevelPercent(got); p != tt.percent {
			t.Errorf("LevelPercent(%v) = %q, want %q", got, p, tt.percent)
		}
	}
	for _, bad := range []float64{0, 5, 1, 0.01, 0.05, 9.99, 99.999, 100, -95, 0.99999, math.NaN(), math.Inf(1)} {
		if _, err := LevelFraction(bad); err == nil ||
			!strings.Contains(err.Error(), "give a percent between 10 and 99.99 (95) or a fraction between 0.1 and 0.9999 (0.95)") {
			t.Errorf("LevelFraction(%v): %v, want the rule", bad, err)
		}
	}
}

// TestConfigStrict checks that a configuration, as the job API receives
// it, is held to the command line's rules: no level 0 becoming 95%, no 5
// becoming 5%, no empty list becoming a default.
func TestConfigStrict(t *testing.T) {
	base := DefaultConfig
	base.Depvar, base.Rx, base.Qx = "y", []string{"x"}, "q"
	for _, tt := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"level 0", func(c *Config) { c.Level = 0 }, "confidence level 0: give a percent"},
		{"level 5", func(c *Config) { c.Level = 5 }, "confidence level 5: give a percent"},
		{"level 0.01", func(c *Config) { c.Level = 0.01 }, "confidence level 0.01: give a percent"},
		{"empty trim", func(c *Config) { c.Trim = []float64{} }, "trim is an empty list"},
		{"empty bs", func(c *Config) { c.Bs = []int{} }, "bs is an empty list"},
	} {
		c := base
		tt.edit(&c)
		if _, err := (Kind{}).DecodeSpec(c.Encode()); !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	c := base
	c.Level, c.Trim, c.Bs = 99.9, nil, nil
	s, _, err := c.Spec()
	if err == nil {
		err = s.Normalize()
	}
	if err != nil || s.Level != 0.999 || s.Trim[0] != 0.01 || s.Reps[0] != 300 {
		t.Errorf("level 99.9, trim and bs left out: %+v, %v; want 0.999, 0.01 and 300", s, err)
	}
}
