package montecarlo

import (
	"math"
	"slices"
	"strconv"
)

// Num is a statistic of a summary; NaN (undefined, e.g. no replication
// succeeded) encodes as JSON null.
type Num float64

// MarshalJSON writes the shortest exact decimal, or null.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number or null (NaN).
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*n = Num(f)
	return err
}

// Summary is the result of a study: one DesignSummary per design, in the
// study's order after grid expansion.
type Summary struct {
	Replications int             `json:"replications"`
	Seed         uint64          `json:"seed"`
	Designs      []DesignSummary `json:"designs"`
}

// DesignSummary holds the true model of a design and every estimator's
// statistics on it.
type DesignSummary struct {
	Label  string `json:"label"`
	Family string `json:"family"`
	// Effect is the largest absolute difference between the slopes of two
	// adjacent regimes (0 without a threshold): the x axis of power curves.
	Effect         Num              `json:"effect"`
	TrueThresholds []float64        `json:"true_thresholds"`
	TrueSlopes     [][]float64      `json:"true_slopes"`
	Estimators     []EstimatorStats `json:"estimators"`
}

// EstimatorStats are one estimator's statistics on one design.
type EstimatorStats struct {
	Label string `json:"label"`
	// Succeeded counts the replications whose estimation succeeded; the
	// others' data could not support the model (e.g. an empty regime).
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	// FirstFailure is why the first failed replication failed, with its
	// number; empty when none failed.
	FirstFailure string `json:"first_failure,omitempty"`
	// Selection[j] is the share of the succeeded replications in which the
	// sequential tests at 5% select j thresholds, j = 0..K.
	Selection []Num        `json:"selection"`
	Stages    []StageStats `json:"stages"`
}

// StageStats are the statistics of stage k: the test of k against k-1
// thresholds and the estimates of the model with k thresholds.
type StageStats struct {
	K int `json:"k"`
	// NullTrue says that the design has at most k-1 thresholds, so that a
	// rejection is a type I error and the p-values should be uniform.
	NullTrue bool   `json:"null_true"`
	Reject   []Rate `json:"reject"`
	F        Dist   `json:"f_stat"`
	Crit10   Dist   `json:"crit10"`
	Crit5    Dist   `json:"crit5"`
	Crit1    Dist   `json:"crit1"`
	KS       Num    `json:"ks_uniform"`
	// PQuantiles are the quantiles of the p-values at 0.01, 0.02, ...,
	// 0.99 when the null is true: the points of a QQ plot against the
	// uniform.
	PQuantiles []Num   `json:"p_quantiles,omitempty"`
	Coverage   []Num   `json:"coverage,omitempty"`
	Bias       *Errors `json:"errors,omitempty"`
}

// Rate is a rejection rate at a level with its Monte Carlo standard error
// sqrt(r(1-r)/R).
type Rate struct {
	Level Num `json:"level"`
	Rate  Num `json:"rate"`
	SE    Num `json:"se"`
}

// Dist is the mean and quantiles of a statistic over the replications.
type Dist struct {
	Mean Num `json:"mean"`
	Q05  Num `json:"q05"`
	Q25  Num `json:"q25"`
	Q50  Num `json:"q50"`
	Q75  Num `json:"q75"`
	Q95  Num `json:"q95"`
}

// Errors are the bias (mean of estimate - truth) and mean absolute error
// of the thresholds and of the regime slopes, at the stage whose number of
// thresholds is the true one.
type Errors struct {
	ThresholdBias []Num   `json:"threshold_bias"`
	ThresholdMAE  []Num   `json:"threshold_mae"`
	SlopeBias     [][]Num `json:"slope_bias"`
	SlopeMAE      [][]Num `json:"slope_mae"`
}

// qqPoints is the number of intervals of the p-values' quantiles.
const qqPoints = 100

// rejectLevels are the levels of the reported rejection rates.
var rejectLevels = []float64{0.10, 0.05, 0.01}

// truth is the true model of a design.
type truth struct {
	Thresholds []float64
	Slopes     [][]float64
}

// effect returns the largest absolute difference of a slope between two
// adjacent regimes.
func (t truth) effect() float64 {
	e := 0.0
	for r := 1; r < len(t.Slopes); r++ {
		for j := range t.Slopes[r] {
			if j < len(t.Slopes[r-1]) {
				e = math.Max(e, math.Abs(t.Slopes[r][j]-t.Slopes[r-1][j]))
			}
		}
	}
	return e
}

// summarizeEstimator computes an estimator's statistics from its records,
// one per replication in replication order.
func summarizeEstimator(label string, thnum int, tr truth, recs []estimatorRecord) EstimatorStats {
	es := EstimatorStats{Label: label}
	var ok []estimatorRecord
	for _, r := range recs {
		if r.OK {
			ok = append(ok, r)
		}
	}
	es.Succeeded, es.Failed = len(ok), len(recs)-len(ok)
	counts := make([]int, thnum+1)
	selectable := 0
	for _, r := range ok {
		if s := r.Selected; !math.IsNaN(s) && s >= 0 && int(s) <= thnum {
			counts[int(s)]++
			selectable++
		}
	}
	for _, c := range counts {
		es.Selection = append(es.Selection, Num(share(c, selectable)))
	}
	m := len(tr.Thresholds)
	for k := 1; k <= thnum; k++ {
		stage := func(f func(stageRecord) float64) []float64 {
			v := make([]float64, 0, len(ok))
			for _, r := range ok {
				v = append(v, f(r.Stages[k-1]))
			}
			return v
		}
		p := defined(stage(func(s stageRecord) float64 { return s.P }))
		st := StageStats{K: k, NullTrue: m <= k-1, KS: Num(math.NaN()),
			F:      dist(stage(func(s stageRecord) float64 { return s.F })),
			Crit10: dist(stage(func(s stageRecord) float64 { return s.Crit10 })),
			Crit5:  dist(stage(func(s stageRecord) float64 { return s.Crit5 })),
			Crit1:  dist(stage(func(s stageRecord) float64 { return s.Crit1 }))}
		for _, a := range rejectLevels {
			st.Reject = append(st.Reject, rejection(p, a))
		}
		if st.NullTrue && len(p) > 0 {
			st.KS = Num(ksUniform(p))
			sorted := slices.Sorted(slices.Values(p))
			for i := 1; i < qqPoints; i++ {
				st.PQuantiles = append(st.PQuantiles, Num(quantile(sorted, float64(i)/qqPoints)))
			}
		}
		if k == m {
			st.Coverage, st.Bias = estimationErrors(tr, ok, k)
		}
		es.Stages = append(es.Stages, st)
	}
	return es
}

// estimationErrors returns the coverage of each true threshold by its
// interval, over the replications whose stage k reports that interval, and
// the errors of the estimates at stage k, the true number of
// thresholds.
func estimationErrors(tr truth, ok []estimatorRecord, k int) ([]Num, *Errors) {
	coverage := make([]Num, k)
	e := &Errors{}
	for i, g := range tr.Thresholds {
		covered, withInterval := 0, 0
		var errs []float64
		for _, r := range ok {
			st := r.Stages[k-1]
			if !math.IsNaN(st.Lower[i]) {
				withInterval++
				if st.Lower[i] <= g && g <= st.Upper[i] {
					covered++
				}
			}
			errs = append(errs, st.Thresholds[i]-g)
		}
		coverage[i] = Num(share(covered, withInterval))
		bias, mae := biasMAE(errs)
		e.ThresholdBias, e.ThresholdMAE = append(e.ThresholdBias, bias), append(e.ThresholdMAE, mae)
	}
	for reg, slopes := range tr.Slopes {
		var bias, mae []Num
		for j, b := range slopes {
			var errs []float64
			for _, r := range ok {
				if s := r.Stages[k-1].Slopes; reg < len(s) && j < len(s[reg]) {
					errs = append(errs, s[reg][j]-b)
				}
			}
			bb, mm := biasMAE(errs)
			bias, mae = append(bias, bb), append(mae, mm)
		}
		e.SlopeBias, e.SlopeMAE = append(e.SlopeBias, bias), append(e.SlopeMAE, mae)
	}
	return coverage, e
}

// biasMAE returns the mean and the mean absolute value of errors.
func biasMAE(errs []float64) (Num, Num) {
	if len(errs) == 0 {
		return Num(math.NaN()), Num(math.NaN())
	}
	var s, a float64
	for _, e := range errs {
		s += e
		a += math.Abs(e)
	}
	n := float64(len(errs))
	return Num(s / n), Num(a / n)
}

// defined returns the values that are not NaN.
func defined(v []float64) []float64 {
	return slices.DeleteFunc(v, math.IsNaN)
}

// share returns c/n, NaN when n is 0.
func share(c, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return float64(c) / float64(n)
}

// rejection returns the share r of p-values below a, and its Monte Carlo
// standard error sqrt(r(1-r)/R).
func rejection(p []float64, a float64) Rate {
	below := 0
	for _, v := range p {
		if v < a {
			below++
		}
	}
	r := share(below, len(p))
	return Rate{Level: Num(a), Rate: Num(r), SE: Num(math.Sqrt(r * (1 - r) / float64(len(p))))}
}

// ksUniform returns the Kolmogorov-Smirnov distance of the empirical
// distribution of p from the uniform on [0, 1]:
// D = max_i max(i/n - p_(i), p_(i) - (i-1)/n) over the sorted p.
func ksUniform(p []float64) float64 {
	s := slices.Sorted(slices.Values(p))
	n := float64(len(s))
	d := 0.0
	for i, v := range s {
		d = math.Max(d, math.Max(float64(i+1)/n-v, v-float64(i)/n))
	}
	return d
}

// dist returns the mean and quantiles of the values that are not NaN.
func dist(v []float64) Dist {
	v = defined(v)
	if len(v) == 0 {
		nan := Num(math.NaN())
		return Dist{nan, nan, nan, nan, nan, nan}
	}
	s := slices.Sorted(slices.Values(v))
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return Dist{Mean: Num(sum / float64(len(s))), Q05: Num(quantile(s, 0.05)), Q25: Num(quantile(s, 0.25)),
		Q50: Num(quantile(s, 0.50)), Q75: Num(quantile(s, 0.75)), Q95: Num(quantile(s, 0.95))}
}

// quantile returns the p-quantile of sorted values by linear interpolation
// between order statistics (Hyndman and Fan's type 7, R's default):
// h = (n-1)p, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
func quantile(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
