package dynthreshold

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/panel"
)

// agree reports whether a and b agree to rel relative to the larger.
func agree(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

// oracleProblem is a problem on which fast paths are held to their
// reference.
type oracleProblem struct {
	name string
	tab  *panel.Table
	spec Spec
}

// oracleProblems returns random panels (static and dynamic, jump and kink,
// balanced and unbalanced, seeds) and Hansen's investment data.
func oracleProblems(t *testing.T) []oracleProblem {
	type problem = oracleProblem
	var problems []problem
	for k, model := range []struct{ static, kink bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		for seed := uint64(1); seed <= 2; seed++ {
			problems = append(problems, problem{
				name: fmt.Sprintf("static=%v,kink=%v,seed=%d", model.static, model.kink, seed),
				tab:  randomTable(t, 70, 5, 20+10*uint64(k)+seed),
				spec: Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"}, Exog: []string{"w"},
					Static: model.static, Kink: model.kink, GridNum: 8, Seed: seed},
			})
		}
	}
	for _, model := range []struct{ static, kink bool }{{false, false}, {true, true}} {
		// Every ninth row dropped.
		var rows []string
		for r, line := range strings.Split(csvOf(t, 90, 6, -1), "\n") {
			if r%9 != 5 {
				rows = append(rows, line)
			}
		}
		problems = append(problems, problem{
			name: fmt.Sprintf("unbalanced,static=%v,kink=%v", model.static, model.kink),
			tab:  readCSV(t, strings.Join(rows, "\n")),
			spec: Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"},
				Static: model.static, Kink: model.kink, Unbalanced: true, GridNum: 8, Seed: 5},
		})
	}
	hansen, err := panel.ReadCSVFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	problems = append(problems, problem{name: "hansen", tab: hansen,
		spec: Spec{ID: "id", Time: "year", Depvar: "i", Qx: "d", Indep: []string{"q", "c", "d"}, Endo: []string{"d"}, GridNum: 4, Seed: 1}})
	return problems
}

// TestFastEqualsReference: the fast bootstrap gives the reference's supW*
// to 1e-9 relative, replication by replication, and the same test result,
// on oracleProblems.
func TestFastEqualsReference(t *testing.T) {
	const reps = 40
	for _, p := range oracleProblems(t) {
		t.Run(p.name, func(t *testing.T) {
			pr, err := Prepare(p.tab, p.spec)
			if err != nil {
				t.Fatal(err)
			}
			s, err := pr.LinearitySetup(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ref, fast := s.replicateReference(p.spec.Seed, 0, reps), s.replicateFast(p.spec.Seed, 0, reps)
			for b := range ref {
				if !agree(ref[b], fast[b], 1e-9) {
					t.Errorf("replication %d: reference %.17g, fast %.17g", b, ref[b], fast[b])
				}
			}
			// Offsets: a batch starting later draws the same streams.
			if tail := s.replicateFast(p.spec.Seed, 30, reps); !reflect.DeepEqual(tail, fast[30:]) {
				t.Errorf("replications 30..39 alone %v, in one batch %v", tail, fast[30:])
			}
			lr, err := s.Test(context.Background(), reps, p.spec.Seed, Reference)
			if err != nil {
				t.Fatal(err)
			}
			lf, err := s.Test(context.Background(), reps, p.spec.Seed, Fast)
			if err != nil {
				t.Fatal(err)
			}
			if lr.Exceed != lf.Exceed || lr.Statistic != lf.Statistic {
				t.Errorf("reference %+v, fast %+v", lr, lf)
			}
		})
	}
}

// TestWildFastEqualsReference: the full bootstrap's fast path gives the
// reference's supW* (LinearitySetup on every replication's data) to 1e-9
// relative, replication by replication, on oracleProblems; a range
// computed alone gives the same values.
func TestWildFastEqualsReference(t *testing.T) {
	const reps = 3
	ctx := context.Background()
	for _, p := range oracleProblems(t) {
		t.Run(p.name, func(t *testing.T) {
			pr, err := Prepare(p.tab, p.spec)
			if err != nil {
				t.Fatal(err)
			}
			wb, err := pr.WildBootstrap(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := wb.Replicate(ctx, Reference, p.spec.Seed, 0, reps)
			if err != nil {
				t.Fatal(err)
			}
			fast, err := wb.Replicate(ctx, Fast, p.spec.Seed, 0, reps)
			if err != nil {
				t.Fatal(err)
			}
			for b := range ref {
				if !agree(ref[b], fast[b], 1e-9) || !(ref[b] > 0) {
					t.Errorf("replication %d: reference %.17g, fast %.17g", b, ref[b], fast[b])
				}
			}
			if tail, err := wb.Replicate(ctx, Fast, p.spec.Seed, 2, reps); err != nil || tail[0] != fast[2] {
				t.Errorf("replication 2 alone %v (%v), in a range %v", tail, err, fast[2])
			}
		})
	}
}

// TestWildDraw checks the full bootstrap's data: the linear model's fit
// plus its residuals is dy, the two-step estimate solves its first-order
// condition G'W2 gbar(beta0) = 0, and a replication's dy* is the fit plus
// the residuals times one multiplier per unit.
func TestWildDraw(t *testing.T) {
	pr, err := Prepare(randomTable(t, 60, 6, 3), Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"},
		Endo: []string{"q"}, GridNum: 5})
	if err != nil {
		t.Fatal(err)
	}
	wb, err := pr.WildBootstrap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range wb.beta0[pr.k:] {
		if d != 0 {
			t.Fatalf("the linear fit has a shift: %v", wb.beta0)
		}
	}
	// First-order condition of the second step: G_lin'W2 (gbar1 - G_lin beta0) = 0.
	L := pr.L()
	w1, err := pr.firstStepWeight()
	if err != nil {
		t.Fatal(err)
	}
	glin := mat.DenseCopyOf(pr.g2(pr.grid[0]).Slice(0, L, 0, pr.k))
	beta1, err := gmm(w1, glin, pr.gbar1(), 0)
	if err != nil {
		t.Fatal(err)
	}
	theta1 := make([]float64, pr.p)
	copy(theta1, beta1.theta)
	w2, err := invertSym(centredCovariance(pr.residualMoments(pr.grid[0], theta1)), "W2")
	if err != nil {
		t.Fatal(err)
	}
	gbar := pr.gbar1()
	var fitted mat.VecDense
	fitted.MulVec(glin, mat.NewVecDense(pr.k, wb.beta0[:pr.k]))
	gbar.SubVec(gbar, &fitted)
	var foc, wg mat.VecDense
	wg.MulVec(w2, gbar)
	foc.MulVec(glin.T(), &wg)
	var scale mat.VecDense
	scale.MulVec(w2, pr.gbar1())
	if n, s := mat.Norm(&foc, math.Inf(1)), mat.Norm(&scale, math.Inf(1)); n > 1e-9*s {
		t.Errorf("first-order condition %v (scale %v)", n, s)
	}
	pb := wb.draw(7, 3)
	for i := range pr.dy {
		eta := 0.0
		for j := range pr.dy[i] {
			if got := wb.fit[i][j] + wb.resid[i][j]; math.Abs(got-pr.dy[i][j]) > 1e-12*(1+math.Abs(pr.dy[i][j])) {
				t.Fatalf("unit %d, equation %d: fit + residual %v, dy %v", i, j, got, pr.dy[i][j])
			}
			e := (pb.dy[i][j] - wb.fit[i][j]) / wb.resid[i][j]
			if j > 0 && math.Abs(e-eta) > 1e-9*(1+math.Abs(eta)) {
				t.Fatalf("unit %d: multipliers %v and %v in one unit", i, eta, e)
			}
			eta = e
		}
	}
	if other := wb.draw(7, 4); reflect.DeepEqual(other.dy, pb.dy) {
		t.Error("replications 3 and 4 draw the same data")
	}
}

// TestFastSetupFromWork: the setup rebuilt from the bytes Work ships gives
// the setup's own fast replications bit for bit on oracleProblems, and
// work of another problem or cut short is refused with a message.
func TestFastSetupFromWork(t *testing.T) {
	ctx := context.Background()
	problems := oracleProblems(t)
	var works [][]byte
	for _, p := range problems {
		pr, err := Prepare(p.tab, p.spec)
		if err != nil {
			t.Fatal(err)
		}
		s, err := pr.LinearitySetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		work := s.Work()
		if work == nil {
			t.Fatalf("%s: no work shipped", p.name)
		}
		works = append(works, work)
		shipped, err := pr.FastSetup(work)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if got, want := shipped.Replicate(Fast, p.spec.Seed, 0, 50), s.Replicate(Fast, p.spec.Seed, 0, 50); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: replications from shipped work %v, from the setup %v", p.name, got[:3], want[:3])
		}
	}
	pr, err := Prepare(problems[0].tab, problems[0].spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		work []byte
		msg  string
	}{
		{works[0][:len(works[0])-8], "bytes of shipped setup, want"},
		{works[len(works)-1], "bytes of shipped setup, want"},
		{append(binary.LittleEndian.AppendUint32(nil, 9), works[0][4:]...), "shipped setup header field 0 is 9, want 1"},
	} {
		if _, err := pr.FastSetup(c.work); !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("error %v, want %q", err, c.msg)
		}
	}
}

// TestWildWithoutRegressors: in a static model without regressors the
// linear model has no parameter (dy* = eta_i dy_i), and the full bootstrap
// runs, its fast path equal to its reference.
func TestWildWithoutRegressors(t *testing.T) {
	pr, err := Prepare(randomTable(t, 60, 6, 8), Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Endo: []string{"q"},
		Static: true, GridNum: 5, Boost: 4, Bootstrap: BootstrapWild})
	if err != nil {
		t.Fatal(err)
	}
	wb, err := pr.WildBootstrap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := wb.Replicate(context.Background(), Reference, 1, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := wb.Replicate(context.Background(), Fast, 1, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	for b := range ref {
		if !agree(ref[b], fast[b], 1e-9) {
			t.Errorf("replication %d: reference %.17g, fast %.17g", b, ref[b], fast[b])
		}
	}
	if res, err := pr.Estimate(context.Background()); err != nil || res.Linearity.Bootstrap != BootstrapFull || res.Linearity.Reps != 4 {
		t.Errorf("estimate: %v, %+v", err, res)
	}
}
