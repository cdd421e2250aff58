package dynthreshold

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// TestUnbalancedOnBalancedPanel: allowing unbalanced panels changes nothing
// on a balanced one.
func TestUnbalancedOnBalancedPanel(t *testing.T) {
	tab := randomTable(t, 80, 5, 31)
	s := Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"}, GridNum: 10, Boost: 30, Seed: 2}
	var res [2]*Result
	for k, unbalanced := range []bool{false, true} {
		s.Unbalanced = unbalanced
		pr, err := Prepare(tab, s)
		if err != nil {
			t.Fatal(err)
		}
		if res[k], err = pr.Estimate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(res[0].Coefficients, res[1].Coefficients) || !reflect.DeepEqual(res[0].Objective, res[1].Objective) ||
		!reflect.DeepEqual(res[0].Linearity, res[1].Linearity) || res[1].EquationTotal != 80*3 || res[1].UnitsDropped != 0 {
		t.Errorf("balanced %+v\nunbalanced allowed %+v", res[0], res[1])
	}
}

// TestUnbalancedEquations: a unit lacking a period loses exactly the
// equations that need it, its unobserved instruments are 0, and a unit
// left without an equation is dropped.
func TestUnbalancedEquations(t *testing.T) {
	// Unit 1 lacks period 3 of 7; unit 2 has periods 1, 2 and 4 only.
	var rows []string
	for _, line := range strings.Split(csvOf(t, 60, 7, -1), "\n") {
		f := strings.SplitN(line, ",", 3)
		if len(f) == 3 && (f[0] == "1" && f[1] == "3" || f[0] == "2" && (f[1] == "3" || f[1] > "4")) {
			continue
		}
		rows = append(rows, line)
	}
	tab := readCSV(t, strings.Join(rows, "\n"))
	s := Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"}, GridNum: 5, Unbalanced: true}
	pr, err := Prepare(tab, s)
	if err != nil {
		t.Fatal(err)
	}
	// Dynamic: the equation of t needs t, t-1 and t-2, so unit 1 keeps
	// t = 6, 7 (blocks 3, 4 of t = 3..7); unit 2 keeps none.
	if pr.n != 59 || pr.dropped != 1 || pr.units[0] != "1" || pr.units[1] != "3" {
		t.Fatalf("%d units, %d dropped, first %v", pr.n, pr.dropped, pr.units[:2])
	}
	if !slices.Equal(pr.blk[0], []int{3, 4}) || !slices.Equal(pr.blk[1], []int{0, 1, 2, 3, 4}) {
		t.Errorf("equations of unit 1 %v, unit 3 %v", pr.blk[0], pr.blk[1])
	}
	// Block of t = 6 for unit 1: 1, y_1..y_4, dx_6, q_1..q_4; y_3 and q_3
	// are not observed.
	b := pr.z[0][0]
	if len(b) != 10 || b[0] != 1 || b[3] != 0 || b[8] != 0 || b[2] == 0 || b[4] == 0 {
		t.Errorf("instruments of unit 1 at t = 6: %v", b)
	}
	res, err := pr.Estimate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.EquationTotal != 2+58*5 || res.UnitsDropped != 1 || res.Units != 59 {
		t.Errorf("%d equations, %d units, %d dropped", res.EquationTotal, res.Units, res.UnitsDropped)
	}
}

// TestUnbalancedDropsEmptyInstruments: when no unit is observed in period
// 4 of 7, the dynamic model has the equations of t = 3 and 7 only, and
// y_4 and q_4 in the block of t = 7 are 0 for every unit: those columns
// are dropped instead of making the weight matrix singular.
func TestUnbalancedDropsEmptyInstruments(t *testing.T) {
	var rows []string
	for _, line := range strings.Split(csvOf(t, 60, 7, -1), "\n") {
		if f := strings.SplitN(line, ",", 3); len(f) == 3 && f[1] == "4" {
			continue
		}
		rows = append(rows, line)
	}
	tab := readCSV(t, strings.Join(rows, "\n"))
	s := Spec{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"x"}, Endo: []string{"q"}, GridNum: 5}
	if _, err := Prepare(tab, s); !errors.Is(err, panel.ErrUnbalanced) {
		t.Errorf("balanced panel required: error %v", err)
	}
	s.Unbalanced = true
	pr, err := Prepare(tab, s)
	if err != nil {
		t.Fatal(err)
	}
	// Blocks: t = 3: 1, y_1, dx_3, q_1; t = 7: 1, y_1..y_5, dx_7, q_1..q_5
	// without y_4 and q_4.
	if !slices.Equal(pr.blk[0], []int{0, 4}) || pr.L() != 4+10 {
		t.Errorf("equations %v, %d instruments", pr.blk[0], pr.L())
	}
	if _, err := pr.Estimate(context.Background()); err != nil {
		t.Fatal(err)
	}
}
