package dgp

import (
	"slices"

	"github.com/thresher/thresher/estimators/simulate"
)

// Truth is what a design's samples are drawn from: the columns of the model
// that is correctly specified for them, in the terms of an xthreg
// configuration (depvar Y, indep Regressors, rx RegimeDependent, qx Q), and
// the true values that coverage and bias are measured against.
type Truth struct {
	// ID and Time name the unit and period columns.
	ID              string   `json:"id"`
	Time            string   `json:"time"`
	Y               string   `json:"y"`
	Regressors      []string `json:"regressors"`
	RegimeDependent []string `json:"regime_dependent"`
	Q               string   `json:"q"`
	// Thresholds are the true thresholds at which some regime-dependent
	// slope changes, increasing; a listed threshold whose regimes have
	// equal slopes (effect 0) is no threshold and is left out, so
	// len(Thresholds) is the true number of thresholds (0 under the null
	// of linearity).
	Thresholds []float64 `json:"thresholds"`
	// Slopes[k][j] is the slope of RegimeDependent[j] in regime k of
	// Thresholds (len(Thresholds)+1 rows).
	Slopes [][]float64 `json:"slopes"`
	// Fixed[j] is the slope of Regressors[j].
	Fixed []float64 `json:"fixed"`
}

// Truth returns the true model of a valid expanded design; that of an
// invalid one is the zero Truth.
func (d Design) Truth() Truth {
	if d.Validate() != nil {
		return Truth{}
	}
	if d.Family == FamilyProvinces {
		return provincesTruth()
	}
	d = d.normalized()
	t := Truth{
		ID:              ColumnID,
		Time:            ColumnTime,
		Y:               ColumnY,
		Regressors:      names(d.Regressors),
		RegimeDependent: names(d.RegimeDependent),
		Q:               d.Q.Name,
		Fixed:           make([]float64, len(d.Regressors)),
	}
	if d.Family == FamilyResample {
		t.ID, t.Time, t.Y = d.ID, d.Time, d.Y
	}
	for j, r := range d.Regressors {
		t.Fixed[j] = r.Slope
	}
	slopes := d.regimeSlopes()
	t.Slopes = [][]float64{slopes[0]}
	for k, g := range d.Thresholds {
		if !slices.Equal(slopes[k+1], slopes[k]) {
			t.Thresholds = append(t.Thresholds, g)
			t.Slopes = append(t.Slopes, slopes[k+1])
		}
	}
	return t
}

// regimeSlopes returns the slopes of every regime of the listed thresholds,
// Effect applied.
func (d Design) regimeSlopes() [][]float64 {
	if len(d.Effect) == 0 {
		return d.Slopes
	}
	out := make([][]float64, len(d.Thresholds)+1)
	for k := range out {
		out[k] = make([]float64, len(d.Slopes[0]))
		for j, b := range d.Slopes[0] {
			out[k][j] = b + float64(k)*d.Effect.Value()
		}
	}
	return out
}

// Columns of the provinces family's samples.
var (
	provincesRegressors = []string{"lnpgdp", "lnopen", "lnes", "lncap", "trend"}
	provincesRegime     = "lndig"
)

// provincesTruth is the reduced form of simulate.Provinces without the
// mediators (see the package documentation): the mediators' slopes on
// lndig, lnpgdp, lncap and the trend pass through their slopes on lncie.
func provincesTruth() Truth {
	p := simulate.ProvinceParameters()
	return Truth{
		ID:              ColumnID,
		Time:            ColumnTime,
		Y:               "lncie",
		Regressors:      provincesRegressors,
		RegimeDependent: []string{provincesRegime},
		Q:               provincesRegime,
		Thresholds:      []float64{p.Threshold},
		Slopes:          [][]float64{{p.TotalLow()}, {p.TotalHigh()}},
		Fixed: []float64{
			p.Controls[0] + p.IndB*p.IndPGDP,
			p.Controls[1],
			p.Controls[2],
			p.Controls[3] + p.TecB*p.TecCap,
			provincesTrendCIE + p.IndB*provincesTrendInd + p.TecB*provincesTrendTec,
		},
	}
}
