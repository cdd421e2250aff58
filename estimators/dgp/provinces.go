package dgp

import (
	"github.com/thresher/thresher/estimators/simulate"
	"github.com/thresher/thresher/estimators/stream"
)

// Trends of simulate.Provinces' equations per year since 2008: lncie,
// lnind and lntec (see simulate.Provinces).
const (
	provincesTrendCIE = -0.03
	provincesTrendInd = 0.01
	provincesTrendTec = 0.005
)

// drawProvinces draws the provincial panel of simulate.Provinces with a
// seed taken from the replication's stream.
func drawProvinces(s *stream.Stream) *Sample {
	rows := simulate.Provinces{Seed: s.Uint64()}.Generate()
	names := append([]string{ColumnID, ColumnTime, "lncie"}, provincesRegressors...)
	names = append(names, provincesRegime)
	cols := make([][]float64, len(names))
	for j := range cols {
		cols[j] = make([]float64, len(rows))
	}
	unit, last := 0, ""
	for i, r := range rows {
		if r.Province != last {
			unit, last = unit+1, r.Province
		}
		for j, v := range []float64{float64(unit), float64(r.Year), r.LnCIE,
			r.LnPGDP, r.LnOpen, r.LnES, r.LnCap, float64(r.Year - simulate.FirstYear), r.LnDig} {
			cols[j][i] = v
		}
	}
	return &Sample{Names: names, Columns: cols}
}
