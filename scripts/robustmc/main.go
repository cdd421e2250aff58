package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/stream"
	"github.com/thresher/thresher/estimators/threshold"
)

// purpose keys the streams of the simulated panels.
const purpose stream.Purpose = "robust-size-study"

func main() {
	design := flag.String("design", "het", "het, iid, two or one")
	conv := flag.String("convention", "xthreg", "xthreg or hansen")
	vce := flag.String("vce", "cluster", "conventional, robust or cluster")
	refine := flag.Bool("refine", false, "--bootstrap-refine (design two)")
	mc := flag.Int("mc", 500, "Monte Carlo replications")
	bs := flag.Int("bs", 199, "bootstrap replications of the tested stage")
	n := flag.Int("n", 100, "units")
	periods := flag.Int("T", 10, "periods")
	grid := flag.String("grid", "100", "candidate grid")
	workers := flag.Int("workers", 2, "Monte Carlo replications run at once")
	seed := flag.Uint64("seed", 1, "seed of the simulated panels and of the bootstraps")
	effect := flag.Float64("effect", 1, "design two: the change of the slope at each threshold")
	flag.Parse()
	if err := run(*design, *conv, *vce, *refine, *mc, *bs, *n, *periods, *grid, *workers, *seed, *effect); err != nil {
		fmt.Fprintln(os.Stderr, "robustmc:", err)
		os.Exit(1)
	}
}

func run(design, conv, vce string, refine bool, mc, bs, n, periods int, grid string, workers int, seed uint64, effect float64) error {
	stage := 1
	switch design {
	case "two":
		stage = 3
	case "one":
		bs = 0
	case "het", "iid":
	default:
		return fmt.Errorf("unknown design %q (want het, iid, two or one)", design)
	}
	reps := make([]int, stage)
	reps[stage-1] = bs
	trim := make([]float64, stage)
	for i := range trim {
		trim[i] = 0.1
	}
	cfg := threshold.DefaultConfig
	cfg.Depvar, cfg.Rx, cfg.Qx, cfg.Thnum, cfg.Grid, cfg.Trim, cfg.Bs = "y", []string{"x"}, "q", stage, grid, trim, reps
	cfg.Convention, cfg.VCE, cfg.BootstrapRefine = conv, vce, refine
	spec, alg, err := cfg.Spec()
	if err != nil {
		return err
	}
	results := make([]*threshold.Result, mc)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	go func() {
		defer close(next)
		for r := 0; r < mc; r++ {
			next <- r
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				res, err := replicate(design, spec, alg, n, periods, seed, effect, r)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("replication %d: %w", r, err)
				}
				results[r] = res
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Printf("design %s, convention %s, vce %s, refine %v, bootstrap %s: stage %d, n %d, T %d, grid %s, %d replications, B %d",
		design, conv, vce, refine, results[0].Model.Bootstrap, stage, n, periods, grid, mc, bs)
	if design == "two" || design == "one" {
		fmt.Printf(", effect %v", effect)
	}
	fmt.Println()
	if design == "one" {
		covered, width := 0, 0.0
		for _, res := range results {
			in := res.Stages[0].Intervals[0]
			if in.Lower <= 0.5 && 0.5 <= in.Upper {
				covered++
			}
			width += (in.Upper - in.Lower) / float64(mc)
		}
		fmt.Printf("  coverage of the 95%% set: %5.1f%% (%d of %d; Monte Carlo s.e. %.1f%%), mean width %.4f\n",
			100*float64(covered)/float64(mc), covered, mc, 100*math.Sqrt(0.05*0.95/float64(mc)), width)
		return nil
	}
	for _, level := range []float64{0.10, 0.05, 0.01} {
		reject := 0
		for _, res := range results {
			if res.Stages[stage-1].Bootstrap.PValue < level {
				reject++
			}
		}
		share := float64(reject) / float64(mc)
		fmt.Printf("  rejection at %2.0f%%: %5.1f%% (%d of %d; Monte Carlo s.e. %.1f%%)\n",
			100*level, 100*share, reject, mc, 100*math.Sqrt(level*(1-level)/float64(mc)))
	}
	return nil
}

// replicate draws Monte Carlo replication r's panel and estimates the model.
func replicate(design string, spec threshold.Spec, alg threshold.Algorithm, n, periods int, seed uint64, effect float64, r int) (*threshold.Result, error) {
	s := stream.New(seed, purpose, 0, r)
	var b strings.Builder
	b.WriteString("id,year,y,x,q\n")
	for i := 0; i < n; i++ {
		mu := s.Normal()
		for t := 0; t < periods; t++ {
			x, q, u := s.Normal(), s.Float64(), s.Normal()
			slope, sd := 1.0, 1.0
			switch design {
			case "het":
				sd = math.Sqrt(0.25 + x*x)
			case "one":
				sd = math.Sqrt(0.25 + x*x)
				if q > 0.5 {
					slope += effect
				}
			case "two":
				slope = 0
				if q > 0.3 {
					slope += effect
				}
				if q > 0.7 {
					slope += effect
				}
			}
			fmt.Fprintf(&b, "%d,%d,%.17g,%.17g,%.17g\n", i+1, 2000+t, mu+slope*x+sd*u, x, q)
		}
	}
	tab, err := panel.ReadCSV(strings.NewReader(b.String()))
	if err != nil {
		return nil, err
	}
	spec.Seed = seed + uint64(r)
	p, err := threshold.Prepare(tab, spec)
	if err != nil {
		return nil, err
	}
	return p.Estimate(threshold.Options{Algorithm: alg, Workers: 1})
}
