package threshold

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/thresher/thresher/internal/shortlist"
)

// StageEstimate is the point estimation of stage k: the model with k
// thresholds against the null with k-1.
type StageEstimate struct {
	K int `json:"k"`
	// Null are the k-1 thresholds fixed under H0, in the order estimated.
	Null []float64 `json:"null"`
	// Added is the threshold stage k adds.
	Added float64 `json:"added"`
	// Thresholds are the k estimates after the stage, in the order
	// estimated; at stage 2 the first is the refined estimate.
	Thresholds []float64 `json:"thresholds"`
	// NullRSS is S_{k-1}, the SSR at Null; RSS is S_k at Null ∪ {Added}.
	NullRSS float64 `json:"null_rss"`
	RSS     float64 `json:"rss"`
	Sigma2  float64 `json:"sigma2"`
	F       float64 `json:"f_stat"`
	// Curves holds the LR curve of Added and, at stage 2, of the refined
	// first threshold.
	Curves []LRCurve `json:"lr_curves"`
}

// Setup returns the bootstrap setup of the stage.
func (s StageEstimate) Setup() BootstrapSetup {
	return BootstrapSetup{Stage: s.K, Null: s.Null, Added: s.Added}
}

// Estimates are the point estimates of every stage.
type Estimates struct {
	LinearRSS float64         `json:"linear_rss"`
	Stages    []StageEstimate `json:"stages"`
}

// Profiler returns, for the observed response, the SSR of the model with
// thresholds fixed ∪ {c} at every grid candidate c, with the stage's trim
// setting the exclusion windows: +Inf for excluded candidates, NaN for
// unidentified ones. Problem.Profile computes ranges of it; a coordinator
// may assemble it from ranges computed elsewhere.
type Profiler func(fixed []float64, trim float64) ([]float64, error)

// Options control a local estimation.
type Options struct {
	Algorithm Algorithm
	// Workers is the number of goroutines for bootstrap replications
	// (0: GOMAXPROCS).
	Workers int
	// Progress, when set, is called after each finished block of
	// replications. Calls may come from several goroutines.
	Progress func(stage, done, total int)
	// Lean leaves the post-estimation statistics out of the result: the
	// coefficients keep their estimates but have no standard errors, and
	// the covariance, every stage's regime observation counts, header and
	// equal-slopes tests, and the heteroskedasticity diagnostic are
	// absent. Thresholds, F statistics, bootstrap summaries and LR
	// intervals are unchanged. A Monte Carlo study, which keeps only
	// those, sets it (docs/montecarlo.md).
	Lean bool
}

// Estimate runs the point estimation and every stage's bootstrap in this
// process.
func (p *Problem) Estimate(opts Options) (*Result, error) {
	est, err := p.PointEstimates(opts.Algorithm)
	if err != nil {
		return nil, err
	}
	stats := make([][]float64, len(est.Stages))
	for k, st := range est.Stages {
		if stats[k], err = p.BootstrapParallel(opts, st.Setup(), 0, p.spec.Reps[k]); err != nil {
			return nil, err
		}
	}
	return p.assemble(est, stats, assembly{bootstrap: true, lean: opts.Lean})
}

// PointEstimates runs PointEstimatesWith on this process's kernel.
func (p *Problem) PointEstimates(alg Algorithm) (*Estimates, error) {
	return p.PointEstimatesWith(func(fixed []float64, trim float64) ([]float64, error) {
		return p.Profile(alg, fixed, trim, 0, len(p.grid.values))
	})
}

// Profile returns the profile's values for grid candidates first..last-1.
func (p *Problem) Profile(alg Algorithm, fixed []float64, trim float64, first, last int) ([]float64, error) {
	if first < 0 || last > len(p.grid.values) || first > last {
		return nil, fmt.Errorf("%w: candidate range [%d, %d) outside the %d candidates", ErrSpec, first, last, len(p.grid.values))
	}
	admissible := p.grid.admissible(fixed, trim)
	for j := range admissible {
		admissible[j] = admissible[j] && j >= first && j < last
	}
	ssr, err := p.kernel(alg).profile(p.yT, fixed, admissible)
	if err != nil {
		return nil, err
	}
	return ssr[first:last], nil
}

// Candidates returns the number of grid candidates.
func (p *Problem) Candidates() int { return len(p.grid.values) }

// PointEstimatesWith runs Hansen's sequential procedure (docs/threshold-model.md §7.1):
// stage 1 searches g1; stage 2 fixes g1, searches g2 and then re-searches g1
// given g2 (the refinement, which replaces g1); every later stage k fixes
// the k-1 current estimates and searches g_k; candidates inside the stage's
// exclusion windows are skipped. With given thresholds the stages use them
// instead of searching and nothing is refined.
func (p *Problem) PointEstimatesWith(profiler Profiler) (*Estimates, error) {
	est := &Estimates{LinearRSS: p.linearSSR}
	var current []float64 // estimates in the order they were added
	nullSSR := p.linearSSR
	for k := 1; k <= p.spec.Thresholds; k++ {
		trim := p.spec.Trim[k-1]
		null := slices.Clone(current)
		profile, err := profiler(null, trim)
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", k, err)
		}
		var added float64
		if p.given != nil {
			added = p.given[k-1]
		} else if added, err = p.best(profile, null, k); err != nil {
			return nil, err
		}
		fit, err := p.fitAt(p.yT, append(slices.Clone(null), added))
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", k, err)
		}
		if err := p.checkFit(fmt.Sprintf("stage %d: the model with thresholds [%s]", k, shortlist.Values(append(slices.Clone(null), added))), fit); err != nil {
			return nil, err
		}
		st := StageEstimate{K: k, Null: null, Added: added, NullRSS: nullSSR, RSS: fit.SSR,
			Sigma2: fit.SSR / p.sigmaDF, F: fStat(nullSSR, fit.SSR, p.sigmaDF)}
		st.Curves = append(st.Curves, p.lrCurve(profile, added, fit.SSR, st.Sigma2))
		current = append(current, added)
		nullSSR = fit.SSR
		if k == 2 && p.given == nil {
			// Refinement (Bai 1997; Hansen 1999 eqs. 19-20): re-search g1 given g2.
			fixed := current[1:2]
			profile, err := profiler(fixed, trim)
			if err != nil {
				return nil, fmt.Errorf("stage 2 refinement: %w", err)
			}
			if current[0], err = p.best(profile, fixed, k); err != nil {
				return nil, err
			}
			refit, err := p.fitAt(p.yT, current)
			if err != nil {
				return nil, fmt.Errorf("stage 2 refinement: %w", err)
			}
			if err := p.checkFit(fmt.Sprintf("stage 2 refinement: the model with thresholds [%s]", shortlist.Values(current)), refit); err != nil {
				return nil, err
			}
			st.Curves = append(st.Curves, p.lrCurve(profile, current[0], refit.SSR, refit.SSR/p.sigmaDF))
			nullSSR = refit.SSR
		}
		st.Thresholds = slices.Clone(current)
		slices.SortFunc(st.Curves, func(a, b LRCurve) int { return cmp.Compare(a.Threshold, b.Threshold) })
		est.Stages = append(est.Stages, st)
	}
	return est, nil
}

// best returns the candidate with the smallest SSR. Every admissible
// candidate must be identified in the point estimation: a candidate whose new
// regime is empty or collinear means the trim is too small for the data.
func (p *Problem) best(profile []float64, fixed []float64, k int) (float64, error) {
	for j, s := range profile {
		if math.IsNaN(s) {
			ths := slices.Sorted(slices.Values(append(slices.Clone(fixed), p.grid.values[j])))
			counts := p.regimeCounts(ths)
			return 0, fmt.Errorf("%w: stage %d: at candidate threshold %.6g the regime-dependent slopes are not identified (observations per regime: [%s]); too few observations in a regime for trim %v, increase --trim",
				ErrData, k, p.grid.values[j], shortlist.Values(counts), p.spec.Trim[k-1])
		}
	}
	j, ok := argmin(profile)
	if !ok {
		return 0, fmt.Errorf("%w: stage %d: no candidate threshold is left outside the exclusion windows of [%s] (trim %v); use fewer thresholds or a smaller trim",
			ErrData, k, shortlist.Values(fixed), p.spec.Trim[k-1])
	}
	return p.grid.values[j], nil
}

// kernel returns the implementation of an algorithm for this problem.
func (p *Problem) kernel(alg Algorithm) kernel {
	if alg == Reference {
		return referenceKernel{p}
	}
	return p.fastKernel()
}
