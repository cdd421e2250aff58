package simulate

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// ThresholdPanel describes a balanced panel with a double threshold effect:
//
//	y_it = mu_i + 0.5 z1_it - 0.3 z2_it + b1(q_it) x1_it + b2(q_it) x2_it + e_it
//
// with mu_i, z, x and e independent standard normal, q_it uniform on (0, 1)
// (printed with 6 decimals, so nearly every value is distinct), and slopes
// (b1, b2) = (0.5, 1.0) for q <= 0.3, (1.0, 0.6) for 0.3 < q <= 0.7 and
// (1.5, 1.0) above.
type ThresholdPanel struct {
	Units, Periods int
	Seed           uint64
}

// CSV returns the panel with header id,t,y,z1,z2,x1,x2,q.
func (c ThresholdPanel) CSV() []byte {
	rng := rand.New(rand.NewPCG(c.Seed, 0x7468726573686572))
	var b bytes.Buffer
	b.WriteString("id,t,y,z1,z2,x1,x2,q\n")
	num := func(v float64) { b.WriteString(strconv.FormatFloat(v, 'f', 6, 64)) }
	for i := 1; i <= c.Units; i++ {
		mu := rng.NormFloat64()
		for t := 1; t <= c.Periods; t++ {
			z1, z2, x1, x2 := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
			q := rng.Float64()
			b1, b2 := 1.5, 1.0
			switch {
			case q <= 0.3:
				b1, b2 = 0.5, 1.0
			case q <= 0.7:
				b1, b2 = 1.0, 0.6
			}
			y := mu + 0.5*z1 - 0.3*z2 + b1*x1 + b2*x2 + rng.NormFloat64()
			fmt.Fprintf(&b, "%d,%d,", i, t)
			for k, v := range []float64{y, z1, z2, x1, x2, q} {
				if k > 0 {
					b.WriteByte(',')
				}
				num(v)
			}
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
