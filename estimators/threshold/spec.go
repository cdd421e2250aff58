package threshold

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/thresher/thresher/estimators/panel"
)

// ErrSpec reports an invalid model specification.
var ErrSpec = errors.New("invalid specification")

// Residuals selects the residuals the bootstrap resamples.
type Residuals int

const (
	// NullResiduals resamples the residuals of the null model (k-1
	// thresholds), as Hansen's GAUSS, MATLAB and R programs do. Default.
	NullResiduals Residuals = iota
	// AlternativeResiduals resamples the residuals of the alternative model
	// (k thresholds), as the text of Hansen (1999, §5.2) and Wang (2015, §2.2)
	// describe. y* is built from the null model's fitted values either way.
	AlternativeResiduals
)

// ParseResiduals parses "null" or "alternative".
func ParseResiduals(s string) (Residuals, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "null", "h0":
		return NullResiduals, nil
	case "alternative", "alt", "h1":
		return AlternativeResiduals, nil
	}
	return 0, fmt.Errorf("%w: unknown residuals %q (want null or alternative)", ErrSpec, s)
}

func (r Residuals) String() string {
	if r == AlternativeResiduals {
		return "alternative"
	}
	return "null"
}

// Grid selects the candidate thresholds. Points == 0 means every distinct
// value of the threshold variable inside the trim (the exact search).
type Grid struct {
	Points int
}

// ParseGrid parses "all" or a number of grid points.
func ParseGrid(s string) (Grid, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "all") || strings.EqualFold(s, "exact") {
		return Grid{}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 2 {
		return Grid{}, fmt.Errorf("%w: grid %q must be \"all\" or an integer >= 2", ErrSpec, s)
	}
	return Grid{Points: n}, nil
}

func (g Grid) String() string {
	if g.Points == 0 {
		return "all"
	}
	return strconv.Itoa(g.Points)
}

// Spec is a panel threshold model and the inference to run on it.
type Spec struct {
	Convention Convention
	// ID and Time name the unit and period columns.
	ID, Time string
	// Depvar, Indep, Rx and Qx are variable-list terms (see package panel):
	// dependent variable, regime-independent regressors (xthreg indepvars),
	// regime-dependent regressors (rx) and the threshold variable (qx).
	Depvar string
	Indep  []string
	Rx     []string
	Qx     string
	// Thresholds is the number K >= 1 of thresholds.
	Thresholds int
	Grid       Grid
	// Trim holds one trimming proportion per stage, each in (0, 0.5).
	Trim []float64
	// Reps holds the bootstrap replications of each stage (0: no test).
	Reps []int
	// Level is the confidence level of the threshold intervals, in (0, 1).
	Level float64
	// Seed keys the bootstrap streams.
	Seed uint64
	// Given, when set, fixes the thresholds (xthreg's thgiven), in the
	// order the stages add them: stage k uses Given[:k].
	Given     []float64
	Residuals Residuals
	// Bootstrap selects the residual (Hansen) or wild cluster bootstrap;
	// Prepare resolves AutoBootstrap from the panel's balance.
	Bootstrap BootstrapKind
	// KeepDraws adds every stage's bootstrap statistics F* to the result
	// (to plot their distribution).
	KeepDraws bool
	// MissingError makes a missing value in a used column an error;
	// otherwise its observation is dropped (listwise, Stata's rule).
	MissingError bool
	// VCE selects the errors of the inference: Conventional keeps Hansen's
	// tests and confidence sets; Robust and Cluster test with the wild
	// cluster bootstrap and scale the LR sets by eta^2 (Hansen 2000;
	// docs/threshold-model.md §11).
	VCE VCE
	// BootstrapRefine repeats the stage-2 refinement in every bootstrap
	// replication of stages 3 and later (docs/threshold-model.md §7.2).
	BootstrapRefine bool
}

// Limits that keep a single request from exhausting memory: replications
// and grid points each cost a float64 slot per stage on the coordinator.
const (
	MaxThresholds = 64
	MaxReps       = 10_000_000
	MaxGridPoints = 10_000_000
)

// The range of a confidence level in percent, as Stata's level option takes
// it; LevelFraction states the rule every command, file and the job API
// follow.
const (
	MinLevelPercent = 10
	MaxLevelPercent = 99.99
)

// defaultLevel is the confidence level of a Spec that leaves it 0.
const defaultLevel = 0.95

// LevelFraction reads a confidence level as every command, specification
// file and the job API take it: a percent between MinLevelPercent and
// MaxLevelPercent (95, as Stata's level), or the same level as a fraction
// between MinLevelPercent/100 and MaxLevelPercent/100 (0.95). Anything else,
// 0 included, is an error (not an ErrSpec: callers wrap it with their
// context): there is no silent default. It returns the
// fraction, which is the decimal of a percent with its point moved two
// places (99.9 gives 0.999 exactly as that literal, not 99.9/100 =
// 0.9990000000000001), so that a result echoes the level as given.
func LevelFraction(v float64) (float64, error) {
	switch {
	case v >= MinLevelPercent && v <= MaxLevelPercent:
		return strconv.ParseFloat(strconv.FormatFloat(v, 'f', -1, 64)+"e-2", 64)
	case v >= MinLevelPercent/100.0 && v <= MaxLevelPercent/100.0:
		return v, nil
	}
	return 0, fmt.Errorf("confidence level %v: give a percent between %v and %v (95) or a fraction between %v and %v (0.95)",
		v, MinLevelPercent, MaxLevelPercent, MinLevelPercent/100.0, MaxLevelPercent/100.0)
}

// Normalize fills defaults, broadcasts a single trim or replication count to
// every stage, and checks the specification.
func (s *Spec) Normalize() error {
	_, err := s.normalize()
	return err
}

// normalize is Normalize, returning the parsed variable lists in the order
// y, indep, rx, qx.
func (s *Spec) normalize() ([]panel.Term, error) {
	if err := s.checkOptions(); err != nil {
		return nil, err
	}
	terms, err := parseTerms(*s)
	if err != nil {
		return nil, err
	}
	return terms, s.checkDepvar(terms)
}

// Schema returns the columns Prepare reads and how: the unit and time
// columns and those of the variable lists. A table read for it with
// panel.ReadSchema prepares as the file's whole text does.
func (s Spec) Schema() panel.Schema {
	terms, _ := s.normalize() // an error is Prepare's to report
	return panel.SchemaOf(panel.Layout{ID: s.ID, Time: s.Time}, terms)
}

// checkDepvar refuses a regressor or threshold variable that contains the
// dependent variable (y, 2*y, y^2, y*x for y): the model would fit y by
// construction and report an RSS of 0 with meaningless statistics, or split
// the sample on y itself. Lags of y are other periods and legitimate dynamic
// regressors.
func (s *Spec) checkDepvar(terms []panel.Term) error {
	dep := terms[0]
	for i, t := range terms[1:] {
		if !dep.Overlaps(t) {
			continue
		}
		option, effect := "qx", "would split the regimes on it"
		switch {
		case i < len(s.Indep):
			option, effect = "indep", "would fit it exactly"
		case i < len(s.Indep)+len(s.Rx):
			option, effect = "rx", "would fit it exactly"
		}
		return fmt.Errorf("%w: %s term %q contains the dependent variable %q and %s; remove it (lags such as L.%s are allowed)",
			ErrSpec, option, t.Name, dep.Name, effect, dep.Refs()[0].Column)
	}
	return nil
}

// laggedDepvar warns about each regressor that reads a lag of the
// dependent variable: in a static fixed-effect model the within
// transformation correlates it with the error, and its slope is biased by
// O(1/T) (Nickell 1981).
func (s *Spec) laggedDepvar(terms []panel.Term) []string {
	dep := map[string]bool{}
	for _, r := range terms[0].Refs() {
		dep[r.Column] = true
	}
	var warnings []string
	for _, t := range terms[1 : 1+len(s.Indep)+len(s.Rx)] {
		if slices.ContainsFunc(t.Refs(), func(r panel.Ref) bool { return dep[r.Column] && r.Lag > 0 }) {
			warnings = append(warnings, fmt.Sprintf("regressor %q is a lag of the dependent variable %q: in this static "+
				"fixed-effect model its slope and the others are biased (Nickell bias, O(1/T)); "+
				"thresher xthenreg estimates the dynamic model", t.Name, terms[0].Name))
		}
	}
	return warnings
}

// checkOptions checks and fills everything but the variable lists.
func (s *Spec) checkOptions() error {
	if s.Thresholds < 1 || s.Thresholds > MaxThresholds {
		return fmt.Errorf("%w: the number of thresholds must be between 1 and %d, not %d", ErrSpec, MaxThresholds, s.Thresholds)
	}
	if s.Grid.Points > MaxGridPoints {
		return fmt.Errorf("%w: %d grid points exceed the limit of %d", ErrSpec, s.Grid.Points, MaxGridPoints)
	}
	if s.ID == "" || s.Time == "" {
		return fmt.Errorf("%w: the unit (--id) and time (--time) columns are required", ErrSpec)
	}
	if s.Depvar == "" || s.Qx == "" || len(s.Rx) == 0 {
		return fmt.Errorf("%w: a dependent variable, at least one regime-dependent regressor (rx) and a threshold variable (qx) are required", ErrSpec)
	}
	k := s.Thresholds
	var err error
	if s.Trim, err = perStage("trim", s.Trim, k, 0.01); err != nil {
		return err
	}
	for i, t := range s.Trim {
		if !(t > 0 && t < 0.5) {
			return fmt.Errorf("%w: trim %v for stage %d must lie strictly between 0 and 0.5", ErrSpec, t, i+1)
		}
	}
	if s.Reps, err = perStage("bootstrap replications", s.Reps, k, 300); err != nil {
		return err
	}
	for i, b := range s.Reps {
		if b < 0 || b > MaxReps {
			return fmt.Errorf("%w: bootstrap replications %d for stage %d must be between 0 and %d", ErrSpec, b, i+1, MaxReps)
		}
	}
	if s.Grid.Points < 0 || s.Grid.Points == 1 {
		return fmt.Errorf("%w: a grid needs 0 (every distinct value) or at least 2 points, not %d", ErrSpec, s.Grid.Points)
	}
	if s.Level == 0 {
		s.Level = defaultLevel
	}
	if !(s.Level >= MinLevelPercent/100.0 && s.Level <= MaxLevelPercent/100.0) {
		return fmt.Errorf("%w: confidence level %v must lie between %v and %v (a fraction: 0.95)", ErrSpec, s.Level, MinLevelPercent/100.0, MaxLevelPercent/100.0)
	}
	if s.Given != nil && len(s.Given) != k {
		return fmt.Errorf("%w: %d given thresholds for %d thresholds (give one per stage)", ErrSpec, len(s.Given), k)
	}
	for i, g := range s.Given {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return fmt.Errorf("%w: given threshold %v is not finite", ErrSpec, g)
		}
		if j := slices.Index(s.Given[:i], g); j >= 0 {
			return fmt.Errorf("%w: given thresholds %d and %d are both %v", ErrSpec, j+1, i+1, g)
		}
	}
	return s.checkRobust()
}

// checkRobust checks the options of robust inference and of the refined
// bootstrap against the others.
func (s *Spec) checkRobust() error {
	if s.VCE != Conventional && s.Bootstrap == ResidualBootstrap {
		return fmt.Errorf("%w: vce %s tests with the wild cluster bootstrap, which keeps each unit's residuals with its regressors; "+
			"the residual bootstrap moves them to other units: drop bootstrap residual or use vce conventional", ErrSpec, s.VCE)
	}
	if !s.BootstrapRefine {
		return nil
	}
	if s.Thresholds < 3 {
		return fmt.Errorf("%w: bootstrap refine changes only the tests of stages 3 and later; it needs at least 3 thresholds, not %d", ErrSpec, s.Thresholds)
	}
	if s.Given != nil {
		return fmt.Errorf("%w: bootstrap refine repeats the refinement of searched thresholds; with given thresholds nothing is refined", ErrSpec)
	}
	return nil
}

// perStage broadcasts one value to k stages, fills a default when empty and
// rejects other lengths.
func perStage[T any](what string, v []T, k int, def T) ([]T, error) {
	switch len(v) {
	case 0:
		v = []T{def}
		fallthrough
	case 1:
		out := make([]T, k)
		for i := range out {
			out[i] = v[0]
		}
		return out, nil
	case k:
		return v, nil
	}
	return nil, fmt.Errorf("%w: %d values of %s for %d thresholds (give one, or one per threshold)", ErrSpec, len(v), what, k)
}
