package mediation

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Interval is a confidence interval.
type Interval struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// CI summarises the bootstrap distribution of an estimate.
type CI struct {
	Level    float64 `json:"level"`
	Reps     int     `json:"reps"`
	Estimate float64 `json:"estimate"`
	// Mean and SE are the mean and standard deviation (divisor B - 1) of
	// the draws.
	Mean       float64  `json:"mean"`
	SE         float64  `json:"se"`
	Percentile Interval `json:"percentile"`
	// Z0 and BiasCorrected are null when every draw lies on one side of the
	// estimate; Note says which.
	Z0            *float64  `json:"z0"`
	BiasCorrected *Interval `json:"bias_corrected"`
	Note          string    `json:"note,omitempty"`
	// Draws holds a*b of every replication, in replication order, when the
	// specification keeps them (Spec.KeepDraws).
	Draws []float64 `json:"draws,omitempty"`
}

// Summarize computes the percentile and bias-corrected intervals of the
// draws around estimate at the confidence level (see the package
// documentation for the quantile rule). It panics with fewer than 2 draws
// or a level outside (0, 1).
func Summarize(estimate float64, draws []float64, level float64) CI {
	b := len(draws)
	if b < 2 || !(level > 0 && level < 1) {
		panic(fmt.Sprintf("mediation: Summarize with %d draws at level %v", b, level))
	}
	sorted := slices.Sorted(slices.Values(draws))
	mean, ss := 0.0, 0.0
	below := 0
	for _, d := range draws {
		mean += d / float64(b)
		if d < estimate {
			below++
		}
	}
	for _, d := range draws {
		ss += (d - mean) * (d - mean)
	}
	alpha := 1 - level
	ci := CI{Level: level, Reps: b, Estimate: estimate, Mean: mean, SE: math.Sqrt(ss / float64(b-1)),
		Percentile: Interval{quantile(sorted, alpha/2), quantile(sorted, 1-alpha/2)}}
	switch below {
	case 0:
		ci.Note = "every draw is at or above the estimate: the bias-corrected interval is undefined"
	case b:
		ci.Note = "every draw is below the estimate: the bias-corrected interval is undefined"
	default:
		normal := distuv.UnitNormal
		z0 := normal.Quantile(float64(below) / float64(b))
		z := normal.Quantile(1 - alpha/2)
		ci.Z0 = &z0
		ci.BiasCorrected = &Interval{quantile(sorted, normal.CDF(2*z0-z)), quantile(sorted, normal.CDF(2*z0+z))}
	}
	return ci
}

// quantile returns the order statistic x_(k), k = ceil(p B - 1e-9) clamped
// to 1..B, of the sorted draws.
func quantile(sorted []float64, p float64) float64 {
	b := len(sorted)
	k := int(math.Ceil(p*float64(b) - 1e-9))
	return sorted[min(max(k, 1), b)-1]
}
