package dgp

import (
	"math"

	"github.com/thresher/thresher/estimators/stream"
)

// draw returns one value of a normal or uniform law.
func draw(s *stream.Stream, law string, mean, sd, a, b float64) float64 {
	if law == LawUniform {
		return a + (b-a)*s.Float64()
	}
	return mean + sd*s.Normal()
}

// studentT returns a Student t draw with df > 2 degrees of freedom scaled
// to unit variance: Z / sqrt(V/df) * sqrt((df-2)/df) with V chi-square
// with df degrees of freedom, V = 2 Gamma(df/2) (docs/montecarlo.md).
func studentT(s *stream.Stream, df float64) float64 {
	z := s.Normal()
	v := 2 * gamma(s, df/2)
	return z / math.Sqrt(v/df) * math.Sqrt((df-2)/df)
}

// gamma returns a Gamma(shape, 1) draw for shape >= 1 by Marsaglia and
// Tsang's method (docs/montecarlo.md): with d = shape - 1/3 and
// c = 1/sqrt(9d), draw x normal and u uniform, v = (1 + c x)^3; accept
// d v when v > 0 and ln u < x^2/2 + d - d v + d ln v.
func gamma(s *stream.Stream, shape float64) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := s.Normal()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := s.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
