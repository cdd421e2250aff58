package threshold

import (
	"fmt"
	"slices"

	"github.com/thresher/thresher/estimators/model"
)

// ConfigVersion is the version of Config's encoding.
const ConfigVersion = 1

// Config is a threshold model as the user writes it: the fields of
// `thresher xthreg`'s flags and of a sweep file's entries, and, encoded as
// JSON by Encode, the specification a cluster carries. Spec parses it.
type Config struct {
	// Version is ConfigVersion; Encode sets it.
	Version int       `json:"version"`
	ID      string    `json:"id"`
	Time    string    `json:"time"`
	Depvar  string    `json:"depvar"`
	Indep   []string  `json:"indep"`
	Rx      []string  `json:"rx"`
	Qx      string    `json:"qx"`
	Thnum   int       `json:"thnum"`
	Grid    string    `json:"grid"`
	Trim    []float64 `json:"trim"`
	Bs      []int     `json:"bs"`
	// Level is in percent (95) or a fraction (0.95): LevelFraction's rule;
	// 0 is refused. Trim and Bs left out (null) take their defaults, 0.01
	// and 300; an empty list is refused.
	Level      float64   `json:"level"`
	Seed       uint64    `json:"seed"`
	Convention string    `json:"convention"`
	Residuals  string    `json:"residuals"`
	Thresholds []float64 `json:"thresholds"`
	Algorithm  string    `json:"algorithm"`
	Bootstrap  string    `json:"bootstrap"`
	SaveDraws  bool      `json:"save_draws"`
	// FE is "unit" (the default) or "twoway", which adds i.<Time> to Indep.
	FE string `json:"fe,omitempty"`
	// Missing is "drop" (the default: listwise deletion) or "error".
	Missing string `json:"missing,omitempty"`
	// VCE is conventional, robust or cluster (Spec.VCE).
	VCE             string `json:"vce"`
	BootstrapRefine bool   `json:"bootstrap_refine"`
}

// DefaultConfig holds the default of every field.
var DefaultConfig = Config{ID: "id", Time: "year", Thnum: 1, Grid: "all", Level: 95, Seed: 1,
	Convention: "xthreg", Residuals: "null", Algorithm: "fast", Bootstrap: "auto", VCE: "conventional"}

// Spec parses the configuration into a model specification and its kernel;
// Prepare checks the rest against the data.
func (c Config) Spec() (Spec, Algorithm, error) {
	var s Spec
	var err error
	if s.Convention, err = ParseConvention(c.Convention); err != nil {
		return s, 0, err
	}
	if s.Grid, err = ParseGrid(c.Grid); err != nil {
		return s, 0, err
	}
	if s.Residuals, err = ParseResiduals(c.Residuals); err != nil {
		return s, 0, err
	}
	if s.Bootstrap, err = ParseBootstrap(c.Bootstrap); err != nil {
		return s, 0, err
	}
	if s.VCE, err = ParseVCE(c.VCE); err != nil {
		return s, 0, err
	}
	alg, err := ParseAlgorithm(c.Algorithm)
	if err != nil {
		return s, 0, err
	}
	s.ID, s.Time = c.ID, c.Time
	s.Depvar, s.Indep, s.Rx, s.Qx = c.Depvar, c.Indep, c.Rx, c.Qx
	s.Thresholds, s.Trim, s.Reps, s.Seed = c.Thnum, c.Trim, c.Bs, c.Seed
	if s.Level, err = LevelFraction(c.Level); err != nil {
		return s, 0, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	for _, l := range []struct {
		name  string
		empty bool
	}{{"trim", c.Trim != nil && len(c.Trim) == 0}, {"bs", c.Bs != nil && len(c.Bs) == 0}} {
		if l.empty {
			return s, 0, fmt.Errorf("%w: %s is an empty list: give a value, or leave it out for the default", ErrSpec, l.name)
		}
	}
	if len(c.Thresholds) > 0 {
		s.Given = c.Thresholds
	}
	s.KeepDraws, s.BootstrapRefine = c.SaveDraws, c.BootstrapRefine
	twoway, err := ParseFE(c.FE)
	if err != nil {
		return s, 0, err
	}
	if period := "i." + c.Time; twoway {
		if slices.Contains(c.Indep, period) {
			return s, 0, fmt.Errorf("%w: fe twoway adds %s to the regime-independent regressors; remove it from indep", ErrSpec, period)
		}
		s.Indep = append(slices.Clone(c.Indep), period)
	}
	if s.MissingError, err = ParseMissing(c.Missing); err != nil {
		return s, 0, err
	}
	return s, alg, nil
}

// ParseFE parses the fixed effects: "unit" (or "") or "twoway", which
// adds the period effects i.<time> to the regime-independent regressors.
func ParseFE(s string) (twoway bool, err error) {
	switch s {
	case "", "unit":
		return false, nil
	case "twoway":
		return true, nil
	}
	return false, fmt.Errorf("%w: unknown fe %q (want unit or twoway)", ErrSpec, s)
}

// ParseMissing parses the handling of missing values: "drop" (or "", the
// observation is dropped) or "error".
func ParseMissing(s string) (refuse bool, err error) {
	switch s {
	case "", "drop":
		return false, nil
	case "error":
		return true, nil
	}
	return false, fmt.Errorf("%w: unknown missing %q (want drop or error)", ErrSpec, s)
}

// missingName is the Missing of a specification.
func missingName(s Spec) string {
	if s.MissingError {
		return "error"
	}
	return ""
}

// ConfigOf returns the configuration of a specification and kernel:
// ConfigOf(s, alg).Spec() gives them back, with the default level in place
// of a level left 0 (a Config states its level).
func ConfigOf(s Spec, alg Algorithm) Config {
	level := s.Level
	if level == 0 {
		level = defaultLevel
	}
	return Config{ID: s.ID, Time: s.Time, Depvar: s.Depvar, Indep: s.Indep, Rx: s.Rx, Qx: s.Qx, Thnum: s.Thresholds,
		Grid: s.Grid.String(), Trim: s.Trim, Bs: s.Reps, Level: level, Seed: s.Seed, Convention: s.Convention.String(),
		Residuals: s.Residuals.String(), Thresholds: s.Given, Algorithm: alg.String(), Bootstrap: s.Bootstrap.String(),
		SaveDraws: s.KeepDraws, VCE: s.VCE.String(), BootstrapRefine: s.BootstrapRefine, Missing: missingName(s)}
}

// Encode returns the canonical JSON encoding of the configuration, at
// ConfigVersion.
func (c Config) Encode() []byte {
	c.Version = ConfigVersion
	raw, err := model.EncodeCanonical(c)
	if err != nil {
		// Only NaN or infinite trims, levels or thresholds fail, and
		// DecodeSpec cannot produce them from JSON.
		panic(fmt.Sprintf("threshold: encoding a configuration: %v", err))
	}
	return raw
}
