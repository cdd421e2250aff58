package threshold

import (
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestWritePredictions checks, in both conventions, that the rows are the
// regression's (Hansen's transform deletes each unit's last period), that
// their residuals reproduce the RSS, that fitted + residual = y, that the
// regimes count as regime_obs, and that the fixed effect is the unit's
// constant, centred over the rows in xthreg convention (its _cons absorbs
// the mean).
func TestWritePredictions(t *testing.T) {
	for _, conv := range []Convention{Hansen, Xthreg} {
		t.Run(conv.String(), func(t *testing.T) {
			p, res := prepareAndEstimate(t, hetPanel(3, 30, 5, homoskedastic, false), hetSpec(conv, Conventional))
			var b strings.Builder
			if err := p.WritePredictions(&b, res); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != PredictionHeader {
				t.Fatalf("header %v, want %s", rows[0], PredictionHeader)
			}
			rows = rows[1:]
			st := res.Stages[0]
			if len(rows) != st.Header.Obs {
				t.Fatalf("%d rows, want the %d observations of the regression", len(rows), st.Header.Obs)
			}
			rss, feSum := 0.0, 0.0
			counts := make([]int, 2)
			fe := map[string]string{}
			yAt := map[[2]string]float64{}
			for r, y := range p.y {
				yAt[[2]string{p.units[r/5], strconv.Itoa(p.periods[p.period[r]])}] = y
			}
			for _, row := range rows {
				v := make([]float64, 3)
				for j := range v {
					if v[j], err = strconv.ParseFloat(row[3+j], 64); err != nil {
						t.Fatal(err)
					}
				}
				reg, _ := strconv.Atoi(row[2])
				counts[reg]++
				rss += v[1] * v[1]
				feSum += v[2]
				if y := yAt[[2]string{row[0], row[1]}]; math.Abs(v[0]+v[1]-y) > 1e-12*math.Max(1, math.Abs(y)) {
					t.Errorf("row %v: fitted + residual = %v, y = %v", row, v[0]+v[1], y)
				}
				if prev, ok := fe[row[0]]; ok && prev != row[5] {
					t.Errorf("unit %s has fixed effects %s and %s", row[0], prev, row[5])
				}
				fe[row[0]] = row[5]
				if conv == Hansen && row[1] == "4" {
					t.Errorf("row %v: Hansen's regression does not use the last period", row)
				}
			}
			if math.Abs(rss-st.RSS) > 1e-10*st.RSS {
				t.Errorf("sum of squared residuals %.15g, RSS %.15g", rss, st.RSS)
			}
			if counts[0] != st.RegimeObs[0] || counts[1] != st.RegimeObs[1] {
				t.Errorf("regime counts %v, regime_obs %v", counts, st.RegimeObs)
			}
			if conv == Xthreg && math.Abs(feSum) > 1e-9 {
				t.Errorf("fixed effects sum to %v over the rows; xtreg, fe's u_i sum to 0", feSum)
			}
		})
	}
}

// TestWritePredictionsForeignResult checks the message for a result whose
// model does not fit the data.
func TestWritePredictionsForeignResult(t *testing.T) {
	p, err := Prepare(hetPanel(3, 30, 5, homoskedastic, false), hetSpec(Xthreg, Conventional))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WritePredictions(&strings.Builder{}, &Result{}); err == nil || err.Error() != "the result has no stage to predict from" {
		t.Errorf("error %v for a result without stages", err)
	}
	res := &Result{Stages: []StageResult{{K: 2, Thresholds: []float64{0.3, 0.6}}}, Coefficients: []Coefficient{{Name: "x"}, {Name: "x"}}}
	err = p.WritePredictions(&strings.Builder{}, res)
	if want := "the result has 2 slopes and 2 thresholds, the data's model 3 slopes: the result does not belong to these data"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
