package dynthreshold

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// z975 is the 0.975 quantile of the standard normal distribution.
const z975 = 1.959963984540054

// Coefficient is one estimate with its standard error and 95% interval.
type Coefficient struct {
	Name     string  `json:"name"`
	Estimate float64 `json:"estimate"`
	SE       float64 `json:"se"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
}

// Result is an estimated model. Its JSON form is stable: fields in this
// order, the grid and objectives in grid order.
type Result struct {
	Model       string `json:"model"` // "jump" or "kink"
	Dynamic     bool   `json:"dynamic"`
	Depvar      string `json:"depvar"`
	Qx          string `json:"qx"`
	Units       int    `json:"units"`
	Periods     int    `json:"periods"`
	FirstPeriod int    `json:"first_period"`
	LastPeriod  int    `json:"last_period"`
	Equations   int    `json:"equations_per_unit"`
	Instruments int    `json:"instruments"`
	// Unbalanced panels: the equations of all units (Units*Equations when
	// balanced) and the units left without one, dropped.
	Unbalanced    bool `json:"unbalanced"`
	EquationTotal int  `json:"equations"`
	UnitsDropped  int  `json:"units_dropped"`
	// Coefficients in xthenreg's order: the x slopes (_b), the shifts
	// (_d; kink: kink_slope), then the threshold r.
	Coefficients []Coefficient `json:"coefficients"`
	Threshold    float64       `json:"threshold"`
	// FirstStepThreshold minimises the first-step objective.
	FirstStepThreshold float64 `json:"first_step_threshold"`
	Bandwidth          float64 `json:"bandwidth"`
	// J is the second-step objective at the threshold.
	J    float64   `json:"j"`
	Grid []float64 `json:"grid"`
	// Objective and FirstStepObjective are J over the grid under W2 and W1.
	Objective          []float64  `json:"objective"`
	FirstStepObjective []float64  `json:"first_step_objective"`
	Linearity          *Linearity `json:"linearity,omitempty"`
}

// fitGrid fits every grid point under w and returns the fits and the index
// of the first minimum of J.
func (pr *Problem) fitGrid(ctx context.Context, w *mat.SymDense, gbar1 *mat.VecDense) ([]gmmFit, []*mat.Dense, int, error) {
	fits := make([]gmmFit, len(pr.grid))
	g2s := make([]*mat.Dense, len(pr.grid))
	best := 0
	for k, g := range pr.grid {
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
		g2s[k] = pr.g2(g)
		f, err := gmm(w, g2s[k], gbar1, g)
		if err != nil {
			return nil, nil, 0, err
		}
		fits[k] = f
		if f.j < fits[best].j {
			best = k
		}
	}
	return fits, g2s, best, nil
}

// Estimate runs the two GMM steps over the grid and the variance at the
// estimated threshold, and, when Spec.Boost > 0, the linearity test with the
// bootstrap of Spec.Bootstrap (on its fast path). It returns ctx's error, between grid points or batches of
// replications, once ctx is done.
func (pr *Problem) Estimate(ctx context.Context) (*Result, error) {
	res, err := pr.estimate(ctx)
	if err != nil || pr.spec.Boost == 0 {
		return res, err
	}
	setup, err := pr.LinearitySetup(ctx)
	if err != nil {
		return nil, err
	}
	if pr.spec.Bootstrap == BootstrapWild {
		wb, err := pr.WildBootstrap(ctx)
		if err != nil {
			return nil, err
		}
		stats, err := wb.Replicate(ctx, Fast, pr.spec.Seed, 0, pr.spec.Boost)
		if err != nil {
			return nil, err
		}
		res.Linearity = setup.linearity(pr.spec.Seed, stats)
		return res, nil
	}
	if res.Linearity, err = setup.Test(ctx, pr.spec.Boost, pr.spec.Seed, Fast); err != nil {
		return nil, err
	}
	return res, nil
}

// estimate is Estimate without the linearity test.
func (pr *Problem) estimate(ctx context.Context) (*Result, error) {
	gbar1 := pr.gbar1()
	w1, err := pr.firstStepWeight()
	if err != nil {
		return nil, err
	}
	fits1, _, k1, err := pr.fitGrid(ctx, w1, gbar1)
	if err != nil {
		return nil, fmt.Errorf("first step: %w", err)
	}
	g1 := pr.grid[k1]
	w2, err := invertSym(centredCovariance(pr.residualMoments(g1, fits1[k1].theta)),
		fmt.Sprintf("the second-step weight matrix (residuals at the first-step threshold %v)", g1))
	if err != nil {
		return nil, err
	}
	fits2, g2s, k2, err := pr.fitGrid(ctx, w2, gbar1)
	if err != nil {
		return nil, fmt.Errorf("second step: %w", err)
	}
	gamma, theta := pr.grid[k2], fits2[k2].theta
	omegaInv, err := invertSym(centredCovariance(pr.residualMoments(gamma, theta)),
		fmt.Sprintf("the moment covariance Omega at the threshold %v", gamma))
	if err != nil {
		return nil, err
	}
	v, err := pr.variance(g2s[k2], omegaInv, gamma, theta)
	if err != nil {
		return nil, err
	}
	res := &Result{Model: "jump", Dynamic: !pr.spec.Static, Depvar: pr.spec.Depvar, Qx: pr.spec.Qx,
		Units: pr.n, Periods: len(pr.periods), FirstPeriod: pr.periods[0], LastPeriod: pr.periods[len(pr.periods)-1],
		Equations: pr.m, Instruments: pr.L(), Threshold: gamma, FirstStepThreshold: g1, Bandwidth: pr.h,
		J: fits2[k2].j, Grid: pr.grid, Unbalanced: pr.spec.Unbalanced, UnitsDropped: pr.dropped}
	for _, d := range pr.dy {
		res.EquationTotal += len(d)
	}
	if pr.spec.Kink {
		res.Model = "kink"
	}
	for k := range pr.grid {
		res.Objective = append(res.Objective, fits2[k].j)
		res.FirstStepObjective = append(res.FirstStepObjective, fits1[k].j)
	}
	est := append(append([]float64(nil), theta...), gamma)
	for c, name := range pr.coefficientNames() {
		vc := v.At(c, c)
		if !(vc >= 0) || math.IsInf(vc, 0) {
			// A JSON result cannot carry NaN or Inf: say why instead.
			return nil, fmt.Errorf("%w: the variance of %s is %g, not a finite non-negative number (the weight matrix or the threshold's derivative is degenerate)", ErrSingular, name, vc)
		}
		se := math.Sqrt(vc)
		res.Coefficients = append(res.Coefficients, Coefficient{Name: name, Estimate: est[c], SE: se,
			Lower: est[c] - z975*se, Upper: est[c] + z975*se})
	}
	return res, nil
}

// coefficientNames returns xthenreg's names of (theta, gamma).
func (pr *Problem) coefficientNames() []string {
	var names []string
	for _, x := range pr.names {
		names = append(names, x+"_b")
	}
	if pr.spec.Kink {
		return append(names, "kink_slope", "r")
	}
	names = append(names, "cons_d")
	for _, x := range pr.names {
		names = append(names, x+"_d")
	}
	return append(names, "r")
}

// variance returns V = (G' Omega^-1 G)^-1 / n with G = (G2, G_gamma), the
// derivative of the moments with respect to (theta, gamma) up to sign.
func (pr *Problem) variance(g2 *mat.Dense, omegaInv *mat.SymDense, g float64, theta []float64) (*mat.SymDense, error) {
	L := pr.L()
	G := mat.NewDense(L, pr.p+1, nil)
	G.Slice(0, L, 0, pr.p).(*mat.Dense).Copy(g2)
	G.SetCol(pr.p, pr.gGamma(g, theta))
	info, err := sandwich(G, omegaInv, fmt.Sprintf("G'Omega^-1 G at the threshold %v", g))
	if err != nil {
		return nil, err
	}
	info.ScaleSym(1/float64(pr.n), info)
	return info, nil
}

// gGamma returns minus the derivative of the moments in the threshold g at
// theta:
//
//	jump: G_gamma = (n h)^-1 sum_i Z_i' [(1, x_i,t-1') phi((g - q_i,t-1)/h)
//	                                     - (1, x_it') phi((g - q_it)/h)] delta
//	kink: G_gamma = -delta n^-1 sum_i Z_i' (1{q_it > g} - 1{q_i,t-1 > g})
//
// phi the standard normal density: in the jump model 1{q > g} has no
// derivative and is smoothed as Phi((q - g)/h), a normal kernel of
// bandwidth h; the kink's term is differentiable as it is.
func (pr *Problem) gGamma(g float64, theta []float64) []float64 {
	out := make([]float64, pr.L())
	delta := theta[pr.k:]
	for i := 0; i < pr.n; i++ {
		e := make([]float64, len(pr.dy[i]))
		for j := range e {
			qt, ql := pr.qt[i][j], pr.ql[i][j]
			if pr.spec.Kink {
				e[j] = -delta[0] * (indicator(qt > g) - indicator(ql > g))
				continue
			}
			pt, pl := normalPDF((g-qt)/pr.h), normalPDF((g-ql)/pr.h)
			s := 0.0
			for c, d := range delta {
				s += (pr.xl[i][j][c]*pl - pr.xt[i][j][c]*pt) * d
			}
			e[j] = s / pr.h
		}
		pr.ztAdd(i, e, 1/float64(pr.n), out)
	}
	return out
}

// sandwich returns (G' A G)^-1.
func sandwich(G *mat.Dense, a *mat.SymDense, what string) (*mat.SymDense, error) {
	var ag, gag mat.Dense
	ag.Mul(a, G)
	gag.Mul(G.T(), &ag)
	return invertSym(symmetricPart(&gag), what)
}

func normalPDF(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
