package threshold

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
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
// included. The set need not be contiguous (docs/threshold-model.md §6):
// Pieces lists its maximal runs of consecutive searched candidates, in
// increasing order, and AtEdge says that it reaches the first or last
// searched candidate, where the set may be cut short.
type Interval struct {
	Threshold float64      `json:"threshold"`
	Lower     float64      `json:"lower"`
	Upper     float64      `json:"upper"`
	Pieces    [][2]float64 `json:"pieces"`
	AtEdge    bool         `json:"at_edge"`
	// Eta2 is Hansen's (2000) heteroskedasticity scale of LR under robust
	// inference, the set then being {g : LR(g)/Eta2 < c(a)}; 0 (omitted)
	// for Hansen's (1999) set.
	Eta2 float64 `json:"eta2,omitempty"`
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
// rhats = selif(qq, lr .< cc), reported as [min, max] and as its pieces.
// A threshold that is not a searched candidate is a piece of its own.
func (c LRCurve) interval(crit float64) Interval {
	in := Interval{Threshold: c.Threshold, Lower: c.Threshold, Upper: c.Threshold}
	open := false
	for _, pt := range c.Points {
		if !(pt[1] < crit || pt[0] == c.Threshold) {
			open = false
			continue
		}
		in.Lower = math.Min(in.Lower, pt[0])
		in.Upper = math.Max(in.Upper, pt[0])
		if open {
			in.Pieces[len(in.Pieces)-1][1] = pt[0]
		} else {
			in.Pieces = append(in.Pieces, [2]float64{pt[0], pt[0]})
		}
		open = true
	}
	if !slices.ContainsFunc(in.Pieces, func(pc [2]float64) bool { return pc[0] <= c.Threshold && c.Threshold <= pc[1] }) {
		i, _ := slices.BinarySearchFunc(in.Pieces, c.Threshold, func(pc [2]float64, t float64) int { return cmp.Compare(pc[0], t) })
		in.Pieces = slices.Insert(in.Pieces, i, [2]float64{c.Threshold, c.Threshold})
	}
	if n := len(c.Points); n > 0 {
		in.AtEdge = in.Lower <= c.Points[0][0] || in.Upper >= c.Points[n-1][0]
	}
	return in
}

// Warning describes what makes the set less than an interval of grid
// points strictly inside the searched range, or is empty when nothing does.
func (in Interval) Warning() string {
	var notes []string
	if len(in.Pieces) > 1 {
		notes = append(notes, fmt.Sprintf("not an interval (%d disjoint pieces)", len(in.Pieces)))
	}
	if in.Lower == in.Upper {
		notes = append(notes, "degenerate (the threshold alone)")
	}
	if in.AtEdge {
		notes = append(notes, "at the edge of the searched candidates")
	}
	return strings.Join(notes, "; ")
}
