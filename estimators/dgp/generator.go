package dgp

import (
	"fmt"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/stream"
)

// Generator draws the samples of one design. Prepare does the work that is
// the same for every replication (validation and, for the resample family,
// reading and fitting the user's data) once; Draw is safe for concurrent
// use.
type Generator struct {
	design Design // normalized
	base   *resampleBase
}

// Prepare validates an expanded design and returns its generator. base is
// the user's data of a resample design and is not used (may be nil) for
// the other families.
func (d Design) Prepare(base *panel.Table) (*Generator, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{design: d.normalized()}
	if d.Family == FamilyResample {
		if base == nil {
			return nil, fmt.Errorf("the resample family needs the user's data")
		}
		b, err := g.design.fitBase(base)
		if err != nil {
			return nil, err
		}
		g.base = b
	}
	return g, nil
}

// Draw returns replication rep of the design with index design of a study
// with the given seed. Equal arguments give equal samples, bit for bit.
func (d Design) Draw(seed uint64, design, rep int, base *panel.Table) (*Sample, error) {
	g, err := d.Prepare(base)
	if err != nil {
		return nil, err
	}
	return g.Draw(seed, design, rep), nil
}

// Draw returns replication rep of the design with index design: the sample
// is a function of its stream, stream.New(seed, stream.DataGeneration,
// design, rep), alone.
func (g *Generator) Draw(seed uint64, design, rep int) *Sample {
	s := stream.New(seed, stream.DataGeneration, design, rep)
	switch g.design.Family {
	case FamilyProvinces:
		return drawProvinces(s)
	case FamilyResample:
		return g.base.draw(g.design, s)
	}
	return g.design.drawThreshold(s)
}
