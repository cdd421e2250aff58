package dynthreshold

import (
	"flag"
	"math"
	"testing"
)

var montecarlo = flag.Bool("montecarlo", false, "run the Monte Carlo study behind the tolerances of the recovery tests (minutes)")

// TestMonteCarlo reproduces the study recorded in TestRecoversDynamicJump,
// TestRecoversDynamicKink and TestLinearPanel: 40 panels per design (seeds
// 100..139), grid 100, 100 replications; it logs the mean and standard
// deviation of every coefficient and the rejections at 5%.
//
//	go test -run MonteCarlo -v -timeout 30m ./estimators/dynthreshold -args -montecarlo
func TestMonteCarlo(t *testing.T) {
	if !*montecarlo {
		t.Skip("run with -montecarlo")
	}
	for _, d := range []dgp{
		{n: 500, T: 8, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{1, 0.3, -0.5}, rho: 0.5},
		{n: 500, T: 8, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{1}, rho: 0.5, kink: true},
		{n: 500, T: 8, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{0, 0, 0}, rho: 0.5},
		{n: 2000, T: 8, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{0, 0, 0}, rho: 0.5},
		{n: 500, T: 5, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{0, 0, 0}, rho: 0.5},
	} {
		const panels = 40
		var sum, sum2 []float64
		rejections := 0
		for seed := uint64(100); seed < 100+panels; seed++ {
			s := d.spec()
			s.Boost = 100
			res := prepareAndEstimate(t, d.table(t, seed), s)
			if sum == nil {
				sum, sum2 = make([]float64, len(res.Coefficients)), make([]float64, len(res.Coefficients))
			}
			for c, co := range res.Coefficients {
				sum[c] += co.Estimate
				sum2[c] += co.Estimate * co.Estimate
			}
			if res.Linearity.PValue < 0.05 {
				rejections++
			}
		}
		t.Logf("n = %d, T = %d, kink %v, delta %v: %d of %d rejected at 5%%", d.n, d.T, d.kink, d.delta, rejections, panels)
		for c := range sum {
			mean := sum[c] / panels
			t.Logf("  coefficient %d: mean %.4f, sd %.4f", c, mean, math.Sqrt(sum2[c]/panels-mean*mean))
		}
	}
}

// TestMonteCarloFullBootstrap compares the sizes of the fast and the full
// bootstrap on linear dynamic panels (n = 500, T = 8, 54 instruments): 20
// panels (seeds 100..119), grid 20, 99 replications each; it logs the
// rejections at 5% of both tests on the same panels.
//
//	go test -run MonteCarloFull -v -timeout 60m ./estimators/dynthreshold -args -montecarlo
func TestMonteCarloFullBootstrap(t *testing.T) {
	if !*montecarlo {
		t.Skip("run with -montecarlo")
	}
	d := dgp{n: 500, T: 8, gamma: 0.3, beta: []float64{0.4, 1}, delta: []float64{0, 0, 0}, rho: 0.5}
	const panels = 20
	rejections := map[Bootstrap]int{}
	for seed := uint64(100); seed < 100+panels; seed++ {
		for _, b := range []Bootstrap{BootstrapMultiplier, BootstrapWild} {
			s := d.spec()
			s.GridNum, s.Boost, s.Bootstrap, s.Seed = 20, 99, b, seed
			res := prepareAndEstimate(t, d.table(t, seed), s)
			if res.Linearity.PValue < 0.05 {
				rejections[b]++
			}
		}
		t.Logf("after %d panels: fast %d, full %d rejections at 5%%", seed-99, rejections[BootstrapMultiplier], rejections[BootstrapWild])
	}
}
