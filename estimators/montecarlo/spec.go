package montecarlo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/thresher/thresher/estimators/dgp"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/threshold"
)

// ErrSpec reports an invalid study.
var ErrSpec = errors.New("invalid Monte Carlo study")

// StudyVersion is the version of Study's encoding.
const StudyVersion = 1

// Limits that keep one study from exhausting the coordinator: a record per
// replication and design is held in memory and checkpointed.
const (
	MaxReplications = 1_000_000
	MaxDesigns      = 1_000
	MaxEstimators   = 64
)

// Study is a Monte Carlo study as the user writes it (docs/montecarlo.md):
// designs, estimators, replications and a seed. Its canonical JSON encoding
// (Encode) is the specification a cluster carries.
type Study struct {
	// Version is StudyVersion; Encode sets it.
	Version int `json:"version"`
	// Designs are data-generating processes (package dgp); a design that
	// lists parameters as a grid stands for every combination.
	Designs []dgp.Design `json:"designs"`
	// Estimators are xthreg configurations, all run on every replication's
	// panel.
	Estimators   []Estimator `json:"estimators"`
	Replications int         `json:"replications"`
	Seed         uint64      `json:"seed"`
}

// Estimator is one configuration of `thresher xthreg` in a study; empty
// fields take xthreg's defaults.
type Estimator struct {
	// Label names the estimator in the summary (default: its convention,
	// grid and number of thresholds).
	Label string `json:"label"`
	// Convention is "xthreg" or "hansen".
	Convention string `json:"convention"`
	// Grid is the number of grid points; 0 searches every distinct value.
	Grid int `json:"grid"`
	// Trim holds one trimming proportion, or one per stage.
	Trim Trims `json:"trim"`
	// Thnum is the number of thresholds (stages) K, 1 by default.
	Thnum *int `json:"thnum"`
	// Bootstrap is "auto", "residual" or a wild bootstrap (see xthreg).
	Bootstrap string `json:"bootstrap"`
	// BS is the number of bootstrap replications of every stage, 300 by
	// default (0: no test).
	BS *int `json:"bs"`
	// Level is the confidence level of the threshold intervals, in percent
	// (95) or as a fraction (0.95).
	Level *float64 `json:"level"`
}

// Trims are trimming proportions, one per stage or one for all; in JSON a
// list or, as in a sweep file, a single number.
type Trims []float64

// UnmarshalJSON accepts null, a number or a list of numbers.
func (t *Trims) UnmarshalJSON(raw []byte) error {
	if string(bytes.TrimSpace(raw)) == "null" {
		*t = nil
		return nil
	}
	var one float64
	if err := json.Unmarshal(raw, &one); err == nil {
		*t = Trims{one}
		return nil
	}
	var list []float64
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("trim: want a number or a list of numbers, not %s", raw)
	}
	*t = list
	return nil
}

// Encode returns the canonical JSON encoding of the study, at StudyVersion.
func (s Study) Encode() []byte {
	s.Version = StudyVersion
	raw, err := model.EncodeCanonical(s)
	if err != nil {
		// Only NaN or infinite numbers fail, and JSON cannot carry them.
		panic(fmt.Sprintf("montecarlo: encoding a study: %v", err))
	}
	return raw
}

// DecodeStudy decodes a study's JSON strictly (unknown fields are errors)
// and validates it.
func DecodeStudy(raw []byte) (*Study, error) {
	p, err := decodePlan(raw)
	if err != nil {
		return nil, err
	}
	return &p.study, nil
}

// decodePlan decodes a study's JSON strictly and plans it.
func decodePlan(raw []byte) (*plan, error) {
	var s Study
	if err := model.DecodeConfig(raw, &s, &s.Version, StudyVersion, "study"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	return s.plan()
}

// plan is a validated study: its expanded designs and its estimators'
// threshold configurations.
type plan struct {
	study   Study
	designs []dgp.Design
	configs []threshold.Config
	labels  []string
}

// plan validates the study and expands its designs.
func (s Study) plan() (*plan, error) {
	switch {
	case s.Replications < 1 || s.Replications > MaxReplications:
		return nil, fmt.Errorf("%w: replications %d must be between 1 and %d", ErrSpec, s.Replications, MaxReplications)
	case len(s.Designs) == 0:
		return nil, fmt.Errorf("%w: no designs", ErrSpec)
	case len(s.Estimators) == 0:
		return nil, fmt.Errorf("%w: no estimators", ErrSpec)
	case len(s.Estimators) > MaxEstimators:
		return nil, fmt.Errorf("%w: %d estimators exceed the limit of %d", ErrSpec, len(s.Estimators), MaxEstimators)
	}
	designs, err := dgp.Expand(s.Designs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	if len(designs) > MaxDesigns {
		return nil, fmt.Errorf("%w: %d designs after expanding the grids exceed the limit of %d", ErrSpec, len(designs), MaxDesigns)
	}
	p := &plan{study: s, designs: designs}
	for i, e := range s.Estimators {
		c, err := e.config()
		if err != nil {
			return nil, fmt.Errorf("%w: estimator %d: %w", ErrSpec, i+1, err)
		}
		label := e.Label
		if label == "" {
			label = e.defaultLabel(c)
		}
		p.configs, p.labels = append(p.configs, c), append(p.labels, label)
	}
	if err := model.CheckLabels("estimators", p.labels); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	return p, nil
}

// defaultLabel names an estimator without a label by its convention, grid
// and number of thresholds, and its bootstrap and replications when given.
func (e Estimator) defaultLabel(c threshold.Config) string {
	label := fmt.Sprintf("%s grid %s K=%d", c.Convention, c.Grid, c.Thnum)
	if e.Bootstrap != "" {
		label += " " + e.Bootstrap
	}
	if e.BS != nil {
		label += fmt.Sprintf(" B=%d", *e.BS)
	}
	return label
}

// config returns the estimator's threshold configuration, its variables
// left to the design, checked as xthreg checks its flags.
func (e Estimator) config() (threshold.Config, error) {
	c := threshold.DefaultConfig
	if e.Convention != "" {
		c.Convention = e.Convention
	}
	if e.Grid != 0 {
		c.Grid = strconv.Itoa(e.Grid)
	}
	if e.Thnum != nil {
		if k := *e.Thnum; k < 1 || k > threshold.MaxThresholds {
			return c, fmt.Errorf("thnum: %d is outside 1..%d", k, threshold.MaxThresholds)
		}
		c.Thnum = *e.Thnum
	}
	if e.Bootstrap != "" {
		c.Bootstrap = e.Bootstrap
	}
	if e.Level != nil {
		if _, err := threshold.LevelFraction(*e.Level); err != nil {
			return c, fmt.Errorf("level: %w", err)
		}
		c.Level = *e.Level
	}
	c.Trim = e.Trim
	if e.BS != nil {
		c.Bs = []int{*e.BS}
	}
	// The variables are placeholders here: every design supplies its own.
	probe := c
	probe.Depvar, probe.Rx, probe.Qx = "y", []string{"x"}, "q"
	s, _, err := probe.Spec()
	if err == nil {
		err = s.Normalize()
	}
	return c, err
}

// DesignCount returns the number of designs after expanding the grids.
func (s Study) DesignCount() (int, error) {
	d, err := dgp.Expand(s.Designs)
	return len(d), err
}
