package threshold

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/panel"
)

// TestFEHeaderIndependent recomputes xtreg, fe's header from its
// definitions with loops and least squares by normal equations on
// explicit designs instead of packages within and ols: in xthreg convention the
// slopes and fixed effects come from the dummy-variable regression (LSDV),
// u_i = a_i - c with c the observation-weighted mean of the unit intercepts
// a_i (xtreg, fe's _cons); in Hansen's convention, whose transform deletes
// each unit's last period after demeaning over all periods, from the
// reported slopes and the means over all periods. Then, over the used rows,
// R-sq within/overall = corr^2 of the demeaned/level y and xb, between over
// the unit means, sigma_e^2 = RSS/(N-n-K), sigma_u = sd(u_i) over units,
// rho = sigma_u^2/(sigma_u^2 + sigma_e^2), F = (R2w/K)/((1-R2w)/(N-n-K)), and
// the F test of u_i = 0 against the pooled regression with a constant.
func TestFEHeaderIndependent(t *testing.T) {
	for _, conv := range []Convention{Hansen, Xthreg} {
		t.Run(conv.String(), func(t *testing.T) {
			spec := hetSpec(conv, Conventional)
			spec.Given = []float64{0.5}
			p, res := prepareAndEstimate(t, hetPanel(11, 40, 6, heteroskedastic, false), spec)
			st := res.Stages[0]
			g := st.Thresholds[0]
			const n, T, K = 40, 6, 2
			used := T
			if conv == Hansen {
				used = T - 1
			}
			N := n * used
			// Level regime design: x below and above g.
			level := func(r int) [K]float64 {
				if conv.inLower(p.q[r], g) {
					return [K]float64{p.x[0][r], 0}
				}
				return [K]float64{0, p.x[0][r]}
			}
			lstsq := func(a *mat.Dense, y []float64) []float64 { // normal equations
				var xtx, xty, b mat.Dense
				xtx.Mul(a.T(), a)
				xty.Mul(a.T(), mat.NewDense(len(y), 1, y))
				if err := b.Solve(&xtx, &xty); err != nil {
					t.Fatal(err)
				}
				return mat.Col(nil, 0, &b)
			}
			var b [K]float64
			u := make([]float64, n)
			ySub := make([]float64, 0, N)
			for i := 0; i < n; i++ {
				ySub = append(ySub, p.y[i*T:i*T+used]...)
			}
			if conv == Xthreg {
				lsdv := mat.NewDense(N, K+n, nil)
				for i := 0; i < n; i++ {
					for s := 0; s < used; s++ {
						row := i*used + s
						l := level(i*T + s)
						lsdv.Set(row, 0, l[0])
						lsdv.Set(row, 1, l[1])
						lsdv.Set(row, K+i, 1)
					}
				}
				coef := lstsq(lsdv, ySub)
				b = [K]float64{coef[0], coef[1]}
				c := 0.0
				for i := 0; i < n; i++ {
					c += coef[K+i] / n // balanced: every unit has T rows
				}
				for i := range u {
					u[i] = coef[K+i] - c
				}
			} else {
				b = [K]float64{st.Coefficients[0].Estimate, st.Coefficients[1].Estimate}
			}
			for j := range b {
				if math.Abs(b[j]-st.Coefficients[j].Estimate) > 1e-10*math.Abs(b[j]) {
					t.Errorf("slope %d: LSDV %v, reported %v", j, b[j], st.Coefficients[j].Estimate)
				}
			}
			xb := func(r int) float64 { l := level(r); return b[0]*l[0] + b[1]*l[1] }
			yMean, xbMean := make([]float64, n), make([]float64, n)
			for i := 0; i < n; i++ {
				for r := i * T; r < (i+1)*T; r++ {
					yMean[i] += p.y[r] / T
					xbMean[i] += xb(r) / T
				}
				if conv == Hansen {
					u[i] = yMean[i] - xbMean[i]
				}
			}
			corr := func(a, b []float64) float64 {
				var ma, mb, sab, saa, sbb float64
				for i := range a {
					ma += a[i] / float64(len(a))
					mb += b[i] / float64(len(b))
				}
				for i := range a {
					sab += (a[i] - ma) * (b[i] - mb)
					saa += (a[i] - ma) * (a[i] - ma)
					sbb += (b[i] - mb) * (b[i] - mb)
				}
				return sab / math.Sqrt(saa*sbb)
			}
			var yW, xbW, yL, xbL, uL []float64
			rss := 0.0
			pooled := mat.NewDense(N, K+1, nil)
			for i := 0; i < n; i++ {
				for s := 0; s < used; s++ {
					r := i*T + s
					e := p.y[r] - xb(r) - yMean[i] + xbMean[i]
					rss += e * e
					yW, xbW = append(yW, p.y[r]-yMean[i]), append(xbW, xb(r)-xbMean[i])
					yL, xbL, uL = append(yL, p.y[r]), append(xbL, xb(r)), append(uL, u[i])
					l := level(r)
					pooled.Set(i*used+s, 0, l[0])
					pooled.Set(i*used+s, 1, l[1])
					pooled.Set(i*used+s, 2, 1)
				}
			}
			pb := lstsq(pooled, ySub)
			rssPooled := 0.0
			for row, y := range ySub {
				e := y - pb[0]*pooled.At(row, 0) - pb[1]*pooled.At(row, 1) - pb[2]
				rssPooled += e * e
			}
			dfR := float64(N - n - K)
			uMean, uSS := 0.0, 0.0
			for _, v := range u {
				uMean += v / n
			}
			for _, v := range u {
				uSS += (v - uMean) * (v - uMean)
			}
			r2w := math.Pow(corr(yW, xbW), 2)
			sigmaU, sigmaE := math.Sqrt(uSS/(n-1)), math.Sqrt(rss/dfR)
			h := st.Header
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"R-sq within", float64(h.R2Within), r2w},
				{"R-sq between", float64(h.R2Between), math.Pow(corr(yMean, xbMean), 2)},
				{"R-sq overall", float64(h.R2Overall), math.Pow(corr(yL, xbL), 2)},
				{"F", float64(h.F.Stat), r2w / K / ((1 - r2w) / dfR)},
				{"corr(u_i, Xb)", float64(h.CorrUXb), corr(uL, xbL)},
				{"sigma_u", float64(h.SigmaU), sigmaU},
				{"sigma_e", float64(h.SigmaE), sigmaE},
				{"rho", float64(h.Rho), sigmaU * sigmaU / (sigmaU*sigmaU + sigmaE*sigmaE)},
				{"F test that all u_i = 0", float64(h.FUnits.Stat), (rssPooled - rss) / (n - 1) / (rss / dfR)},
				{"RSS", st.RSS, rss},
			} {
				if math.Abs(c.got-c.want) > 1e-9*math.Abs(c.want) {
					t.Errorf("%s = %.12g, independent %.12g", c.name, c.got, c.want)
				}
			}
			if h.Obs != N || h.Groups != n || h.F.DF1 != K || h.F.DF2 != N-n-K || h.FUnits.DF1 != n-1 || h.FUnits.DF2 != N-n-K ||
				h.ObsPerGroupMin != used || h.ObsPerGroupMax != used {
				t.Errorf("header counts %+v; want %d obs, %d groups, %d per group, F(%d,%d), F units (%d,%d)", *h, N, n, used, K, N-n-K, n-1, N-n-K)
			}
			if h.F.PValue <= 0 || h.F.PValue >= 1e-6 || h.FUnits.PValue <= 0 || h.FUnits.PValue >= 1e-6 {
				t.Errorf("p-values %v and %v; want tiny positive values for a strong slope and unit effects", h.F.PValue, h.FUnits.PValue)
			}
		})
	}
}

// TestFEHeaderNoResidualDF checks that Prepare refuses, before any search or
// bootstrap, a regression without residual degrees of freedom: Hansen's
// transform leaves 4 rows for 2 units and 2 slopes.
func TestFEHeaderNoResidualDF(t *testing.T) {
	csv := "id,t,y,x,q\n1,1,1,0.5,0.1\n1,2,2,0.7,0.9\n1,3,2.5,0.1,0.5\n2,1,0.3,0.2,0.2\n2,2,1.2,0.9,0.8\n2,3,1.9,0.3,0.4\n"
	tab, err := panel.ReadCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Convention: Hansen, ID: "id", Time: "t", Depvar: "y", Rx: []string{"x"}, Qx: "q", Thresholds: 1,
		Trim: []float64{0.1}, Reps: []int{0}, Given: []float64{0.45}}
	_, err = Prepare(tab, spec) // before any search or bootstrap
	want := "invalid data for the model: 4 observations leave no residual degrees of freedom for 2 units and 2 slopes"
	if !errors.Is(err, ErrData) || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
