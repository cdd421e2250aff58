package paper

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/shortlist"
)

// ThresholdModels are Table 6's threshold models and the data they run on.
type ThresholdModels struct {
	// CSV is the analysis data; Table is CSV parsed. Period effects are
	// the factor variable i.<time> among the regime-independent
	// regressors: a dummy for every period of the estimation sample but
	// its first (with lags of up to L periods, the first at least L
	// periods after the data's first).
	CSV   []byte
	Table *panel.Table
	// Specs holds one model per threshold variable, in the specification's
	// order. Each keeps its bootstrap draws (for plots).
	Specs []threshold.Spec
}

// PrepareThresholds returns the threshold models of the specification: the
// outcome on the regime-dependent regressor, with the controls and the
// period effects (i.<time>) as regime-independent regressors and unit
// fixed effects.
// A Spec with CSV is what a cluster needs to run a model.
func PrepareThresholds(ds *Dataset, spec Spec) (*ThresholdModels, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	names := ds.Table.Columns()
	var cells [][]string
	for _, name := range names {
		v, _ := ds.Table.Strings(name) // names come from the table
		cells = append(cells, v)
	}
	indep := slices.Clone(spec.Controls)
	if spec.PeriodEffects {
		// A dummy for every period of the estimation sample but its first
		// (package panel's factor variables).
		period := "i." + spec.Time
		if slices.Contains(indep, period) {
			return nil, fmt.Errorf("paper: %w: the controls include %s, which period effects add", ErrSpec, period)
		}
		indep = append(indep, period)
	}
	data, err := encodeCSV(names, cells)
	if err != nil {
		return nil, fmt.Errorf("paper: %w", err)
	}
	table, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("paper: threshold data: %w", err)
	}
	conv, _ := threshold.ParseConvention(spec.Threshold.Convention) // Validate parsed both
	vce, _ := spec.Threshold.vce()
	th := spec.Threshold
	m := &ThresholdModels{CSV: data, Table: table}
	for _, q := range th.Variables {
		s := threshold.Spec{Convention: conv, ID: spec.Unit, Time: spec.Time, Depvar: spec.Outcome, Indep: slices.Clone(indep),
			Rx: []string{spec.regressor()}, Qx: q, Thresholds: th.Thresholds, Grid: threshold.Grid{Points: th.Grid},
			Trim: []float64{th.Trim}, Reps: []int{th.Reps}, Level: th.Level, Seed: th.Seed, KeepDraws: true, VCE: vce}
		if err := s.Normalize(); err != nil {
			return nil, fmt.Errorf("paper: threshold model of %s: %w", q, err)
		}
		m.Specs = append(m.Specs, s)
	}
	return m, nil
}

// EstimateThresholds runs every model, bootstrap included, in this process.
func EstimateThresholds(m *ThresholdModels, opts threshold.Options) ([]*threshold.Result, error) {
	var out []*threshold.Result
	for _, s := range m.Specs {
		p, err := threshold.Prepare(m.Table, s)
		if err != nil {
			return nil, fmt.Errorf("paper: threshold model of %s: %w", s.Qx, err)
		}
		res, err := p.Estimate(opts)
		if err != nil {
			return nil, fmt.Errorf("paper: threshold model of %s: %w", s.Qx, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// ThresholdTable is Table 6: one threshold model per threshold variable.
type ThresholdTable struct {
	// Name is the file stem ("table6"), Title the caption.
	Name   string           `json:"-"`
	Title  string           `json:"-"`
	Notes  []string         `json:"-"`
	Models []ThresholdModel `json:"models"`
}

// ThresholdModel is the chosen model of one threshold variable.
type ThresholdModel struct {
	Qx        string `json:"qx"`
	Depvar    string `json:"depvar"`
	Regressor string `json:"regressor"`
	N         int    `json:"n"`
	Units     int    `json:"n_units"`
	// Chosen is the number of thresholds the sequential tests keep.
	Chosen int             `json:"thresholds_chosen"`
	Tests  []ThresholdTest `json:"tests"`
	// Thresholds are the chosen model's thresholds, increasing, with their
	// LR confidence sets.
	Thresholds []threshold.Interval `json:"thresholds"`
	// Regimes are the regressor's slopes in the Chosen+1 regimes, empty
	// when no threshold is kept (the linear model of Table 3 applies).
	Regimes []Regime `json:"regimes"`
	// R2Within is the chosen model's within R^2, null without thresholds.
	R2Within *float64 `json:"r2_within"`
}

// ThresholdTest is the bootstrap test of k against k-1 thresholds.
type ThresholdTest struct {
	K      int     `json:"k"`
	F      float64 `json:"f_stat"`
	P      float64 `json:"p_value"`
	Reps   int     `json:"reps"`
	Crit10 float64 `json:"crit10"`
	Crit5  float64 `json:"crit5"`
	Crit1  float64 `json:"crit1"`
}

// Regime is the regressor's slope in one regime, with the unit-clustered
// standard error and Student's t p-value (G - 1 degrees of freedom).
type Regime struct {
	Label string `json:"label"`
	Coefficient
}

// Table6 builds Table 6 from one threshold result per threshold variable
// (in any order). The number of thresholds is chosen sequentially: stage k
// is kept while it and every stage before it have a bootstrap p-value below
// Spec.Threshold.Select; the table reports the model with that many
// thresholds.
func Table6(results []*threshold.Result, spec Spec) (*ThresholdTable, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	byQx := map[string]*threshold.Result{}
	for _, r := range results {
		m := r.Model
		if !slices.Contains(spec.Threshold.Variables, m.Qx) || byQx[m.Qx] != nil || m.Depvar != spec.Outcome ||
			!slices.Equal(m.Rx, []string{spec.regressor()}) {
			return nil, fmt.Errorf("paper: table 6: %w: a model of %s on %s with threshold variable %s is not one of the "+
				"specification's, or is given twice", ErrResults, m.Depvar, shortlist.Join(m.Rx), m.Qx)
		}
		byQx[m.Qx] = r
	}
	t := &ThresholdTable{Name: "table6", Title: "Table 6. Threshold models"}
	for _, q := range spec.Threshold.Variables {
		r, ok := byQx[q]
		if !ok {
			return nil, fmt.Errorf("paper: table 6: %w: no result for the threshold variable %s", ErrResults, q)
		}
		m, err := thresholdModel(r, spec.Threshold.Select)
		if err != nil {
			return nil, fmt.Errorf("paper: table 6, threshold variable %s: %w", q, err)
		}
		t.Models = append(t.Models, m)
	}
	t.Notes = thresholdNotes(spec, t.Models)
	return t, nil
}

// thresholdModel selects the number of thresholds of one result and
// reports that model.
func thresholdModel(r *threshold.Result, alpha float64) (ThresholdModel, error) {
	m := ThresholdModel{Qx: r.Model.Qx, Depvar: r.Model.Depvar, Regressor: r.Model.Rx[0], N: r.NObsUsed,
		Units: r.NUnits, Tests: []ThresholdTest{}, Thresholds: []threshold.Interval{}, Regimes: []Regime{}}
	selecting := true
	for _, st := range r.Stages {
		b := st.Bootstrap
		if b == nil {
			return m, fmt.Errorf("%w: stage %d has no bootstrap test", ErrResults, st.K)
		}
		m.Tests = append(m.Tests, ThresholdTest{K: st.K, F: st.FStat, P: b.PValue, Reps: b.Reps,
			Crit10: b.Crit10, Crit5: b.Crit5, Crit1: b.Crit1})
		selecting = selecting && b.PValue < alpha
		if selecting {
			m.Chosen = st.K
		}
	}
	if m.Chosen == 0 {
		return m, nil
	}
	intervals := map[float64]threshold.Interval{}
	for _, st := range r.Stages[:m.Chosen] {
		for _, iv := range st.Intervals {
			intervals[iv.Threshold] = iv
		}
	}
	st := r.Stages[m.Chosen-1]
	for _, g := range st.Thresholds {
		iv, ok := intervals[g]
		if !ok {
			return m, fmt.Errorf("%w: no confidence set for the threshold %v", ErrResults, g)
		}
		m.Thresholds = append(m.Thresholds, iv)
	}
	df := float64(r.NUnits - 1)
	for _, c := range st.Coefficients {
		if c.Regime == nil || c.Name != m.Regressor {
			continue
		}
		if !(c.SECluster > 0) || df < 1 {
			return m, fmt.Errorf("%w: the clustered standard error of %s in regime %d is %v with %v degrees of freedom",
				ErrResults, c.Name, *c.Regime+1, c.SECluster, df)
		}
		p := 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(-math.Abs(c.Estimate/c.SECluster))
		m.Regimes = append(m.Regimes, Regime{Label: st.Regimes[*c.Regime],
			Coefficient: Coefficient{Name: c.Name, Estimate: c.Estimate, SE: c.SECluster, P: p}})
	}
	r2 := st.R2Within
	m.R2Within = &r2
	return m, nil
}

// robustNote names the robust inference of vce in Table 6's notes.
func robustNote(vce string) string {
	if vce == threshold.Conventional.String() {
		return ""
	}
	return fmt.Sprintf("; wild cluster bootstrap robust to heteroskedasticity, vce %s, with Hansen's (2000) eta^2-scaled confidence sets", vce)
}

// thresholdNotes are the notes under Table 6.
func thresholdNotes(spec Spec, models []ThresholdModel) []string {
	th := spec.Threshold
	effects := spec.Unit + " fixed effects"
	if spec.PeriodEffects {
		effects += " and " + spec.Time + " dummies"
	}
	controls := "there are no controls"
	if len(spec.Controls) > 0 {
		controls = "the controls " + strings.Join(spec.Controls, ", ") + " are regime-independent"
	}
	notes := []string{
		fmt.Sprintf("Panel threshold models (Hansen 1999; %s convention) of %s with %s: the slope of %s depends on the regime "+
			"of the threshold variable; %s.", th.Convention, spec.Outcome, effects, spec.regressor(), controls),
		fmt.Sprintf("F tests k against k-1 thresholds, bootstrap p-values in parentheses (%d replications%s). The number of "+
			"thresholds is the largest k whose test and every earlier test have p < %g.", th.Reps, robustNote(th.VCE), th.Select),
		fmt.Sprintf("Thresholds with their %s%% likelihood-ratio confidence sets in brackets. Slopes with standard errors "+
			"clustered by %s in parentheses.", threshold.LevelPercent(th.Level), spec.Unit),
		starNote,
	}
	for _, m := range models {
		if len(m.Regimes) == 0 {
			notes = append(notes, fmt.Sprintf("%s: no threshold is significant; the linear model applies.", m.Qx))
			continue
		}
		note := m.Qx + ":"
		for i, reg := range m.Regimes {
			note += fmt.Sprintf(" regime %d is %s;", i+1, reg.Label)
		}
		notes = append(notes, note[:len(note)-1]+".")
	}
	return notes
}
