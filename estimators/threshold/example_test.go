package threshold_test

import (
	"fmt"
	"log"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
)

// hansen prepares Hansen's (1999) application: investment on lagged Tobin's
// q and debt, with lagged cash flow's slope switching at thresholds of
// lagged debt, in the convention of his GAUSS program, with reps bootstrap
// replications per stage.
func hansen(thresholds, reps int) *threshold.Problem {
	return hansenVCE(thresholds, reps, threshold.Conventional)
}

// hansenVCE is hansen with the given inference.
func hansenVCE(thresholds, reps int, vce threshold.VCE) *threshold.Problem {
	tab, err := panel.ReadCSVFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		log.Fatal(err)
	}
	p, err := threshold.Prepare(tab, threshold.Spec{
		Convention: threshold.Hansen,
		ID:         "id", Time: "year",
		Depvar:     "i",
		Indep:      []string{"L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"},
		Rx:         []string{"L.c"},
		Qx:         "L.d",
		Thresholds: thresholds,
		Grid:       threshold.Grid{Points: 400},
		Trim:       []float64{0.01, 0.01, 0.05}[:thresholds],
		Reps:       []int{reps},
		Seed:       1,
		VCE:        vce,
	})
	if err != nil {
		log.Fatal(err)
	}
	return p
}

// Point estimates of Hansen's three-threshold model, without bootstrap: the
// thresholds each stage adds and the F statistics of his Table 2.
func ExampleProblem_PointEstimates() {
	p := hansen(3, 0)
	est, err := p.PointEstimates(threshold.Fast)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("S0 = %.6f\n", est.LinearRSS)
	for _, st := range est.Stages {
		fmt.Printf("stage %d: adds %.5f, thresholds %.5f, S = %.6f, F = %.4f\n",
			st.K, st.Added, st.Thresholds, st.RSS, st.F)
	}
	// Output:
	// S0 = 16.591220
	// stage 1: adds 0.01570, thresholds [0.01570], S = 16.517795, F = 32.6499
	// stage 2: adds 0.53616, thresholds [0.01570 0.53616], S = 16.459979, F = 25.7994
	// stage 3: adds 0.33134, thresholds [0.01570 0.53616 0.33134], S = 16.450614, F = 4.1814
}

// Estimate runs the point estimation and every stage's bootstrap in this
// process: Hansen's three-threshold model with his 300 replications per
// stage. The p-values depend on the seed and on nothing else (not on the
// number of goroutines, nor on how replications are split). Hansen's paper
// reports 0.003, 0.017 and 0.723, his program's shipped output 0.0067,
// 0.0167 and 0.740: other draws of the same bootstrap.
func ExampleProblem_Estimate() {
	p := hansen(3, 300)
	res, err := p.Estimate(threshold.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, st := range res.Stages {
		b := st.Bootstrap
		fmt.Printf("%s: F = %.2f, p = %.4f (B = %d), critical values 10%% %.2f, 5%% %.2f, 1%% %.2f\n",
			threshold.StageName(st.K), st.FStat, b.PValue, b.Reps, b.Crit10, b.Crit5, b.Crit1)
	}
	// Output:
	// Single: F = 32.65, p = 0.0033 (B = 300), critical values 10% 13.12, 5% 16.45, 1% 24.61
	// Double: F = 25.80, p = 0.0133 (B = 300), critical values 10% 12.05, 5% 14.76, 1% 34.61
	// Triple: F = 4.18, p = 0.7133 (B = 300), critical values 10% 10.79, 5% 12.99, 1% 18.78
}

// Bootstrap computes any range of a stage's replications: here stage 2's
// 100 replications in two pieces, as two workers of a cluster would. The
// pieces, joined in replication order, are the statistics of a single call,
// bit for bit, and Summarize turns them into the stage's test.
func ExampleProblem_Bootstrap() {
	p := hansen(2, 100)
	est, err := p.PointEstimates(threshold.Fast)
	if err != nil {
		log.Fatal(err)
	}
	stage2 := est.Stages[1]
	first, err := p.Bootstrap(threshold.Fast, stage2.Setup(), 0, 40)
	if err != nil {
		log.Fatal(err)
	}
	rest, err := p.Bootstrap(threshold.Fast, stage2.Setup(), 40, 100)
	if err != nil {
		log.Fatal(err)
	}
	whole, err := p.Bootstrap(threshold.Fast, stage2.Setup(), 0, 100)
	if err != nil {
		log.Fatal(err)
	}
	joined := append(first, rest...)
	same := true
	for r := range whole {
		same = same && joined[r] == whole[r]
	}
	fmt.Println("split equals whole:", same)
	s := threshold.Summarize(stage2.F, whole)
	fmt.Printf("F2 = %.2f, p = %.2f, 5%% critical value %.2f\n", stage2.F, s.PValue, s.Crit5)
	// Output:
	// split equals whole: true
	// F2 = 25.80, p = 0.02, 5% critical value 15.79
}

// Each stage reports Hansen's confidence set for the thresholds it
// estimated: the candidates whose likelihood ratio LR(g) stays below
// c(0.95) = LRCritical(0.95). Stage 2 holds the refined first threshold and
// the second one; the LR curves behind them are in LRCurves.
func ExampleStageResult_intervals() {
	p := hansen(2, 0)
	est, err := p.PointEstimates(threshold.Fast)
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.AssemblePoint(est)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("c(0.95) = %.4f\n", threshold.LRCritical(0.95))
	for _, st := range res.Stages {
		for i, in := range st.Intervals {
			fmt.Printf("stage %d: %.5f in [%.5f, %.5f] (%d LR points)\n",
				st.K, in.Threshold, in.Lower, in.Upper, len(st.LRCurves[i].Points))
		}
	}
	// Output:
	// c(0.95) = 7.3523
	// stage 1: 0.01570 in [0.01392, 0.01806] (393 LR points)
	// stage 2: 0.01570 in [0.01392, 0.01806] (385 LR points)
	// stage 2: 0.53616 in [0.53049, 0.56287] (385 LR points)
}

// With the default inference the result tests the residuals of the final
// model for heteroskedasticity in the regime-dependent regressor: on
// Hansen's data it rejects and advises robust inference.
func ExampleHeteroskedasticityTest() {
	p := hansen(1, 0)
	est, err := p.PointEstimates(threshold.Fast)
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.AssemblePoint(est)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Heteroskedasticity.Line())
	// Output:
	// Heteroskedasticity (Koenker-Breusch-Pagan on L.c, L.c^2): chi2(2) = 18.33, p = 0.0001; the test and the intervals assume homoskedastic errors: rerun with --vce cluster
}

// With robust inference each confidence set is {g : LR(g)/eta^2 < c(a)},
// eta^2 being Hansen's (2000) heteroskedasticity scale: on Hansen's data it
// widens the sets of the two-threshold model to the searched range.
func ExampleInterval_eta2() {
	p := hansenVCE(2, 0, threshold.Cluster)
	est, err := p.PointEstimates(threshold.Fast)
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.AssemblePoint(est)
	if err != nil {
		log.Fatal(err)
	}
	for _, in := range res.Stages[1].Intervals {
		fmt.Printf("%.5f: eta^2 = %.3f, set [%.5f, %.5f]\n", in.Threshold, in.Eta2, in.Lower, in.Upper)
	}
	// Output:
	// 0.01570: eta^2 = 6.778, set [0.00403, 1.00593]
	// 0.53616: eta^2 = 5.348, set [0.00403, 1.00593]
}

// ExampleFEHeader prints xtreg, fe's header of Wang's (2015) single-threshold
// example (xthreg convention, threshold 0.01538 given) and the Wald test
// that the cash-flow slope is equal in both regimes.
func ExampleFEHeader() {
	tab, err := panel.ReadCSVFile("../../testdata/hansen1999/hansen1999_xthreg.csv")
	if err != nil {
		log.Fatal(err)
	}
	p, err := threshold.Prepare(tab, threshold.Spec{Convention: threshold.Xthreg, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"q1", "q2", "q3", "d1", "qd1"}, Rx: []string{"c1"}, Qx: "d1", Thresholds: 1,
		Trim: []float64{0.01}, Reps: []int{0}, Given: []float64{0.01538}})
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.Estimate(threshold.Options{})
	if err != nil {
		log.Fatal(err)
	}
	h := res.Stages[0].Header
	fmt.Printf("R-sq within %.4f, between %.4f, overall %.4f; F(%d,%d) = %.2f; corr(u_i, Xb) = %.4f\n",
		h.R2Within, h.R2Between, h.R2Overall, h.F.DF1, h.F.DF2, h.F.Stat, h.CorrUXb)
	fmt.Printf("sigma_u %.8f, sigma_e %.8f, rho %.8f; F test that all u_i = 0: F(%d, %d) = %.2f\n",
		h.SigmaU, h.SigmaE, h.Rho, h.FUnits.DF1, h.FUnits.DF2, h.FUnits.Stat)
	e := res.Stages[0].EqualSlopes[0]
	fmt.Printf("equal slopes of %s: F(%d, %d) = %.2f, p = %.2g\n", e.Regressor, e.DF1, e.DF2, e.Stat, e.PValue)
	// Output:
	// R-sq within 0.0951, between 0.0692, overall 0.0660; F(7,7338) = 110.21; corr(u_i, Xb) = -0.3972
	// sigma_u 0.03980548, sigma_e 0.04922656, rho 0.39535508; F test that all u_i = 0: F(564, 7338) = 6.90
	// equal slopes of c1: F(1, 7338) = 32.71, p = 1.1e-08
}
