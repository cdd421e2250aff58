package paper

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/ioc"
	"github.com/thresher/thresher/estimators/simulate"
)

func TestDefaultSpecIsThePaper(t *testing.T) {
	s := DefaultSpec()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Unit != "province" || s.Time != "year" || s.Outcome != "lncie" || s.Treatment != "lndig" || !s.PeriodEffects ||
		!slices.Equal(s.Controls, []string{"lnpgdp", "lnopen", "lnes", "lncap"}) ||
		!slices.Equal(s.Mediators, []string{"lnind", "lntec"}) ||
		!slices.Equal(s.Threshold.Variables, []string{"lndig", "lnind", "lntec"}) ||
		!slices.Equal(s.Region.Labels, []string{"east", "central", "west"}) || s.regressor() != "lndig" {
		t.Errorf("default spec %+v", s)
	}
	// The default input columns are those of the simulated panel.
	var indicators []string
	for _, ind := range simulate.ProvinceIndicators() {
		indicators = append(indicators, ind.Column)
	}
	var sources []string
	for i, src := range s.Carbon.Sources {
		sources = append(sources, src.Name)
		if src.Factor != ioc.PaperFactors()[i].Factor {
			t.Errorf("source %s: factor %v", src.Name, src.Factor)
		}
	}
	if !slices.Equal(s.Digital.Indicators, indicators) || !slices.Equal(sources, simulate.ProvinceSources()) ||
		!slices.Equal(s.Carbon.Sectors, simulate.ProvinceSectors()) {
		t.Errorf("default inputs %v %v %v differ from the simulated panel's", s.Digital.Indicators, sources, s.Carbon.Sectors)
	}
	// Each call returns a fresh copy.
	s.Controls[0] = "changed"
	if DefaultSpec().Controls[0] != "lnpgdp" {
		t.Error("DefaultSpec shares its slices")
	}
}

func TestLoadSpecOverridesDefaults(t *testing.T) {
	s, err := LoadSpec(filepath.Join("testdata", "spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultSpec()
	want.Outcome, want.Treatment = "y", "dig"
	want.Controls, want.Mediators = []string{"lnopen", "lnpgdp"}, []string{"lntec"}
	want.Split = SplitObservation
	want.Region.Labels = []string{"east", "west", "central"}
	want.Digital.Center, want.Digital.Scale = 0, 1
	want.Mediation.Reps = 99
	want.Threshold.Variables, want.Threshold.Thresholds, want.Threshold.Reps = []string{"dig"}, 2, 199
	want.Threshold.Convention = "hansen"
	if !equalSpecs(s, want) {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	if _, err := LoadSpec(filepath.Join(t.TempDir(), "absent.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
	// A single value for a list is a list of one, as in sweep files.
	single, err := ParseSpec(strings.NewReader("threshold:\n  variables: lndig\ncontrols: lnpgdp\n"))
	if err != nil || !slices.Equal(single.Threshold.Variables, []string{"lndig"}) || !slices.Equal(single.Controls, []string{"lnpgdp"}) {
		t.Errorf("single values for lists: %v, %v and %v", err, single.Threshold.Variables, single.Controls)
	}
	// Levels follow every command's rule: a percent or a fraction.
	levels, err := ParseSpec(strings.NewReader("threshold:\n  level: 99.9\nmediation:\n  level: 0.9\n"))
	if err != nil || levels.Threshold.Level != 0.999 || levels.Mediation.Level != 0.9 {
		t.Errorf("levels 99.9 and 0.9: %v, %v and %v; want 0.999 and 0.9", err, levels.Threshold.Level, levels.Mediation.Level)
	}
	empty, err := ParseSpec(strings.NewReader(""))
	if err != nil || !equalSpecs(empty, DefaultSpec()) {
		t.Errorf("empty file: %v, %+v", err, empty)
	}
}

// equalSpecs compares two specifications field by field.
func equalSpecs(a, b Spec) bool {
	return a.Unit == b.Unit && a.Time == b.Time && a.Region.Column == b.Region.Column &&
		slices.Equal(a.Region.Labels, b.Region.Labels) && a.Outcome == b.Outcome && a.Treatment == b.Treatment &&
		slices.Equal(a.Controls, b.Controls) && slices.Equal(a.Mediators, b.Mediators) &&
		a.PeriodEffects == b.PeriodEffects && a.Split == b.Split &&
		slices.Equal(a.Digital.Indicators, b.Digital.Indicators) && a.Digital.Rule == b.Digital.Rule &&
		a.Digital.Center == b.Digital.Center && a.Digital.Scale == b.Digital.Scale &&
		slices.Equal(a.Carbon.Sectors, b.Carbon.Sectors) && slices.Equal(a.Carbon.Sources, b.Carbon.Sources) &&
		a.Mediation == b.Mediation && slices.Equal(a.Threshold.Variables, b.Threshold.Variables) &&
		a.Threshold.Regressor == b.Threshold.Regressor && a.Threshold.Thresholds == b.Threshold.Thresholds &&
		a.Threshold.Trim == b.Threshold.Trim && a.Threshold.Grid == b.Threshold.Grid && a.Threshold.Reps == b.Threshold.Reps &&
		a.Threshold.Seed == b.Threshold.Seed && a.Threshold.Level == b.Threshold.Level &&
		a.Threshold.Select == b.Threshold.Select && a.Threshold.Convention == b.Threshold.Convention
}

func TestParseSpecErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown key", "outcome: y\ncontrol: [a]\n", `line 2: unknown key "control"`},
		{"unknown nested key", "threshold:\n  reps: 10\n", `unknown key "reps"`},
		{"wrong type", "controls: {a: b}\n", "line 1: a mapping of keys is not a list"},
		{"list for a number", "threshold:\n  trim: [0.1]\n", "is not a number"},
		{"list for a section", "digital: [a]\n", "is not a mapping of keys"},
		{"text for a switch", "period_effects: maybe\n", `"maybe" is not true or false`},
		{"empty outcome", "outcome: ''\n", "outcome is empty"},
		{"duplicate variable", "controls: [lnpgdp, lndig]\n", "must be distinct"},
		{"mediator among controls", "mediators: [lnpgdp]\n", "must be distinct"},
		{"outcome among controls", "controls: [lnpgdp, 2*lncie]\n", `"2*lncie" contains the outcome "lncie" and would fit it exactly`},
		{"outcome as mediator", "mediators: [lncie^2]\n", `"lncie^2" contains the outcome`},
		{"outcome as threshold variable", "threshold:\n  variables: [lndig, lncie]\n", `"lncie" contains the outcome "lncie" and would split the threshold models' regimes on it`},
		{"outcome as threshold regressor", "threshold:\n  regressor: lncie/100\n", `"lncie/100" contains the outcome`},
		{"spaces in a term", "controls: [L. lnpgdp]\n", `as "L.lnpgdp"`},
		{"bad term", "controls: [2x]\n", `variable "2x"`},
		{"split", "split: median\n", `split "median"`},
		{"rule", "digital:\n  rule: pca\n", `digital.rule "pca"`},
		{"scale", "digital:\n  scale: 0\n", "scale 0 must be"},
		{"factor", "carbon:\n  sources: [{name: coal, factor: -1}]\n", `source "coal"`},
		{"mediation reps", "mediation:\n  reps: 1\n", "1 replications"},
		{"region labels", "region:\n  labels: [east, east]\n", "region.labels"},
		{"four thresholds", "threshold:\n  thresholds: 4\n", "outside 1..3"},
		{"trim", "threshold:\n  trim: 0.5\n", "trim 0.5"},
		{"no bootstrap", "threshold:\n  bs: 0\n", "needs the tests"},
		{"select", "threshold:\n  select: 1\n", "select 1"},
		{"threshold level 1%", "threshold:\n  level: 0.01\n", "threshold.level: confidence level 0.01: give a percent between 10 and 99.99 (95) or a fraction"},
		{"threshold level 0", "threshold:\n  level: 0\n", "threshold.level: confidence level 0: give a percent"},
		{"mediation level 100", "mediation:\n  level: 100\n", "mediation.level: confidence level 100: give a percent"},
		{"convention", "threshold:\n  convention: matlab\n", "convention"},
		{"vce", "threshold:\n  vce: white\n", `threshold.vce "white" is not conventional, robust or cluster`},
		{"vce in capitals", "threshold:\n  vce: Cluster\n", `threshold.vce "Cluster" is not conventional, robust or cluster`},
		{"no threshold variable", "threshold:\n  variables: []\n", "at least one"},
		{"fractional thresholds", "threshold:\n  thresholds: 2.5\n", `line 2: threshold.thresholds: "2.5" is not an integer`},
		{"exponent for replications", "mediation:\n  reps: 1e3\n", `mediation.reps: "1e3" is not an integer`},
		{"hexadecimal grid", "threshold:\n  grid: 0x10\n", `threshold.grid: "0x10" is not an integer`},
		{"fractional seed", "threshold: &t\n  seed: 1.0\n", `threshold.seed: "1.0" is not an integer`},
		{"quoted bs", "threshold:\n  bs: '300'\n", `threshold.bs: "300" is not an integer`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpec(strings.NewReader(c.yaml))
			if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want ErrSpec mentioning %q", err, c.want)
			}
			if strings.Contains(err.Error(), "paper.") || strings.Contains(err.Error(), "[]string") {
				t.Errorf("error %v names a Go type", err)
			}
		})
	}
}
