package threshold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/thresher/thresher/estimators/panel"
)

// Result is the complete output of a threshold model. Its JSON encoding is
// stable: no timings, host names or map iteration, so two runs with the same
// seed can be compared byte for byte.
type Result struct {
	Convention   string        `json:"convention"`
	NUnits       int           `json:"n_units"`
	NPeriods     int           `json:"n_periods"`
	NObsUsed     int           `json:"n_obs_used"`
	Balanced     bool          `json:"balanced"`
	DroppedUnits []string      `json:"dropped_units,omitempty"`
	Seed         uint64        `json:"seed"`
	LinearRSS    float64       `json:"linear_rss"`
	Stages       []StageResult `json:"stages"`
	Coefficients []Coefficient `json:"coefficients"`
	// Covariance of the final model's coefficients, in their order.
	Covariance *Covariance `json:"covariance"`
	// Warnings about the specification, e.g. a lagged dependent variable.
	Warnings []string `json:"warnings,omitempty"`
	// Notes about the data: R's row names skipped, a panel unbalanced by
	// dropping observations with missing values.
	Notes []string `json:"notes,omitempty"`
	// Dropped counts the observations dropped for missing values.
	Dropped *Dropped `json:"dropped,omitempty"`
	// Heteroskedasticity tests the final model's residuals when the
	// inference assumes homoskedastic errors (vce conventional).
	Heteroskedasticity *HeteroskedasticityTest `json:"heteroskedasticity,omitempty"`
	Model              Model                   `json:"model"`
}

// Dropped reports the observations dropped because a cell they need is
// missing (listwise deletion): in all, and per column (an observation
// missing several columns counts for each).
type Dropped struct {
	Rows     int                  `json:"rows"`
	ByColumn []panel.MissingCount `json:"by_column"`
	// GapRows counts the rows then dropped because a lag they need falls
	// in a gap of their unit's periods, such as one a dropped row left.
	GapRows int `json:"gap_rows,omitempty"`
}

// observations counts observations in words: "1 observation", "2 observations".
func observations(n int) string {
	if n == 1 {
		return "1 observation"
	}
	return fmt.Sprintf("%d observations", n)
}

// Model records the specification a result answers.
type Model struct {
	Depvar     string    `json:"depvar"`
	Indep      []string  `json:"indep"`
	Rx         []string  `json:"rx"`
	Qx         string    `json:"qx"`
	Thresholds int       `json:"thnum"`
	Grid       string    `json:"grid"`
	Candidates int       `json:"candidates"`
	Trim       []float64 `json:"trim"`
	Reps       []int     `json:"bs"`
	Level      float64   `json:"level"`
	Residuals  string    `json:"residuals"`
	Bootstrap  string    `json:"bootstrap"`
	Given      []float64 `json:"given,omitempty"`
	// VCE is robust or cluster under robust inference (omitted for the
	// default, conventional).
	VCE string `json:"vce,omitempty"`
	// BootstrapRefine says that replications repeat the refinement.
	BootstrapRefine bool `json:"bootstrap_refine,omitempty"`
}

// StageResult reports stage k: the model with k thresholds, its test
// against k-1 thresholds, and the intervals of the thresholds it estimated.
type StageResult struct {
	K          int               `json:"k"`
	Thresholds []float64         `json:"thresholds"` // sorted
	RSS        float64           `json:"rss"`
	Sigma2     float64           `json:"sigma2"`
	FStat      float64           `json:"f_stat"`
	Bootstrap  *BootstrapSummary `json:"bootstrap"`
	Intervals  []Interval        `json:"intervals"`
	LRCurves   []LRCurve         `json:"lr_curves"`
	NullRSS    float64           `json:"null_rss"`
	R2Within   float64           `json:"r2_within"`
	// Regimes describes the K+1 regimes, e.g. "0.0157 <= L.d < 0.53616".
	Regimes []string `json:"regimes"`
	// RegimeObs counts the observations used in each regime.
	RegimeObs []int `json:"regime_obs"`
	// Coefficients of the model with this stage's k thresholds.
	Coefficients []Coefficient `json:"coefficients"`
	// Header holds xtreg, fe's header statistics of this stage's model.
	Header *FEHeader `json:"header"`
	// EqualSlopes tests, per regime-dependent regressor, that its slopes
	// are equal across this stage's regimes.
	EqualSlopes []EqualSlopesTest `json:"equal_slopes"`
}

// Assemble combines point estimates and bootstrap statistics (stats[k-1]
// holds stage k's replications in replication order) into the result. Every
// stage must have exactly its specified number of replications.
func (p *Problem) Assemble(est *Estimates, stats [][]float64) (*Result, error) {
	return p.assemble(est, stats, assembly{bootstrap: true})
}

// AssemblePoint assembles the point estimates alone: every stage's
// bootstrap is null.
func (p *Problem) AssemblePoint(est *Estimates) (*Result, error) {
	return p.assemble(est, nil, assembly{})
}

// assembly says what assemble puts in a result.
type assembly struct {
	bootstrap bool // the stages' bootstrap summaries
	lean      bool // Options.Lean
}

func (p *Problem) assemble(est *Estimates, stats [][]float64, what assembly) (*Result, error) {
	s := p.spec
	res := &Result{
		Convention:   s.Convention.String(),
		NUnits:       len(p.units),
		NPeriods:     len(p.periods),
		NObsUsed:     p.tr.Rows(),
		Balanced:     p.unbalanced == nil,
		DroppedUnits: p.droppedUnits,
		Warnings:     p.warnings,
		Notes:        p.notes,
		Dropped:      p.dropped,
		Seed:         s.Seed,
		LinearRSS:    est.LinearRSS,
		Model: Model{Depvar: s.Depvar, Indep: s.Indep, Rx: s.Rx, Qx: s.Qx, Thresholds: s.Thresholds,
			Grid: s.Grid.String(), Candidates: len(p.grid.values), Trim: s.Trim, Reps: s.Reps,
			Level: s.Level, Residuals: s.Residuals.String(), Bootstrap: s.Bootstrap.String(), Given: p.given,
			BootstrapRefine: s.BootstrapRefine},
	}
	if s.VCE != Conventional {
		res.Model.VCE = s.VCE.String()
	}
	crit := LRCritical(s.Level)
	tss := dot(p.yT, p.yT)
	for k, st := range est.Stages {
		sr := StageResult{K: st.K, Thresholds: slices.Sorted(slices.Values(st.Thresholds)),
			RSS: st.RSS, Sigma2: st.Sigma2, FStat: st.F, NullRSS: st.NullRSS, LRCurves: st.Curves,
			R2Within: 1 - st.RSS/tss}
		for reg := 0; reg <= len(sr.Thresholds); reg++ {
			sr.Regimes = append(sr.Regimes, p.regimeLabel(sr.Thresholds, reg))
		}
		if s.VCE == Conventional {
			for _, c := range st.Curves {
				sr.Intervals = append(sr.Intervals, c.interval(crit))
			}
		} else {
			var err error
			if sr.Intervals, err = p.robustIntervals(st.Curves, st.Thresholds, crit); err != nil {
				return nil, fmt.Errorf("stage %d: %w", k+1, err)
			}
		}
		if b := s.Reps[k]; b > 0 && what.bootstrap {
			if k >= len(stats) || len(stats[k]) != b {
				return nil, fmt.Errorf("stage %d: %d bootstrap statistics for %d replications", k+1, lenAt(stats, k), b)
			}
			summary := Summarize(st.F, stats[k])
			if s.KeepDraws {
				summary.Draws = slices.Clone(stats[k])
			}
			sr.Bootstrap = &summary
		}
		if what.lean {
			var err error
			if sr.Coefficients, err = p.estimates(st.Thresholds); err != nil {
				return nil, fmt.Errorf("stage %d: %w", k+1, err)
			}
			res.Stages = append(res.Stages, sr)
			continue
		}
		sr.RegimeObs = p.regimeObs(sr.Thresholds)
		coefs, cov, err := p.coefficients(st.Thresholds)
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", k+1, err)
		}
		sr.Coefficients = coefs
		if sr.Header, err = p.feHeader(sr.Thresholds, coefs); err != nil {
			return nil, fmt.Errorf("stage %d: %w", k+1, err)
		}
		if sr.EqualSlopes, err = p.equalSlopes(len(sr.Thresholds), coefs, cov); err != nil {
			return nil, fmt.Errorf("stage %d: %w", k+1, err)
		}
		res.Covariance = cov
		res.Stages = append(res.Stages, sr)
	}
	last := res.Stages[len(res.Stages)-1]
	res.Coefficients = last.Coefficients
	if s.VCE == Conventional && !what.lean {
		var err error
		if res.Heteroskedasticity, err = p.heteroskedasticity(last.Thresholds); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func lenAt(stats [][]float64, k int) int {
	if k < len(stats) {
		return len(stats[k])
	}
	return 0
}

// JSON returns the canonical compact encoding of the result, the bytes a
// cluster ships and compares: encoding/json without HTML escaping, so that
// regime labels keep their "<". A statistic that may be undefined is a Num
// (null); any other that is not a finite number is a data error.
func (r *Result) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		var bad *json.UnsupportedValueError
		if errors.As(err, &bad) {
			return nil, fmt.Errorf("%w: a statistic of the result is %s: the data do not determine the model", ErrData, bad.Str)
		}
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
