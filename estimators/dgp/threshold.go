package dgp

import (
	"math"
	"slices"

	"github.com/thresher/thresher/estimators/stream"
)

// drawThreshold draws a sample of the threshold family (see the package
// documentation for the process and the order of the draws).
func (d Design) drawThreshold(s *stream.Stream) *Sample {
	units, periods := int(d.N.Value()), int(d.T.Value())
	rows := units * periods
	regressors := slices.Concat(d.Regressors, d.RegimeDependent)
	x := make([][]float64, len(regressors))
	for j, r := range regressors {
		x[j] = make([]float64, rows)
		for i := range x[j] {
			x[j][i] = draw(s, r.Law, r.Mean, r.SD, r.A, r.B)
		}
	}
	column := func(name string) []float64 {
		return x[slices.IndexFunc(regressors, func(r Regressor) bool { return r.Name == name })]
	}
	var q []float64
	if d.Q.Law == LawRegressor {
		q = column(d.Q.Name)
	} else {
		q = make([]float64, rows)
		for i := range q {
			q[i] = draw(s, d.Q.Law, d.Q.Mean, d.Q.SD, d.Q.A, d.Q.B)
		}
	}
	mu := d.unitEffects(s, units, periods, column)
	e := d.errors(s, units, periods, column)

	y := make([]float64, rows)
	slopes := d.regimeSlopes()
	fixed := len(d.Regressors)
	for i := range y {
		v := mu[i/periods] + e[i]
		for j, r := range d.Regressors {
			v += r.Slope * x[j][i]
		}
		b := slopes[regime(d.Thresholds, q[i])]
		for j := range d.RegimeDependent {
			v += b[j] * x[fixed+j][i]
		}
		y[i] = v
	}

	id, t := make([]float64, rows), make([]float64, rows)
	for i := range id {
		id[i], t[i] = float64(i/periods+1), float64(i%periods+1)
	}
	sample := &Sample{
		Names:   slices.Concat([]string{ColumnID, ColumnTime, ColumnY}, names(regressors)),
		Columns: slices.Concat([][]float64{id, t, y}, x),
	}
	if d.Q.Law != LawRegressor {
		sample.Names = append(sample.Names, d.Q.Name)
		sample.Columns = append(sample.Columns, q)
	}
	if share := d.Drop.Value(); share > 0 {
		dropRows(s, sample, int(math.Round(share*float64(rows))))
	}
	return sample
}

// regime returns the regime of q: the number of thresholds below q, so that
// q <= thresholds[0] is regime 0.
func regime(thresholds []float64, q float64) int {
	k := 0
	for k < len(thresholds) && q > thresholds[k] {
		k++
	}
	return k
}

// unitEffects draws mu_i for every unit.
func (d Design) unitEffects(s *stream.Stream, units, periods int, column func(string) []float64) []float64 {
	mu := make([]float64, units)
	u := d.UnitEffects
	if u.Law == LawNone {
		return mu
	}
	for i := range mu {
		mu[i] = u.SD * s.Normal()
	}
	if u.Law == LawCorrelated {
		x := column(u.Regressor)
		for i := range mu {
			sum := 0.0
			for _, v := range x[i*periods : (i+1)*periods] {
				sum += v
			}
			mu[i] += u.Load * sum / float64(periods)
		}
	}
	return mu
}

// errors draws e_it for every row.
func (d Design) errors(s *stream.Stream, units, periods int, column func(string) []float64) []float64 {
	e := make([]float64, units*periods)
	law := d.Errors
	switch law.Law {
	case LawNormal:
		for i := range e {
			e[i] = law.SD * s.Normal()
		}
	case LawStudentT:
		df := law.DF.Value()
		for i := range e {
			e[i] = law.SD * studentT(s, df)
		}
	case LawHeteroUnit:
		for i := range units {
			sd := law.A + (law.B-law.A)*s.Float64()
			for r := i * periods; r < (i+1)*periods; r++ {
				e[r] = sd * s.Normal()
			}
		}
	case LawHeteroX:
		x := column(law.Regressor)
		for i := range e {
			e[i] = (law.A + law.B*math.Abs(x[i])) * s.Normal()
		}
	case LawAR1:
		rho := law.Rho.Value()
		innovation := law.SD * math.Sqrt(1-rho*rho)
		for i := range e {
			if i%periods == 0 {
				e[i] = law.SD * s.Normal()
				continue
			}
			e[i] = rho*e[i-1] + innovation*s.Normal()
		}
	}
	return e
}

// dropRows removes k rows chosen at random (a partial Fisher-Yates shuffle
// of the row indices), keeping the order of the others.
func dropRows(s *stream.Stream, sample *Sample, k int) {
	rows := sample.Len()
	index := make([]int, rows)
	for i := range index {
		index[i] = i
	}
	drop := make([]bool, rows)
	for i := range k {
		j := i + s.IntN(rows-i)
		index[i], index[j] = index[j], index[i]
		drop[index[i]] = true
	}
	for c, col := range sample.Columns {
		kept := col[:0]
		for i, v := range col {
			if !drop[i] {
				kept = append(kept, v)
			}
		}
		sample.Columns[c] = kept
	}
}
