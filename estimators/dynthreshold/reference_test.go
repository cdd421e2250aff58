package dynthreshold

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// denseReference computes the estimator as docs/dynamic-threshold.md writes
// it, with every unit's Z_i, R_i(gamma) and H_i as dense matrices and every
// inverse by LU: the oracle of the package's block-diagonal, Cholesky-based
// path. It reads the prepared equations (dy, dx, x, q, instrument blocks)
// from pr.
type denseReference struct {
	pr  *Problem
	z   []*mat.Dense // Z_i, m_i x L
	g2s map[float64]*mat.Dense
}

func newDenseReference(pr *Problem) *denseReference {
	d := &denseReference{pr: pr, g2s: map[float64]*mat.Dense{}}
	for i := range pr.z {
		z := mat.NewDense(len(pr.z[i]), pr.L(), nil)
		for e, b := range pr.z[i] {
			for a, v := range b {
				z.Set(e, pr.off[pr.blk[i][e]]+a, v)
			}
		}
		d.z = append(d.z, z)
	}
	return d
}

// r returns R_i(g): the differenced regressors, then
//
//	jump: (1, x_it')1{q_it > g} - (1, x_i,t-1')1{q_i,t-1 > g}
//	kink: (q_it - g)1{q_it > g} - (q_i,t-1 - g)1{q_i,t-1 > g}
func (d *denseReference) r(i int, g float64) *mat.Dense {
	pr := d.pr
	r := mat.NewDense(len(pr.dy[i]), pr.p, nil)
	for j := range pr.dy[i] {
		for c := 0; c < pr.k; c++ {
			r.Set(j, c, pr.dx[i][j][c])
		}
		qt, ql := pr.qt[i][j], pr.ql[i][j]
		if pr.spec.Kink {
			v := 0.0
			if qt > g {
				v += qt - g
			}
			if ql > g {
				v -= ql - g
			}
			r.Set(j, pr.k, v)
			continue
		}
		for c := 0; c <= pr.k; c++ {
			v := 0.0
			if qt > g {
				v += pr.xt[i][j][c]
			}
			if ql > g {
				v -= pr.xl[i][j][c]
			}
			r.Set(j, pr.k+c, v)
		}
	}
	return r
}

// mean returns n^-1 sum_i f(i).
func (d *denseReference) mean(f func(i int) mat.Matrix) *mat.Dense {
	var sum mat.Dense
	for i := 0; i < d.pr.n; i++ {
		if i == 0 {
			sum.CloneFrom(f(i))
			continue
		}
		sum.Add(&sum, f(i))
	}
	sum.Scale(1/float64(d.pr.n), &sum)
	return &sum
}

func inverse(t *testing.T, a mat.Matrix) *mat.Dense {
	t.Helper()
	var inv mat.Dense
	if err := inv.Inverse(a); err != nil {
		t.Fatal(err)
	}
	return &inv
}

func (d *denseReference) dy(i int) *mat.Dense {
	return mat.NewDense(len(d.pr.dy[i]), 1, d.pr.dy[i])
}

func (d *denseReference) gbar1() *mat.Dense {
	return d.mean(func(i int) mat.Matrix {
		var m mat.Dense
		m.Mul(d.z[i].T(), d.dy(i))
		return &m
	})
}

// g2 returns G2(g) = n^-1 sum_i Z_i'R_i(g), computed once per g.
func (d *denseReference) g2(g float64) *mat.Dense {
	if g2, ok := d.g2s[g]; ok {
		return g2
	}
	d.g2s[g] = d.mean(func(i int) mat.Matrix {
		var m mat.Dense
		m.Mul(d.z[i].T(), d.r(i, g))
		return &m
	})
	return d.g2s[g]
}

// w1 returns [n^-1 sum_i Z_i'H_i Z_i]^-1, H_i with 2 on its diagonal and -1
// between the equations of adjacent periods.
func (d *denseReference) w1(t *testing.T) *mat.Dense {
	pr := d.pr
	return inverse(t, d.mean(func(i int) mat.Matrix {
		m := len(pr.blk[i])
		h := mat.NewDense(m, m, nil)
		for e := 0; e < m; e++ {
			for f := 0; f < m; f++ {
				switch diff := pr.blk[i][e] - pr.blk[i][f]; {
				case diff == 0:
					h.Set(e, f, 2)
				case diff == 1 || diff == -1:
					h.Set(e, f, -1)
				}
			}
		}
		var zh, zhz mat.Dense
		zh.Mul(d.z[i].T(), h)
		zhz.Mul(&zh, d.z[i])
		return &zhz
	}))
}

// gmm returns theta = (G'WG)^-1 G'W gbar1 and J = gbar'W gbar.
func gmmDense(t *testing.T, w, g, gbar1 *mat.Dense) (*mat.Dense, float64) {
	var gw, gwg, rhs, theta, fit, gbar, wg, j mat.Dense
	gw.Mul(g.T(), w)
	gwg.Mul(&gw, g)
	rhs.Mul(&gw, gbar1)
	theta.Mul(inverse(t, &gwg), &rhs)
	fit.Mul(g, &theta)
	gbar.Sub(gbar1, &fit)
	wg.Mul(w, &gbar)
	j.Mul(gbar.T(), &wg)
	return &theta, j.At(0, 0)
}

// omega returns n^-1 sum_i g_i g_i' - gbar gbar', g_i = Z_i'(dy_i - R_i(g) theta).
func (d *denseReference) omega(g float64, theta *mat.Dense) *mat.Dense {
	moment := func(i int) *mat.Dense {
		var e, m mat.Dense
		e.Mul(d.r(i, g), theta)
		e.Sub(d.dy(i), &e)
		m.Mul(d.z[i].T(), &e)
		return &m
	}
	moments := make([]*mat.Dense, d.pr.n)
	for i := range moments {
		moments[i] = moment(i)
	}
	gbar := d.mean(func(i int) mat.Matrix { return moments[i] })
	s := d.mean(func(i int) mat.Matrix {
		var o mat.Dense
		o.Mul(moments[i], moments[i].T())
		return &o
	})
	var o mat.Dense
	o.Mul(gbar, gbar.T())
	s.Sub(s, &o)
	return s
}

// gGamma returns G_gamma as docs/dynamic-threshold.md defines it.
func (d *denseReference) gGamma(g float64, theta *mat.Dense) *mat.Dense {
	pr := d.pr
	return d.mean(func(i int) mat.Matrix {
		e := mat.NewDense(len(pr.dy[i]), 1, nil)
		for j := range pr.dy[i] {
			qt, ql := pr.qt[i][j], pr.ql[i][j]
			if pr.spec.Kink {
				v := 0.0
				if qt > g {
					v--
				}
				if ql > g {
					v++
				}
				e.Set(j, 0, v*theta.At(pr.k, 0))
				continue
			}
			pt := math.Exp(-(g-qt)*(g-qt)/(2*pr.h*pr.h)) / math.Sqrt(2*math.Pi)
			pl := math.Exp(-(g-ql)*(g-ql)/(2*pr.h*pr.h)) / math.Sqrt(2*math.Pi)
			s := 0.0
			for c := 0; c <= pr.k; c++ {
				s += (pr.xl[i][j][c]*pl - pr.xt[i][j][c]*pt) * theta.At(pr.k+c, 0)
			}
			e.Set(j, 0, s/pr.h)
		}
		var m mat.Dense
		m.Mul(d.z[i].T(), e)
		return &m
	})
}

// TestDenseReference: estimates, standard errors, J over the grid and the
// Wald statistics of the linearity test agree to 1e-9 relative with the
// dense reference on oracleProblems.
func TestDenseReference(t *testing.T) {
	for _, p := range oracleProblems(t) {
		t.Run(p.name, func(t *testing.T) {
			pr, err := Prepare(p.tab, p.spec)
			if err != nil {
				t.Fatal(err)
			}
			res, err := pr.estimate(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			setup, err := pr.LinearitySetup(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			d := newDenseReference(pr)
			gbar1, w1 := d.gbar1(), d.w1(t)
			check := func(what string, got, want float64) {
				t.Helper()
				if !agree(got, want, 1e-9) {
					t.Errorf("%s: %.17g, reference %.17g", what, got, want)
				}
			}
			// Step one, W2, step two.
			best1, best2 := 0, 0
			var thetas1, thetas2 []*mat.Dense
			var j2 []float64
			for k, g := range pr.grid {
				theta, j := gmmDense(t, w1, d.g2(g), gbar1)
				thetas1 = append(thetas1, theta)
				check("first-step J", res.FirstStepObjective[k], j)
				if j < res.FirstStepObjective[best1] {
					best1 = k
				}
			}
			w2 := inverse(t, d.omega(pr.grid[best1], thetas1[best1]))
			for k, g := range pr.grid {
				theta, j := gmmDense(t, w2, d.g2(g), gbar1)
				thetas2, j2 = append(thetas2, theta), append(j2, j)
				check("second-step J", res.Objective[k], j)
				if j < j2[best2] {
					best2 = k
				}
			}
			gamma, theta := pr.grid[best2], thetas2[best2]
			if res.Threshold != gamma || res.FirstStepThreshold != pr.grid[best1] {
				t.Fatalf("thresholds %v, %v; reference %v, %v", res.FirstStepThreshold, res.Threshold, pr.grid[best1], gamma)
			}
			// V = (G'Omega^-1 G)^-1/n, G = (G2, G_gamma).
			L := pr.L()
			G := mat.NewDense(L, pr.p+1, nil)
			G.Slice(0, L, 0, pr.p).(*mat.Dense).Copy(d.g2(gamma))
			G.Slice(0, L, pr.p, pr.p+1).(*mat.Dense).Copy(d.gGamma(gamma, theta))
			var og, gog mat.Dense
			og.Mul(inverse(t, d.omega(gamma, theta)), G)
			gog.Mul(G.T(), &og)
			v := inverse(t, &gog)
			for c, co := range res.Coefficients {
				est := gamma
				if c < pr.p {
					est = theta.At(c, 0)
				}
				check(co.Name, co.Estimate, est)
				check(co.Name+" SE", co.SE, math.Sqrt(v.At(c, c)/float64(pr.n)))
			}
			// The Wald statistic at every grid point, with W2(gamma).
			from, to := pr.deltaRange()
			for k, g := range pr.grid {
				g2 := d.g2(g)
				theta2, _ := gmmDense(t, inverse(t, d.omega(g, thetas1[k])), g2, gbar1)
				var og, gog mat.Dense
				og.Mul(inverse(t, d.omega(g, theta2)), g2)
				gog.Mul(g2.T(), &og)
				sigma := inverse(t, &gog).Slice(from, to, from, to)
				delta := theta2.Slice(from, to, 0, 1)
				var sd, w mat.Dense
				sd.Mul(inverse(t, sigma), delta)
				w.Mul(delta.T(), &sd)
				check("W", setup.wald[k], float64(pr.n)*w.At(0, 0))
			}
		})
	}
}
