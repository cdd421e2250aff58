package threshold

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestEqualSlopes checks the Wald test of equal slopes. With conventional
// errors and one regime-dependent regressor it is the F test of the linear
// model against the k-threshold model: W = (S_0 - S_k) / s^2, s^2 = S_k/(N -
// n - K). With robust and clustered errors W is recomputed as R b and
// R V R' by matrix products on the reported covariance.
func TestEqualSlopes(t *testing.T) {
	for _, conv := range []Convention{Hansen, Xthreg} {
		for _, vce := range []VCE{Conventional, Robust, Cluster} {
			t.Run(conv.String()+"/"+vce.String(), func(t *testing.T) {
				spec := hetSpec(conv, vce)
				spec.Thresholds, spec.Trim, spec.Reps, spec.Given = 2, []float64{0.1, 0.1}, []int{0, 0}, []float64{0.3, 0.6}
				p, res := prepareAndEstimate(t, hetPanel(7, 50, 6, heteroskedastic, false), spec)
				st := res.Stages[1]
				if len(st.EqualSlopes) != 1 {
					t.Fatalf("%d equal-slope tests, want 1", len(st.EqualSlopes))
				}
				got := st.EqualSlopes[0]
				const n, K = 50, 3
				N := p.tr.Rows()
				var want float64
				df2 := N - n - K
				if vce == Conventional {
					want = (res.LinearRSS - st.RSS) / (st.RSS / float64(N-n-K))
				} else {
					v := res.Covariance.Robust
					if vce == Cluster {
						v, df2 = res.Covariance.Cluster, n-1
					}
					r := mat.NewDense(2, len(v), nil) // b_1 - b_0, b_2 - b_0
					r.Set(0, 0, -1)
					r.Set(0, 1, 1)
					r.Set(1, 0, -1)
					r.Set(1, 2, 1)
					vm := mat.NewDense(len(v), len(v), nil)
					b := mat.NewVecDense(len(v), nil)
					for i := range v {
						vm.SetRow(i, v[i])
						b.SetVec(i, res.Coefficients[i].Estimate)
					}
					var rb mat.VecDense
					rb.MulVec(r, b)
					var rv, rvr, inv mat.Dense
					rv.Mul(r, vm)
					rvr.Mul(&rv, r.T())
					if err := inv.Inverse(&rvr); err != nil {
						t.Fatal(err)
					}
					var tmp mat.VecDense
					tmp.MulVec(&inv, &rb)
					want = mat.Dot(&rb, &tmp)
				}
				if math.Abs(got.Chi2-want) > 1e-8*want {
					t.Errorf("chi2 = %.12g, want %.12g", got.Chi2, want)
				}
				wantP := distuv.F{D1: 2, D2: float64(df2)}.Survival(want / 2)
				if got.Regressor != "x" || got.VCE != vce.String() || got.DF1 != 2 || got.DF2 != df2 || float64(got.Stat) != got.Chi2/2 ||
					math.Abs(float64(got.PValue)-wantP) > 1e-12 { // distuv takes 1 - CDF: compare absolutely
					t.Errorf("test %+v; want regressor x, vce %s, F(2, %d), p = %v", got, vce, df2, wantP)
				}
			})
		}
	}
}

// TestEqualSlopesSingular checks the message for a covariance that cannot
// be inverted.
func TestEqualSlopesSingular(t *testing.T) {
	p, err := Prepare(hetPanel(7, 20, 4, homoskedastic, false), hetSpec(Xthreg, Cluster))
	if err != nil {
		t.Fatal(err)
	}
	zero := [][]float64{{0, 0}, {0, 0}}
	_, err = p.equalSlopes(1, []Coefficient{{Estimate: 1}, {Estimate: 2}}, &Covariance{Classical: zero, Robust: zero, Cluster: zero})
	want := "invalid data for the model: the cluster covariance of the slope differences of x across regimes is singular"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
