package montecarlo

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/thresher/thresher/estimators/threshold"
)

// layout is the shape of one replication's record: for every estimator, in
// the study's order, a block of
//
//	ok, selected,
//	stage 1..K: F, p, crit10, crit5, crit1,
//	            thresholds (k, sorted), interval lower (k), interval upper (k),
//	            regime slopes ((k+1) x rx, regime by regime)
//
// where K is the estimator's number of thresholds and rx the design's number
// of regime-dependent regressors. ok is 1 when the estimation succeeded and
// 0 when the data of the replication could not support the model (every
// other value is then NaN); selected is the number of thresholds the
// sequential tests select at 5% (docs/montecarlo.md, "Summary").
type layout struct {
	thnum []int // per estimator
	rx    int
}

// stageLen is the number of values of stage k.
func (l layout) stageLen(k int) int { return 5 + 3*k + (k+1)*l.rx }

// blockLen is the number of values of an estimator with K thresholds.
func (l layout) blockLen(thnum int) int {
	n := 2
	for k := 1; k <= thnum; k++ {
		n += l.stageLen(k)
	}
	return n
}

// len is the number of values of a record.
func (l layout) len() int {
	n := 0
	for _, k := range l.thnum {
		n += l.blockLen(k)
	}
	return n
}

// stageRecord is stage k of one estimator in one replication.
type stageRecord struct {
	F, P, Crit10, Crit5, Crit1 float64
	Thresholds, Lower, Upper   []float64
	// Slopes[regime][j] is the slope of regime-dependent regressor j.
	Slopes [][]float64
}

// estimatorRecord is one estimator in one replication.
type estimatorRecord struct {
	OK bool
	// Failure is why the data could not support the model when !OK; only
	// the replication computing the record knows it (it is not encoded).
	Failure  error
	Selected float64
	Stages   []stageRecord
}

// selectLevel is the level of the sequential tests that select the number of
// thresholds.
const selectLevel = 0.05

// selected returns the number of thresholds the sequential tests select at
// level a: the first stage k whose test does not reject (p >= a) selects
// k-1; when every stage rejects, all K. A stage without a bootstrap leaves
// the selection undefined (NaN).
func selected(stages []stageRecord, a float64) float64 {
	for i, st := range stages {
		if math.IsNaN(st.P) {
			return math.NaN()
		}
		if st.P >= a {
			return float64(i)
		}
	}
	return float64(len(stages))
}

// recordOf turns an estimation into an estimator's record.
func recordOf(res *threshold.Result, rx int) (estimatorRecord, error) {
	rec := estimatorRecord{OK: true}
	for _, st := range res.Stages {
		sr := stageRecord{F: st.FStat, P: math.NaN(), Crit10: math.NaN(), Crit5: math.NaN(), Crit1: math.NaN(),
			Thresholds: st.Thresholds}
		if b := st.Bootstrap; b != nil {
			sr.P, sr.Crit10, sr.Crit5, sr.Crit1 = b.PValue, b.Crit10, b.Crit5, b.Crit1
		}
		var err error
		if sr.Lower, sr.Upper, err = intervalBounds(st.Thresholds, st.Intervals); err != nil {
			return rec, fmt.Errorf("stage %d: %w", st.K, err)
		}
		sr.Slopes = make([][]float64, st.K+1)
		for _, c := range st.Coefficients {
			if c.Regime != nil && *c.Regime <= st.K {
				sr.Slopes[*c.Regime] = append(sr.Slopes[*c.Regime], c.Estimate)
			}
		}
		for reg, s := range sr.Slopes {
			if len(s) != rx {
				return rec, fmt.Errorf("stage %d: regime %d has %d slopes, want %d", st.K, reg, len(s), rx)
			}
		}
		rec.Stages = append(rec.Stages, sr)
	}
	rec.Selected = selected(rec.Stages, selectLevel)
	return rec, nil
}

// intervalBounds returns the bounds of the LR interval of each threshold, in
// the thresholds' order, NaN for a threshold the stage reports no interval
// for: a stage refining earlier thresholds (xthreg's stage 3) reports only
// the new threshold's interval (docs/montecarlo.md, "Summary").
func intervalBounds(thresholds []float64, intervals []threshold.Interval) (lower, upper []float64, err error) {
	lower, upper = make([]float64, len(thresholds)), make([]float64, len(thresholds))
	for i := range thresholds {
		lower[i], upper[i] = math.NaN(), math.NaN()
	}
	for _, in := range intervals {
		i := slices.Index(thresholds, in.Threshold)
		if i < 0 {
			return nil, nil, fmt.Errorf("the interval of threshold %g matches none of the thresholds %v", in.Threshold, thresholds)
		}
		lower[i], upper[i] = in.Lower, in.Upper
	}
	return lower, upper, nil
}

// failedRecord is the record of an estimation the data could not support.
func failedRecord(why error) estimatorRecord {
	return estimatorRecord{Selected: math.NaN(), Failure: why}
}

// appendBlock appends an estimator's block of thnum stages to out.
func (l layout) appendBlock(out []float64, rec estimatorRecord, thnum int) []float64 {
	if !rec.OK {
		out = append(out, 0)
		for range l.blockLen(thnum) - 1 {
			out = append(out, math.NaN())
		}
		return out
	}
	out = append(out, 1, rec.Selected)
	for _, st := range rec.Stages {
		out = append(out, st.F, st.P, st.Crit10, st.Crit5, st.Crit1)
		out = append(out, st.Thresholds...)
		out = append(out, st.Lower...)
		out = append(out, st.Upper...)
		for _, s := range st.Slopes {
			out = append(out, s...)
		}
	}
	return out
}

// errRecord reports a record of the wrong length.
var errRecord = errors.New("montecarlo: malformed record")

// decode splits a record into its estimators' blocks.
func (l layout) decode(rec []float64) ([]estimatorRecord, error) {
	if len(rec) != l.len() {
		return nil, fmt.Errorf("%w: %d values, want %d", errRecord, len(rec), l.len())
	}
	out := make([]estimatorRecord, len(l.thnum))
	at := 0
	take := func(n int) []float64 { v := rec[at : at+n : at+n]; at += n; return v }
	for e, thnum := range l.thnum {
		head := take(2)
		r := estimatorRecord{OK: head[0] == 1, Selected: head[1]}
		for k := 1; k <= thnum; k++ {
			v := take(5)
			st := stageRecord{F: v[0], P: v[1], Crit10: v[2], Crit5: v[3], Crit1: v[4]}
			st.Thresholds, st.Lower, st.Upper = take(k), take(k), take(k)
			for range k + 1 {
				st.Slopes = append(st.Slopes, take(l.rx))
			}
			r.Stages = append(r.Stages, st)
		}
		out[e] = r
	}
	return out, nil
}
