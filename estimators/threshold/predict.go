package threshold

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// PredictionHeader is the header row of WritePredictions.
const PredictionHeader = "id,time,regime,fitted,residual,fe"

// WritePredictions writes, as CSV with a header row, one row per
// observation the final regression of res uses: the unit, the period, the
// regime 0..K, the fitted value y - e, the residual e and the fixed effect
// u_i of docs/postestimation.md §2. res must be the result of this problem;
// the residuals' squares sum to the final stage's RSS.
func (p *Problem) WritePredictions(out io.Writer, res *Result) error {
	if len(res.Stages) == 0 {
		return fmt.Errorf("the result has no stage to predict from")
	}
	last := res.Stages[len(res.Stages)-1]
	sorted := slices.Sorted(slices.Values(last.Thresholds))
	k := len(p.z) + len(p.x)*(len(sorted)+1)
	slopes := 0
	for _, c := range res.Coefficients {
		if c.Name != ConstantName {
			slopes++
		}
	}
	if slopes != k {
		return fmt.Errorf("the result has %d slopes and %d thresholds, the data's model %d slopes: the result does not belong to these data", slopes, len(sorted), k)
	}
	b := make([]float64, k)
	for j := range b {
		b[j] = res.Coefficients[j].Estimate
	}
	d := p.decompose(sorted, b)
	w := csv.NewWriter(out)
	if err := w.Write(strings.Split(PredictionHeader, ",")); err != nil {
		return err
	}
	format := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, unit := range p.units {
		lo, hi := p.tr.LevelBlock(i)
		for r := lo; r < hi; r++ {
			if !d.used[r] {
				continue
			}
			rec := []string{unit, strconv.Itoa(p.periods[p.period[r]]), strconv.Itoa(p.regimeOf(p.q[r], sorted)),
				format(p.y[r] - d.e(r, i)), format(d.e(r, i)), format(d.u[i])}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
	}
	w.Flush()
	return w.Error()
}
