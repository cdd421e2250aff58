package mediation

import (
	"errors"
	"fmt"

	"github.com/thresher/thresher/estimators/stream"
)

// ErrBootstrap reports a replication none of whose resamples could be
// fitted, or a range of replications outside the specification.
var ErrBootstrap = errors.New("mediation bootstrap failed")

// Bootstrap returns a*b of replications first..last-1, in order, for
// 0 <= first <= last <= Spec.Reps. Each value depends only on the problem
// and its replication number.
func (p *Problem) Bootstrap(first, last int) ([]float64, error) {
	if first < 0 || first > last || last > p.spec.Reps {
		return nil, fmt.Errorf("%w: replications %d..%d requested of %d", ErrBootstrap, first, last-1, p.spec.Reps)
	}
	out := make([]float64, 0, last-first)
	for r := first; r < last; r++ {
		ab, err := p.replicate(r)
		if err != nil {
			return nil, err
		}
		out = append(out, ab)
	}
	return out, nil
}

// replicate computes replication r: resamples of units drawn from r's own
// stream until equations (2) and (3) can both be fitted.
func (p *Problem) replicate(r int) (float64, error) {
	s := stream.New(p.spec.Seed, stream.MediationBootstrap, 1, r)
	units := len(p.starts) - 1
	draw := make([]int, units)
	var err error
	for range p.maxDraws {
		for i := range draw {
			draw[i] = s.IntN(units)
		}
		ab, fitErr := p.indirect(p.resample(draw))
		if fitErr == nil {
			return ab, nil
		}
		err = fitErr
	}
	return 0, fmt.Errorf("%w: replication %d: none of %d resamples could be fitted; the last: %w", ErrBootstrap, r, p.maxDraws, err)
}

// indirect fits equations (2) and (3) on s and returns a*b.
func (p *Problem) indirect(s *sample) (float64, error) {
	med, err := p.fit(s, 2)
	if err != nil {
		return 0, err
	}
	out, err := p.fit(s, 3)
	if err != nil {
		return 0, err
	}
	a, _ := med.Coefficient(p.spec.Treatment)
	b, _ := out.Coefficient(p.spec.Mediator)
	return a.Estimate * b.Estimate, nil
}

// resample stacks the rows of the drawn units; the i-th drawn unit becomes
// unit i.
func (p *Problem) resample(draw []int) *sample {
	d := &p.data
	s := &sample{controls: make([][]float64, len(d.controls))}
	for i, u := range draw {
		lo, hi := p.starts[u], p.starts[u+1]
		s.y = append(s.y, d.y[lo:hi]...)
		s.x = append(s.x, d.x[lo:hi]...)
		s.m = append(s.m, d.m[lo:hi]...)
		for j, c := range d.controls {
			s.controls[j] = append(s.controls[j], c[lo:hi]...)
		}
		s.period = append(s.period, d.period[lo:hi]...)
		for range hi - lo {
			s.unit = append(s.unit, int32(i))
		}
	}
	return s
}
