package ols

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The design below is small enough to solve by hand: y = 1 + 2 x exactly
// plus residuals (1, -1, -1, 1) orthogonal to both columns.
var (
	design = mat.NewDense(4, 2, []float64{1, 0, 1, 1, 1, 2, 1, 3})
	resp   = []float64{1 + 1, 3 - 1, 5 - 1, 7 + 1}
)

func TestRegress(t *testing.T) {
	fit, err := Regress(design, resp, []string{"const", "x"})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(fit.Coef[0]-1) > 1e-12 || math.Abs(fit.Coef[1]-2) > 1e-12 {
		t.Errorf("coefficients %v, want [1 2]", fit.Coef)
	}
	if math.Abs(fit.SSR-4) > 1e-12 {
		t.Errorf("SSR %v, want 4", fit.SSR)
	}
	// (X'X)^{-1} = [[7, -3], [-3, 2]] / 10; s^2 = 4/2.
	classical := StdErrors(fit.Classical(2))
	want := []float64{math.Sqrt(2 * 0.7), math.Sqrt(2 * 0.2)}
	for j := range want {
		if math.Abs(classical[j]-want[j]) > 1e-12 {
			t.Errorf("classical SE %v, want %v", classical, want)
		}
	}
}

// TestRegressBuiltReuses checks that RegressBuilt builds its design into
// new storage once and then again into the factorised matrix, never a third
// copy, and fits as Regress does.
func TestRegressBuiltReuses(t *testing.T) {
	var dsts []*mat.Dense
	var first *mat.Dense
	fit, err := RegressBuilt(func(dst *mat.Dense) *mat.Dense {
		dsts = append(dsts, dst)
		if dst == nil {
			first = mat.NewDense(4, 2, nil)
			dst = first
		}
		dst.Copy(design)
		return dst
	}, resp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(dsts) != 2 || dsts[0] != nil || dsts[1] != first {
		t.Errorf("build got %v, want nil and then the first matrix", dsts)
	}
	want, _ := Regress(design, resp, nil)
	if fit.SSR != want.SSR || fit.Coef[0] != want.Coef[0] || fit.Coef[1] != want.Coef[1] {
		t.Errorf("fit %v (SSR %v), want %v (SSR %v)", fit.Coef, fit.SSR, want.Coef, want.SSR)
	}
}

// TestWhiteAndCluster checks the sandwich estimators against direct
// evaluation of their formulas; White equals clustering by row.
func TestWhiteAndCluster(t *testing.T) {
	fit, err := Regress(design, resp, nil)
	if err != nil {
		t.Fatal(err)
	}
	bread := mat.NewDense(2, 2, []float64{0.7, -0.3, -0.3, 0.2})
	sandwich := func(groups [][]int) *mat.Dense {
		meat := mat.NewDense(2, 2, nil)
		for _, g := range groups {
			s := mat.NewVecDense(2, nil)
			for _, r := range g {
				s.AddScaledVec(s, fit.Resid[r], design.RowView(r))
			}
			var outer mat.Dense
			outer.Outer(1, s, s)
			meat.Add(meat, &outer)
		}
		var v, tmp mat.Dense
		tmp.Mul(bread, meat)
		v.Mul(&tmp, bread)
		return &v
	}
	if want := sandwich([][]int{{0}, {1}, {2}, {3}}); !mat.EqualApprox(fit.White(1), want, 1e-12) {
		t.Errorf("White:\n%v\nwant\n%v", mat.Formatted(fit.White(1)), mat.Formatted(want))
	}
	want := sandwich([][]int{{0, 1}, {2, 3}})
	want.Scale(2.5, want)
	if got := fit.Cluster([]int{0, 0, 1, 1}, 2.5); !mat.EqualApprox(got, want, 1e-12) {
		t.Errorf("cluster:\n%v\nwant\n%v", mat.Formatted(got), mat.Formatted(want))
	}
}

func TestCollinear(t *testing.T) {
	cases := []struct {
		name string
		x    *mat.Dense
		msg  string
	}{
		{"zero column", mat.NewDense(3, 2, []float64{1, 0, 2, 0, 3, 0}), `regressor "b" is zero`},
		{"multiple", mat.NewDense(3, 2, []float64{1, 2, 2, 4, 3, 6}), `regressor "b" is a linear combination of the regressors before it ("a")`},
	}
	for _, c := range cases {
		_, err := Regress(c.x, []float64{1, 2, 4}, []string{"a", "b"})
		if !errors.Is(err, ErrCollinear) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}
	// A long list of regressors before the collinear one is elided.
	n := 100
	x := mat.NewDense(n+1, n+1, nil)
	names := make([]string, n+1)
	for j := 0; j < n; j++ {
		x.Set(j, j, 1)
		names[j] = fmt.Sprintf("x%d", j+1)
	}
	x.Set(0, n, 1) // the last column repeats the first
	names[n] = "copy"
	_, err := Regress(x, make([]float64, n+1), names)
	if want := `regressor "copy" is a linear combination of the regressors before it ("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", ... and 92 more)`; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("100 regressors: error %v, want %q", err, want)
	}
	if _, err := Regress(mat.NewDense(1, 2, []float64{1, 2}), []float64{1}, nil); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("1 row, 2 regressors: error %v", err)
	}
}
