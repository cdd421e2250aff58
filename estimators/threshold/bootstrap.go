package threshold

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// This file holds the public entry points of the bootstrap test of the
// number of thresholds. One replication is defined by referenceKernel.bootstrap
// (reference.go): draw y* (resample.go), fit the linear model, then search
// thresholds 1..k sequentially and return F* of the last step. The fast
// kernel (fast.go) computes the same statistics in batches.

// BootstrapSetup identifies the bootstrap of one stage: its null thresholds
// (k-1 values, in the order they were estimated) and, for alternative
// residuals, the k-th threshold. Coordinators ship it to workers.
type BootstrapSetup struct {
	Stage int       `json:"stage"`
	Null  []float64 `json:"null"`
	Added float64   `json:"added"`
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

// BootstrapSummary is the test of one stage from its replications.
type BootstrapSummary struct {
	Reps   int     `json:"reps"`
	PValue float64 `json:"p_value"`
	Crit10 float64 `json:"crit10"`
	Crit5  float64 `json:"crit5"`
	Crit1  float64 `json:"crit1"`
	// Draws holds F* of every replication, in replication order, when the
	// specification keeps them.
	Draws []float64 `json:"draws,omitempty"`
}

// Summarize computes the p-value, the share of F* strictly above F, and the
// 10%, 5% and 1% critical values as the order statistics ceil(0.90 B),
// ceil(0.95 B) and ceil(0.99 B) of the sorted F* (1-based; GAUSS model()).
// The ceilings are taken in integer arithmetic.
func Summarize(f float64, stats []float64) BootstrapSummary {
	b := len(stats)
	sorted := slices.Sorted(slices.Values(stats))
	exceed := 0
	for _, s := range stats {
		if s > f {
			exceed++
		}
	}
	order := func(percent int) float64 { return sorted[(percent*b+99)/100-1] }
	return BootstrapSummary{Reps: b, PValue: float64(exceed) / float64(b),
		Crit10: order(90), Crit5: order(95), Crit1: order(99)}
}
