package dynthreshold

import (
	"fmt"
	"math"
	"slices"
)

// quantile2 returns the p-quantile of sorted by Hyndman and Fan's (1996)
// definition 2, the inverse of the empirical distribution function with
// averaging at discontinuities (moremata's default): with np = N p,
// j = floor(np) and g = np - j, Q = x_(j+1) when g > 0 and
// (x_(j) + x_(j+1))/2 when g = 0 (1-based order statistics). As in R's
// quantile(type = 2), np is compared with an integer up to 4 ulps of
// rounding, so that, e.g., 0.2 * 565 counts as 113.
func quantile2(sorted []float64, p float64) float64 {
	n := len(sorted)
	np := float64(n) * p
	j := math.Floor(np + 4*epsilon)
	idx := int(j) // x_(j) is sorted[j-1]
	switch {
	case idx <= 0:
		return sorted[0]
	case idx >= n:
		return sorted[n-1]
	case math.Abs(np-j) <= 4*epsilon*math.Max(1, np):
		return (sorted[idx-1] + sorted[idx]) / 2
	}
	return sorted[idx]
}

const epsilon = 0x1p-52

// makeGrid returns the grid: GridNum points equally spaced between the
// quantiles Trim/2 and 1-Trim/2 of q over all n*T observations (t = 1
// included), as Mata's rangen(lo, hi, GridNum) computes them,
// lo + (k-1)(hi-lo)/(GridNum-1); or the points of Spec.Gammas. Every point
// must leave observations of the equations in both regimes.
func (pr *Problem) makeGrid() ([]float64, error) {
	sorted := slices.Clone(pr.qAll)
	slices.Sort(sorted)
	grid := slices.Clone(pr.spec.Gammas)
	if len(grid) == 0 {
		lo, hi := quantile2(sorted, pr.spec.Trim/2), quantile2(sorted, 1-pr.spec.Trim/2)
		grid = make([]float64, pr.spec.GridNum)
		for k := range grid {
			if pr.spec.GridNum == 1 {
				grid[k] = lo
				continue
			}
			grid[k] = lo + float64(k)*(hi-lo)/float64(pr.spec.GridNum-1)
		}
	}
	// The threshold columns use q_it and q_i,t-1 of the equations.
	qmin, qmax := math.Inf(1), math.Inf(-1)
	for i := range pr.qt {
		for j := range pr.qt[i] {
			qmin = min(qmin, pr.qt[i][j], pr.ql[i][j])
			qmax = max(qmax, pr.qt[i][j], pr.ql[i][j])
		}
	}
	for _, g := range grid {
		if !(g >= qmin && g < qmax) {
			return nil, fmt.Errorf("%w: grid point %v of %s leaves every observation of the equations in one regime (%s ranges over [%v, %v] there)",
				ErrGrid, g, pr.spec.Qx, pr.spec.Qx, qmin, qmax)
		}
	}
	return grid, nil
}
