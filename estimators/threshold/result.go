package threshold

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sync"
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
	Model        Model         `json:"model"`
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
	// Coefficients of the model with this stage's k thresholds.
	Coefficients []Coefficient `json:"coefficients"`
}

// Assemble combines point estimates and bootstrap statistics (stats[k-1]
// holds stage k's replications in replication order) into the result. Every
// stage must have exactly its specified number of replications.
func (p *Problem) Assemble(est *Estimates, stats [][]float64) (*Result, error) {
	return p.assemble(est, stats, true)
}

// AssemblePoint assembles the point estimates alone: every stage's
// bootstrap is null.
func (p *Problem) AssemblePoint(est *Estimates) (*Result, error) {
	return p.assemble(est, nil, false)
}

func (p *Problem) assemble(est *Estimates, stats [][]float64, withBootstrap bool) (*Result, error) {
	s := p.spec
	res := &Result{
		Convention:   s.Convention.String(),
		NUnits:       len(p.units),
		NPeriods:     len(p.periods),
		NObsUsed:     p.tr.Rows(),
		Balanced:     p.balanced,
		DroppedUnits: p.droppedUnits,
		Seed:         s.Seed,
		LinearRSS:    est.LinearRSS,
		Model: Model{Depvar: s.Depvar, Indep: s.Indep, Rx: s.Rx, Qx: s.Qx, Thresholds: s.Thresholds,
			Grid: s.Grid.String(), Candidates: len(p.grid.values), Trim: s.Trim, Reps: s.Reps,
			Level: s.Level, Residuals: s.Residuals.String(), Bootstrap: s.Bootstrap.String(), Given: p.given},
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
		for _, c := range st.Curves {
			sr.Intervals = append(sr.Intervals, c.interval(crit))
		}
		if b := s.Reps[k]; b > 0 && withBootstrap {
			if k >= len(stats) || len(stats[k]) != b {
				return nil, fmt.Errorf("stage %d: %d bootstrap statistics for %d replications", k+1, lenAt(stats, k), b)
			}
			summary := Summarize(st.F, stats[k])
			if s.KeepDraws {
				summary.Draws = slices.Clone(stats[k])
			}
			sr.Bootstrap = &summary
		}
		coefs, err := p.coefficients(st.Thresholds)
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", k+1, err)
		}
		sr.Coefficients = coefs
		res.Stages = append(res.Stages, sr)
	}
	res.Coefficients = res.Stages[len(res.Stages)-1].Coefficients
	return res, nil
}

func lenAt(stats [][]float64, k int) int {
	if k < len(stats) {
		return len(stats[k])
	}
	return 0
}

// Bootstrap returns F* of replications r0..r1-1 of a stage. The values
// depend only on the problem, the setup and the replication numbers, never on
// how a range is split.
func (p *Problem) Bootstrap(alg Algorithm, setup BootstrapSetup, r0, r1 int) ([]float64, error) {
	plan, err := p.plan(setup)
	if err != nil {
		return nil, err
	}
	if r0 < 0 || r1 < r0 || r1 > p.spec.Reps[setup.Stage-1] {
		return nil, fmt.Errorf("%w: replications [%d, %d) outside stage %d's %d", ErrSpec, r0, r1, setup.Stage, p.spec.Reps[setup.Stage-1])
	}
	return p.kernel(alg).bootstrap(plan, r0, r1)
}

// Options control a local estimation.
type Options struct {
	Algorithm Algorithm
	// Workers is the number of goroutines for bootstrap replications
	// (0: GOMAXPROCS).
	Workers int
	// Progress, when set, is called after each finished block of
	// replications. Calls may come from several goroutines.
	Progress func(stage, done, total int)
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
	return p.Assemble(est, stats)
}

// BootstrapParallel computes replications r0..r1-1 of a stage on
// opts.Workers goroutines. The result equals Bootstrap's for the same range.
func (p *Problem) BootstrapParallel(opts Options, setup BootstrapSetup, r0, r1 int) ([]float64, error) {
	reps := r1 - r0
	if reps <= 0 {
		return nil, nil
	}
	plan, err := p.plan(setup)
	if err != nil {
		return nil, err
	}
	kern := p.kernel(opts.Algorithm)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	block := min(max((reps+workers-1)/workers, 1), 256)
	out := make([]float64, reps)
	var (
		mu       sync.Mutex
		firstErr error
		done     int
		wg       sync.WaitGroup
	)
	next := make(chan int)
	go func() {
		defer close(next)
		for r := r0; r < r1; r += block {
			next <- r
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				hi := min(lo+block, r1)
				f, err := kern.bootstrap(plan, lo, hi)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					copy(out[lo-r0:hi-r0], f)
					done += hi - lo
					if opts.Progress != nil {
						opts.Progress(setup.Stage, done, reps)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("stage %d bootstrap: %w", setup.Stage, firstErr)
	}
	return out, nil
}

// JSON returns the canonical compact encoding of the result, the bytes a
// cluster ships and compares: encoding/json without HTML escaping, so that
// regime labels keep their "<".
func (r *Result) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
