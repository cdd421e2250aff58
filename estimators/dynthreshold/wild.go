package dynthreshold

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/stream"
)

// wildStage is the stage of the streams of the full (wild) bootstrap,
// distinct from the fast bootstrap's.
const wildStage = 2

// WildBootstrap is the full bootstrap of the linearity test: every
// replication regenerates the differenced dependent variable under the
// linear model (delta = 0) and re-estimates the sup-Wald statistic from
// scratch. With beta0 the linear model's two-step estimate and
// de_i = dy_i - dx_i beta0 its differenced residuals, replication b draws one
// eta_i ~ N(0,1) per unit from its own stream and sets
//
//	dy*_i = dx_i beta0 + eta_i de_i
//
// (a wild bootstrap with unit multipliers, so that the serial correlation
// of a unit's differenced errors is kept); regressors, instruments and grid
// are held fixed.
type WildBootstrap struct {
	pr    *Problem
	beta0 []float64   // (beta0, 0): the linear fit as a point of theta
	fit   [][]float64 // dx_i beta0, per unit and equation
	resid [][]float64 // de_i
	// What the fast path precomputes per grid point: G2(gamma) and the
	// first step's map a1 = (G2'W1G2)^-1 G2'W1, gbar1 -> theta1.
	g2s []*mat.Dense
	a1  []*mat.Dense
}

// WildBootstrap fits the linear model by the two GMM steps and returns the
// full bootstrap; the fast path's per-grid-point matrices are computed here
// once. It returns ctx's error, checked between grid points.
func (pr *Problem) WildBootstrap(ctx context.Context) (*WildBootstrap, error) {
	w1, err := pr.firstStepWeight()
	if err != nil {
		return nil, err
	}
	beta0, err := pr.linearFit(w1)
	if err != nil {
		return nil, fmt.Errorf("full bootstrap, linear model: %w", err)
	}
	wb := &WildBootstrap{pr: pr, beta0: beta0}
	for i, dx := range pr.dx {
		fit, resid := make([]float64, len(dx)), make([]float64, len(dx))
		for j := range fit {
			for c, b := range beta0[:pr.k] {
				fit[j] += dx[j][c] * b
			}
			resid[j] = pr.dy[i][j] - fit[j]
		}
		wb.fit, wb.resid = append(wb.fit, fit), append(wb.resid, resid)
	}
	gbar1 := pr.gbar1()
	for _, g := range pr.grid {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g2 := pr.g2(g)
		f, err := gmm(w1, g2, gbar1, g)
		if err != nil {
			return nil, fmt.Errorf("full bootstrap: %w", err)
		}
		wb.g2s, wb.a1 = append(wb.g2s, g2), append(wb.a1, f.solve(f.gw))
	}
	return wb, nil
}

// linearFit returns the two-step GMM estimate of the linear model (the
// regressors dx only) under the first-step weight w1, as a point of theta
// with delta = 0.
func (pr *Problem) linearFit(w1 *mat.SymDense) ([]float64, error) {
	if pr.k == 0 {
		// A static model without regressors: the linear model is dy = de.
		return make([]float64, pr.p), nil
	}
	L := pr.L()
	gbar1 := pr.gbar1()
	// The linear model's G2 is the first k columns of any G2(gamma).
	glin := mat.DenseCopyOf(pr.g2(pr.grid[0]).Slice(0, L, 0, pr.k))
	f1, err := gmm(w1, glin, gbar1, pr.grid[0])
	if err != nil {
		return nil, fmt.Errorf("first step: %w", err)
	}
	theta := make([]float64, pr.p)
	copy(theta, f1.theta)
	w2, err := invertSym(centredCovariance(pr.residualMoments(pr.grid[0], theta)), "the linear model's second-step weight matrix")
	if err != nil {
		return nil, err
	}
	f2, err := gmm(w2, glin, gbar1, pr.grid[0])
	if err != nil {
		return nil, fmt.Errorf("second step: %w", err)
	}
	theta = make([]float64, pr.p)
	copy(theta, f2.theta)
	return theta, nil
}

// draw returns the problem of replication rep: the prepared problem with
// dy replaced by dy* (Problem's methods read dy; the copy shares the rest).
func (wb *WildBootstrap) draw(seed uint64, rep int) *Problem {
	st := stream.New(seed, stream.DynamicThresholdBootstrap, wildStage, rep)
	pb := *wb.pr
	pb.dy = make([][]float64, len(wb.fit))
	for i, fit := range wb.fit {
		eta := st.Normal()
		pb.dy[i] = make([]float64, len(fit))
		for j := range fit {
			pb.dy[i][j] = fit[j] + eta*wb.resid[i][j]
		}
	}
	return &pb
}

// Replicate returns supW* of replications from..to-1 keyed by seed, or the
// first replication's error (a weight matrix of the regenerated data that
// cannot be inverted names the replication), or ctx's error once ctx is
// done (checked between replications). Replication b's value does not
// depend on from and to. Reference runs LinearitySetup on every
// replication's data; Fast reuses the grid's G2 and first-step maps and
// solves with Cholesky factors instead of inverting.
func (wb *WildBootstrap) Replicate(ctx context.Context, alg Algorithm, seed uint64, from, to int) ([]float64, error) {
	out := make([]float64, 0, to-from)
	for rep := from; rep < to; rep++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pb := wb.draw(seed, rep)
		var sup float64
		var err error
		if alg == Reference {
			sup, err = supWaldReference(ctx, pb)
		} else {
			sup, err = wb.supWaldFast(pb)
		}
		if err != nil {
			return nil, fmt.Errorf("full bootstrap, replication %d: %w", rep, err)
		}
		out = append(out, sup)
	}
	return out, nil
}

// supWaldReference returns supW of a problem as LinearitySetup computes it.
func supWaldReference(ctx context.Context, pb *Problem) (float64, error) {
	s, err := pb.LinearitySetup(ctx)
	if err != nil {
		return 0, err
	}
	sup := 0.0
	for k, w := range s.wald {
		if k == 0 || w > sup {
			sup = w
		}
	}
	return sup, nil
}

// supWaldFast returns supW of the regenerated problem pb: at every grid
// point, with C1 and C2 the centred covariances of the residual moments
// of the first and second step,
//
//	theta1 = a1 gbar1*
//	theta2 = (G2'C1^-1 G2)^-1 G2'C1^-1 gbar1*
//	W      = n delta2' Sigma_delta^-1 delta2,  Sigma_delta = R (G2'C2^-1 G2)^-1 R'
//
// which is LinearitySetup's statistic with W2 = C1^-1 and Omega = C2.
func (wb *WildBootstrap) supWaldFast(pb *Problem) (float64, error) {
	gbar1 := pb.gbar1()
	from, to := pb.deltaRange()
	sup := 0.0
	for k, g := range pb.grid {
		g2 := wb.g2s[k]
		var theta1 mat.VecDense
		theta1.MulVec(wb.a1[k], gbar1)
		c1, err := factorSym(centredCovariance(pb.residualMoments(g, theta1.RawVector().Data)),
			fmt.Sprintf("the second-step weight matrix at the grid point %v", g))
		if err != nil {
			return 0, err
		}
		// x = C1^-1 [G2 gbar1*]: the normal equations of the second step.
		_, p := g2.Dims()
		aug := mat.NewDense(pb.L(), p+1, nil)
		aug.Slice(0, pb.L(), 0, p).(*mat.Dense).Copy(g2)
		aug.SetCol(p, gbar1.RawVector().Data)
		var x mat.Dense
		_ = c1.SolveTo(&x, aug) // factorSym checked the condition
		var ne mat.Dense
		ne.Mul(g2.T(), &x)
		normal := symmetricPart(ne.Slice(0, p, 0, p))
		nch, err := factorSym(normal, fmt.Sprintf("G2'WG2 at threshold %v", g))
		if err != nil {
			return 0, err
		}
		var theta2 mat.VecDense
		_ = nch.SolveVecTo(&theta2, ne.ColView(p))
		c2, err := factorSym(centredCovariance(pb.residualMoments(g, theta2.RawVector().Data)),
			fmt.Sprintf("the moment covariance Omega at the grid point %v", g))
		if err != nil {
			return 0, err
		}
		var y, info mat.Dense
		_ = c2.SolveTo(&y, g2)
		info.Mul(g2.T(), &y)
		v, err := invertSym(symmetricPart(&info), fmt.Sprintf("G2'Omega^-1 G2 at the grid point %v", g))
		if err != nil {
			return 0, err
		}
		ch, err := pb.sigmaDelta(v, g)
		if err != nil {
			return 0, err
		}
		if w := pb.waldStat(ch, theta2.RawVector().Data[from:to]); k == 0 || w > sup {
			sup = w
		}
	}
	return sup, nil
}
