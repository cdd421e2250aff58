package dynthreshold

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// agree reports whether a and b agree to rel relative to the larger.
func agree(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

// TestFastEqualsReference: the fast bootstrap gives the reference's supW*
// to 1e-9 relative, replication by replication, and the same test result,
// on random panels (static and dynamic, jump and kink, balanced and
// unbalanced, seeds) and on
// Hansen's investment data.
func TestFastEqualsReference(t *testing.T) {
	type problem struct {
		name string
		tab  *panel.Table
		spec Spec
	}
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
	const reps = 40
	for _, p := range problems {
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
