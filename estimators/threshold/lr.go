package threshold

import (
	"math"
	"slices"
)

// LRCritical returns c(a) = -2 ln(1 - sqrt(a)), the level-a critical value
// of the asymptotic distribution of the likelihood ratio LR(g) of a
// threshold, P(xi <= x) = (1 - exp(-x/2))^2 (Hansen 1999, Theorem 1 and
// eq. 15): 7.3523 at 95%, 5.9395 at 90%. (Hansen's §4.2 and Wang's §2.1
// print 6.53 for 10%, which is the 92.5% value.)
func LRCritical(level float64) float64 { return -2 * math.Log(1-math.Sqrt(level)) }

// LRCurve is the profile LR(g) = (S(g) - S(ghat)) / sigma^2 of one
// threshold over the candidates its stage searched.
type LRCurve struct {
	Threshold float64      `json:"threshold"`
	Points    [][2]float64 `json:"points"` // (candidate, LR), increasing candidates
}

// Interval is Hansen's confidence set for a threshold: the smallest and
// largest searched candidate with LR(g) < c(a), the threshold itself
// included. The set need not be contiguous (docs/threshold-model.md §6).
type Interval struct {
	Threshold float64 `json:"threshold"`
	Lower     float64 `json:"lower"`
	Upper     float64 `json:"upper"`
}

// lrCurve turns an SSR profile into LR values relative to the SSR of the
// chosen threshold: the profile's own value where the threshold is a
// candidate (so that LR(ghat) is exactly 0), else ssr.
func (p *Problem) lrCurve(profile []float64, threshold, ssr, sigma2 float64) LRCurve {
	ref := ssr
	if j, found := slices.BinarySearch(p.grid.values, threshold); found && !math.IsNaN(profile[j]) && !math.IsInf(profile[j], 0) {
		ref = profile[j]
	}
	curve := LRCurve{Threshold: threshold}
	for j, s := range profile {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			continue
		}
		curve.Points = append(curve.Points, [2]float64{p.grid.values[j], (s - ref) / sigma2})
	}
	return curve
}

// interval applies Hansen's rule to a curve at critical value c: GAUSS
// rhats = selif(qq, lr .< cc), reported as [min, max].
func (c LRCurve) interval(crit float64) Interval {
	in := Interval{Threshold: c.Threshold, Lower: c.Threshold, Upper: c.Threshold}
	for _, pt := range c.Points {
		if pt[1] < crit {
			in.Lower = math.Min(in.Lower, pt[0])
			in.Upper = math.Max(in.Upper, pt[0])
		}
	}
	return in
}
