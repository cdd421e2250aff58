package dynthreshold

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// dgp simulates a panel with unit effects alpha_i ~ N(0,1), an exogenous
// x_it ~ N(0,1), and a threshold variable q_it = 0.5 q_i,t-1 + u_it whose
// innovation is correlated with the error (corr(u_it, e_it) = rho: q is
// endogenous), e_it ~ N(0,1):
//
//	jump: y_it = alpha_i + x_it'beta + (1, x_it')delta 1{q_it > gamma} + e_it
//	kink: y_it = alpha_i + x_it'beta + delta (q_it - gamma) 1{q_it > gamma} + e_it
//
// x_it = (y_i,t-1, x_it) unless static. Each unit starts from zero and
// runs 50 periods before the T kept.
type dgp struct {
	n, T   int
	static bool
	kink   bool
	gamma  float64
	beta   []float64 // Lag_y_b (dynamic), x_b
	delta  []float64 // cons_d, Lag_y_d (dynamic), x_d; or the kink slope
	rho    float64
}

const burnIn = 50

// table returns the simulated panel as a table with columns id, t, y, x, q.
func (d dgp) table(t testing.TB, seed uint64) *panel.Table {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var buf bytes.Buffer
	buf.WriteString("id,t,y,x,q\n")
	for i := 0; i < d.n; i++ {
		alpha := rng.NormFloat64()
		y, q := 0.0, 0.0
		for s := 0; s < burnIn+d.T; s++ {
			e := rng.NormFloat64()
			q = 0.5*q + d.rho*e + math.Sqrt(1-d.rho*d.rho)*rng.NormFloat64()
			x := rng.NormFloat64()
			xs := []float64{x}
			if !d.static {
				xs = []float64{y, x}
			}
			next := alpha + e
			for c, b := range d.beta {
				next += b * xs[c]
			}
			if q > d.gamma {
				if d.kink {
					next += d.delta[0] * (q - d.gamma)
				} else {
					next += d.delta[0]
					for c, b := range d.delta[1:] {
						next += b * xs[c]
					}
				}
			}
			y = next
			if s >= burnIn {
				fmt.Fprintf(&buf, "%d,%d,%.17g,%.17g,%.17g\n", i+1, s-burnIn+1, y, x, q)
			}
		}
	}
	tab, err := panel.ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// spec is the model of the simulated panel: x exogenous, q endogenous and
// instrumented by its own lags.
func (d dgp) spec() Spec {
	return Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"},
		Static: d.static, Kink: d.kink}
}
