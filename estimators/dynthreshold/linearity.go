package dynthreshold

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/stream"
)

// Linearity is the sup-Wald test of no threshold effect (delta = 0) with its
// multiplier bootstrap.
type Linearity struct {
	// Statistic is supW, the largest Wald statistic over the grid, reached
	// first at Threshold.
	Statistic float64 `json:"statistic"`
	Threshold float64 `json:"threshold"`
	Reps      int     `json:"reps"`
	Seed      uint64  `json:"seed"`
	// Bootstrap is "fast" (multipliers on the moments, weights held fixed)
	// or "full" (wild bootstrap of the linear model, re-estimated).
	Bootstrap string `json:"bootstrap"`
	// Exceed counts the replications with supW* > supW; PValue = Exceed/Reps.
	Exceed int     `json:"exceed"`
	PValue float64 `json:"p_value"`
	// Wald is W(gamma) over the grid.
	Wald []float64 `json:"wald"`
}

// bootstrapStage is the stage of the streams of the linearity test.
const bootstrapStage = 1

// LinearitySetup holds, per grid point gamma, what the bootstrap keeps
// fixed: the two-step fit with its own weight W2(gamma), the covariance
// Sigma_delta(gamma) of the shift coefficients, and (fast path) the matrix
// that maps a draw to the standardised shift.
type LinearitySetup struct {
	pr    *Problem
	wald  []float64
	fits  []gmmFit
	sigma []*mat.Cholesky // Sigma_delta(gamma)
	// c[k] = b[k] [g_1 ... g_n] / n, kdelta x n, with g_i the unit's
	// residual moments at theta[k], the second step's estimate, and
	// b[k] = Lsigma^-1 R (G2'W2G2)^-1 G2'W2 (kdelta x L), Sigma_delta =
	// Lsigma Lsigma'. theta and b are what Work ships.
	theta [][]float64
	b     []*mat.Dense
	c     []*mat.Dense
}

// deltaRange returns the columns of theta that the test restricts: every
// shift of the jump model; the kink slope of the kink model.
func (pr *Problem) deltaRange() (from, to int) { return pr.k, pr.p }

// LinearitySetup computes the Wald statistic at every grid point:
//
//	theta(gamma)  two-step GMM: W1, then W2(gamma) from the first step's residuals
//	Sigma_delta   = R (G2' Omega(gamma)^-1 G2)^-1 R',  Omega(gamma) from the second step's residuals
//	W(gamma)      = n delta' Sigma_delta^-1 delta
//
// and what its replications hold fixed. It returns ctx's error, checked
// between grid points, once ctx is done.
func (pr *Problem) LinearitySetup(ctx context.Context) (*LinearitySetup, error) {
	gbar1 := pr.gbar1()
	w1, err := pr.firstStepWeight()
	if err != nil {
		return nil, err
	}
	from, to := pr.deltaRange()
	s := &LinearitySetup{pr: pr}
	for _, g := range pr.grid {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g2 := pr.g2(g)
		f1, err := gmm(w1, g2, gbar1, g)
		if err != nil {
			return nil, fmt.Errorf("linearity test, first step: %w", err)
		}
		w2, err := invertSym(centredCovariance(pr.residualMoments(g, f1.theta)),
			fmt.Sprintf("the second-step weight matrix at the grid point %v", g))
		if err != nil {
			return nil, fmt.Errorf("linearity test: %w", err)
		}
		f2, err := gmm(w2, g2, gbar1, g)
		if err != nil {
			return nil, fmt.Errorf("linearity test, second step: %w", err)
		}
		moments := pr.residualMoments(g, f2.theta)
		omegaInv, err := invertSym(centredCovariance(moments), fmt.Sprintf("the moment covariance Omega at the grid point %v", g))
		if err != nil {
			return nil, fmt.Errorf("linearity test: %w", err)
		}
		v, err := sandwich(g2, omegaInv, fmt.Sprintf("G2'Omega^-1 G2 at the grid point %v", g))
		if err != nil {
			return nil, fmt.Errorf("linearity test: %w", err)
		}
		ch, err := pr.sigmaDelta(v, g)
		if err != nil {
			return nil, fmt.Errorf("linearity test: %w", err)
		}
		s.fits, s.sigma = append(s.fits, f2), append(s.sigma, ch)
		s.wald = append(s.wald, pr.waldStat(ch, f2.theta[from:to]))

		// Fast path: b = Lsigma^-1 R (G2'W2G2)^-1 G2'W2, c = b M'/n.
		a := f2.solve(f2.gw)
		var lower mat.TriDense
		ch.LTo(&lower)
		var b mat.Dense
		if err := b.Solve(&lower, a.Slice(from, to, 0, pr.L())); err != nil {
			return nil, fmt.Errorf("linearity test: %w: Sigma_delta at the grid point %v: %v", ErrSingular, g, err)
		}
		s.theta, s.b = append(s.theta, f2.theta), append(s.b, &b)
		s.c = append(s.c, pr.fastMatrix(&b, moments))
	}
	return s, nil
}

// fastMatrix returns c = b M'/n for the residual moments M (n x L).
func (pr *Problem) fastMatrix(b, moments *mat.Dense) *mat.Dense {
	var c mat.Dense
	c.Mul(b, moments.T())
	c.Scale(1/float64(pr.n), &c)
	return &c
}

// workVersion is the version of Work's encoding; maxWork bounds it (the
// bytes are sent with every task).
const (
	workVersion = 1
	maxWork     = 8 << 20
)

// Work returns what a process needs to compute replications on the fast
// path without the setup's cost (two L x L covariances and factorisations
// per grid point): per grid point, the second step's estimate theta and
// the kdelta x L matrix b, as little-endian float64s after a header of
// uint32s (version, grid points, p, kdelta, L). It returns nil when that
// exceeds maxWork bytes; a process then computes the setup itself.
// FastSetup(Work()) gives the same bits as the setup's own fast path.
func (s *LinearitySetup) Work() []byte {
	pr := s.pr
	from, to := pr.deltaRange()
	kd, L := to-from, pr.L()
	size := 20 + 8*len(s.b)*(pr.p+kd*L)
	if size > maxWork {
		return nil
	}
	out := make([]byte, 0, size)
	for _, v := range []int{workVersion, len(s.b), pr.p, kd, L} {
		out = binary.LittleEndian.AppendUint32(out, uint32(v))
	}
	for k, b := range s.b {
		for _, v := range s.theta[k] {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		}
		for r := 0; r < kd; r++ {
			for _, v := range b.RawRowView(r) {
				out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
			}
		}
	}
	return out
}

// FastSetup returns the setup of the fast path alone from work that Work
// wrote on the same problem: per grid point, c = b M'/n with M the residual
// moments at theta. Its Replicate computes the Fast path only. Work written
// for another problem (other sizes) is an error.
func (pr *Problem) FastSetup(work []byte) (*LinearitySetup, error) {
	from, to := pr.deltaRange()
	kd, L := to-from, pr.L()
	want := []int{workVersion, len(pr.grid), pr.p, kd, L}
	if len(work) != 20+8*len(pr.grid)*(pr.p+kd*L) {
		return nil, fmt.Errorf("%w: linearity test: %d bytes of shipped setup, want %d", ErrSpec, len(work), 20+8*len(pr.grid)*(pr.p+kd*L))
	}
	for i, w := range want {
		if got := binary.LittleEndian.Uint32(work[4*i:]); got != uint32(w) {
			return nil, fmt.Errorf("%w: linearity test: shipped setup header field %d is %d, want %d", ErrSpec, i, got, w)
		}
	}
	next := func() float64 {
		v := math.Float64frombits(binary.LittleEndian.Uint64(work))
		work = work[8:]
		return v
	}
	work = work[20:]
	s := &LinearitySetup{pr: pr}
	for _, g := range pr.grid {
		theta := make([]float64, pr.p)
		for i := range theta {
			theta[i] = next()
		}
		b := mat.NewDense(kd, L, nil)
		for i := range b.RawMatrix().Data {
			b.RawMatrix().Data[i] = next()
		}
		s.theta, s.b = append(s.theta, theta), append(s.b, b)
		s.c = append(s.c, pr.fastMatrix(b, pr.residualMoments(g, theta)))
	}
	return s, nil
}

// sigmaDelta returns the Cholesky factorisation of Sigma_delta, the block
// of v = (G2'Omega^-1 G2)^-1 that the test restricts, at grid point g.
func (pr *Problem) sigmaDelta(v *mat.SymDense, g float64) (*mat.Cholesky, error) {
	from, to := pr.deltaRange()
	kd := to - from
	sig := mat.NewSymDense(kd, nil)
	for a := 0; a < kd; a++ {
		for b := a; b < kd; b++ {
			sig.SetSym(a, b, v.At(from+a, from+b))
		}
	}
	ch := new(mat.Cholesky)
	if !ch.Factorize(sig) {
		return nil, fmt.Errorf("%w: Sigma_delta at the grid point %v", ErrSingular, g)
	}
	return ch, nil
}

// waldStat returns n delta' Sigma^-1 delta for Sigma given by its Cholesky
// factorisation.
func (pr *Problem) waldStat(sigma *mat.Cholesky, delta []float64) float64 {
	d := mat.NewVecDense(len(delta), append([]float64(nil), delta...))
	var x mat.VecDense
	// The setup checked the factorisation; a Condition error still
	// leaves the solution in x.
	_ = sigma.SolveVecTo(&x, d)
	return mat.Dot(d, &x) * float64(pr.n)
}

// multipliers returns replication rep's unit multipliers eta_i ~ N(0,1), in
// unit order, from the replication's own stream.
func (s *LinearitySetup) multipliers(seed uint64, rep int) []float64 {
	st := stream.New(seed, stream.DynamicThresholdBootstrap, bootstrapStage, rep)
	eta := make([]float64, s.pr.n)
	for i := range eta {
		eta[i] = st.Normal()
	}
	return eta
}

// replicateReference computes supW* of replications from..to-1 straight from
// the formulas: for every grid point gamma,
//
//	gbar1*  = n^-1 sum_i eta_i Z_i' de_i(gamma)     de the second-step residuals
//	theta*  = (G2'W2G2)^-1 G2'W2 gbar1*               W2 = W2(gamma), held fixed
//	W*      = n delta*' Sigma_delta(gamma)^-1 delta*  Sigma_delta held fixed
//
// and supW* = max over the grid.
func (s *LinearitySetup) replicateReference(seed uint64, from, to int) []float64 {
	pr := s.pr
	lo, hi := pr.deltaRange()
	out := make([]float64, 0, to-from)
	r := make([]float64, pr.p)
	for rep := from; rep < to; rep++ {
		eta := s.multipliers(seed, rep)
		sup := 0.0
		for k, g := range pr.grid {
			theta := mat.NewVecDense(pr.p, s.fits[k].theta)
			gstar := make([]float64, pr.L())
			for i := 0; i < pr.n; i++ {
				e := make([]float64, len(pr.dy[i]))
				for j := range e {
					pr.row(i, j, g, r)
					e[j] = pr.dy[i][j] - mat.Dot(mat.NewVecDense(pr.p, r), theta)
				}
				pr.ztAdd(i, e, eta[i]/float64(pr.n), gstar)
			}
			var rhs mat.Dense
			rhs.Mul(s.fits[k].gw, mat.NewVecDense(pr.L(), gstar))
			tstar := s.fits[k].solve(&rhs)
			w := pr.waldStat(s.sigma[k], mat.Col(nil, 0, tstar)[lo:hi])
			if k == 0 || w > sup {
				sup = w
			}
		}
		out = append(out, sup)
	}
	return out
}

// replicateFast computes the same supW* with the draws of a batch as the
// columns of E (n x batch): at every grid point Y = c E (kdelta x batch),
// and W* of column b is n |Y_b|^2.
func (s *LinearitySetup) replicateFast(seed uint64, from, to int) []float64 {
	pr := s.pr
	cols := to - from
	e := mat.NewDense(pr.n, cols, nil)
	for b := 0; b < cols; b++ {
		e.SetCol(b, s.multipliers(seed, from+b))
	}
	out := make([]float64, cols)
	var y mat.Dense
	for k, c := range s.c {
		rows, _ := c.Dims()
		y.Reset()
		y.Mul(c, e)
		for b := 0; b < cols; b++ {
			w := 0.0
			for a := 0; a < rows; a++ {
				v := y.At(a, b)
				w += v * v
			}
			w *= float64(pr.n)
			if k == 0 || w > out[b] {
				out[b] = w
			}
		}
	}
	return out
}

// batch is the number of replications computed together.
const batch = 256

// Algorithm selects how replications are computed.
type Algorithm int

const (
	// Fast batches replications as the columns of one matrix product per
	// grid point.
	Fast Algorithm = iota
	// Reference evaluates the formulas replication by replication; it is
	// the oracle of Fast.
	Reference
)

// Replicate returns supW* of replications from..to-1 of the test keyed by
// seed. Replication b's value does not depend on from and to.
func (s *LinearitySetup) Replicate(alg Algorithm, seed uint64, from, to int) []float64 {
	if alg == Reference {
		return s.replicateReference(seed, from, to)
	}
	return s.replicateFast(seed, from, to)
}

// Test returns the sup-Wald test with reps replications, or ctx's error
// once ctx is done (checked between batches).
func (s *LinearitySetup) Test(ctx context.Context, reps int, seed uint64, alg Algorithm) (*Linearity, error) {
	stats := make([]float64, 0, reps)
	for from := 0; from < reps; from += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		stats = append(stats, s.Replicate(alg, seed, from, min(from+batch, reps))...)
	}
	return s.linearity(seed, stats), nil
}

// linearity returns the test whose replications keyed by seed gave stats,
// in replication order.
func (s *LinearitySetup) linearity(seed uint64, stats []float64) *Linearity {
	l := &Linearity{Reps: len(stats), Seed: seed, Bootstrap: s.pr.spec.Bootstrap.String(), Wald: s.wald}
	for k, w := range s.wald {
		if k == 0 || w > l.Statistic {
			l.Statistic, l.Threshold = w, s.pr.grid[k]
		}
	}
	for _, w := range stats {
		if w > l.Statistic {
			l.Exceed++
		}
	}
	l.PValue = float64(l.Exceed) / float64(len(stats))
	return l
}
