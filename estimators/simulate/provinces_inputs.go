package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ioc"
)

// digitalIndicators returns the five raw indicators (indicator j's column at
// index j) whose first principal component is exactly 2 d: z-scores
// sqrt(0.8) d + U_j with U = sqrt(0.25 (N-1)) Q M, where Q (N x 4) has
// orthonormal columns orthogonal to 1 and d and M (4 x 5) has orthonormal
// rows orthogonal to 1. See Provinces.
func digitalIndicators(rng *rand.Rand, d []float64) [5][]float64 {
	n := len(d)
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	q := orthonormalExtension(rng, [][]float64{ones, d}, n, 4)
	m := orthonormalExtension(rng, [][]float64{{1, 1, 1, 1, 1}}, 5, 4)
	scale := math.Sqrt(0.25 * float64(n-1))
	var out [5][]float64
	for j, ind := range ProvinceIndicators() {
		out[j] = make([]float64, n)
		for i := range out[j] {
			z := math.Sqrt(0.8) * d[i]
			for k := range q {
				z += scale * q[k][i] * m[k][j]
			}
			out[j][i] = ind.Mean + ind.SD*z
		}
	}
	return out
}

// orthonormalExtension returns k random unit vectors of length n orthogonal
// to the vectors of span and to each other (Gram-Schmidt, applied twice for
// accuracy).
func orthonormalExtension(rng *rand.Rand, span [][]float64, n, k int) [][]float64 {
	var basis [][]float64
	for _, v := range span {
		basis = append(basis, unit(orthogonalize(v, basis)))
	}
	var out [][]float64
	for range k {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		v = unit(orthogonalize(orthogonalize(v, basis), basis))
		basis = append(basis, v)
		out = append(out, v)
	}
	return out
}

// orthogonalize returns v minus its projections on the unit vectors basis.
func orthogonalize(v []float64, basis [][]float64) []float64 {
	out := append([]float64(nil), v...)
	for _, b := range basis {
		p := 0.0
		for i := range out {
			p += out[i] * b[i]
		}
		for i := range out {
			out[i] -= p * b[i]
		}
	}
	return out
}

// unit scales v to unit length.
func unit(v []float64) []float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	s = math.Sqrt(s)
	for i := range v {
		v[i] /= s
	}
	return v
}

// Input-output constants of Provinces: base technical coefficients (rows
// input sectors, columns using sectors), base export shares of output,
// CO2 per unit of output before scaling, and each sector's split of
// non-coal energy over coke, diesel, gasoline, diesel fuel, fuel oil and
// natural gas.
var (
	baseA = [3][3]float64{
		{0.10, 0.04, 0.02},
		{0.22, 0.58, 0.18},
		{0.06, 0.14, 0.24},
	}
	baseExport = [3]float64{0.02, 0.15, 0.04}
	baseCarbon = [3]float64{0.4, 2.5, 0.3}
	coalWeight = [3]float64{0.5, 1, 0.3}
	otherFuels = [3][6]float64{
		{0.02, 0.35, 0.20, 0.25, 0.08, 0.10},
		{0.35, 0.10, 0.05, 0.10, 0.15, 0.25},
		{0.01, 0.15, 0.35, 0.15, 0.04, 0.30},
	}
)

// ioTable draws the row's input-output table and scales its energy use so
// that ioc.Compute gives an export intensity of exp(r.LnCIE).
func ioTable(rng *rand.Rand, r *ProvinceRow) ProvinceIO {
	var t ProvinceIO
	for i := range t.A {
		for j := range t.A[i] {
			t.A[i][j] = baseA[i][j] * math.Exp(0.05*rng.NormFloat64())
		}
	}
	total := 1e6 * math.Exp(r.LnPGDP+0.2*rng.NormFloat64())
	agr := 0.08 * math.Exp(0.1*rng.NormFloat64())
	ratio := math.Exp(r.LnInd) // services / industry
	t.Output = [3]float64{total * agr, total * (1 - agr) / (1 + ratio), total * (1 - agr) * ratio / (1 + ratio)}
	openness := math.Exp(0.5 * (r.LnOpen + 3.25))
	coal := math.Min(math.Exp(r.LnES), 0.95)
	factors := ioc.PaperFactors()
	for i := range t.Output {
		t.Exports[i] = t.Output[i] * math.Min(baseExport[i]*openness*math.Exp(0.1*rng.NormFloat64()), 0.9)
		co2 := t.Output[i] * baseCarbon[i]
		share := coal * coalWeight[i]
		t.Energy[i][0] = share * co2 / factors[0].Factor
		weights, sum := [6]float64{}, 0.0
		for k, w := range otherFuels[i] {
			weights[k] = w * math.Exp(0.2*rng.NormFloat64())
			sum += weights[k]
		}
		for k, w := range weights {
			t.Energy[i][k+1] = (1 - share) * w / sum * co2 / factors[k+1].Factor
		}
	}
	res, err := ioc.Compute(t.table(), factors)
	if err != nil {
		panic(fmt.Sprintf("simulate: input-output table of %s %d: %v", r.Province, r.Year, err))
	}
	scale := math.Exp(r.LnCIE) / res.ExportIntensity
	for i := range t.Energy {
		for k := range t.Energy[i] {
			t.Energy[i][k] *= scale
		}
	}
	return t
}

// table converts t to the form ioc.Compute reads.
func (t *ProvinceIO) table() *ioc.Table {
	a := mat.NewDense(3, 3, nil)
	energy := mat.NewDense(3, 7, nil)
	for i := range 3 {
		a.SetRow(i, t.A[i][:])
		energy.SetRow(i, t.Energy[i][:])
	}
	return &ioc.Table{Sectors: ProvinceSectors(), A: a, Output: t.Output[:], Exports: t.Exports[:], Energy: energy}
}
