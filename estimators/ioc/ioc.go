package ioc

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Sentinel errors; every error of this package wraps one of them.
var (
	// ErrDimension reports inputs whose dimensions disagree.
	ErrDimension = errors.New("dimensions do not match")
	// ErrInvalid reports a negative or non-finite value.
	ErrInvalid = errors.New("invalid value")
	// ErrZeroOutput reports a sector with zero total output.
	ErrZeroOutput = errors.New("zero total output")
	// ErrNoExports reports a table whose exports are all zero.
	ErrNoExports = errors.New("no exports")
	// ErrSingular reports an I - A that cannot be inverted reliably.
	ErrSingular = errors.New("input-output matrix is singular")
)

// MaxCondition is the largest condition number (1-norm estimate) of I - A
// that Leontief accepts; beyond it the inverse has too few correct digits.
const MaxCondition = 1e12

// Table is one input-output table with the energy use of its sectors.
type Table struct {
	// Sectors names the n rows (and columns) of the table.
	Sectors []string
	// A is the n x n direct-consumption coefficient matrix.
	A *mat.Dense
	// Output holds total output X_i, and Exports the exports EX_i.
	Output  []float64
	Exports []float64
	// Energy is n x m: Energy(i, k) is sector i's use of energy source k,
	// in the unit of the k-th emission factor passed to Compute.
	Energy *mat.Dense
}

// Result holds the carbon measures of a table (see the package
// documentation for the formulas).
type Result struct {
	Sectors []string `json:"sectors"`
	// Direct holds c_i, tonnes of CO2 per unit of output.
	Direct []float64 `json:"direct"`
	// Total holds eps_j = (c L)_j.
	Total []float64 `json:"total"`
	// ExportEmissions holds eps_j EX_j.
	ExportEmissions []float64 `json:"export_emissions"`
	// TotalExportEmissions is C = c L EX; TotalExports is sum_j EX_j.
	TotalExportEmissions float64 `json:"total_export_emissions"`
	TotalExports         float64 `json:"total_exports"`
	// ExportIntensity is C / sum_j EX_j.
	ExportIntensity float64 `json:"export_intensity"`
}

// Compute returns the carbon measures of t, the k-th column of t.Energy
// being burnt at factors[k].
func Compute(t *Table, factors []EmissionFactor) (*Result, error) {
	n := len(t.Sectors)
	if r, c := t.A.Dims(); r != n || c != n {
		return nil, fmt.Errorf("%w: A is %d x %d for %d sectors", ErrDimension, r, c, n)
	}
	if r, c := t.Energy.Dims(); r != n || c != len(factors) {
		return nil, fmt.Errorf("%w: energy use is %d x %d for %d sectors and %d emission factors", ErrDimension, r, c, n, len(factors))
	}
	if len(t.Output) != n || len(t.Exports) != n {
		return nil, fmt.Errorf("%w: %d outputs and %d exports for %d sectors", ErrDimension, len(t.Output), len(t.Exports), n)
	}
	direct, err := directCoefficients(t, factors)
	if err != nil {
		return nil, err
	}
	for i, ex := range t.Exports {
		if err := nonNegative(ex, "exports of sector %q", t.Sectors[i]); err != nil {
			return nil, err
		}
	}
	total := floats.Sum(t.Exports)
	if total == 0 {
		return nil, fmt.Errorf("%w: every sector's exports are zero; the export intensity is undefined", ErrNoExports)
	}
	l, err := Leontief(t.A)
	if err != nil {
		return nil, err
	}
	res := &Result{Sectors: t.Sectors, Direct: direct, Total: make([]float64, n), TotalExports: total}
	mat.NewVecDense(n, res.Total).MulVec(l.T(), mat.NewVecDense(n, direct))
	res.ExportEmissions = make([]float64, n)
	floats.MulTo(res.ExportEmissions, res.Total, t.Exports)
	res.TotalExportEmissions = floats.Sum(res.ExportEmissions)
	res.ExportIntensity = res.TotalExportEmissions / total
	return res, nil
}

// directCoefficients returns c_i = sum_k E_ik lambda_k / X_i (eq. 6).
func directCoefficients(t *Table, factors []EmissionFactor) ([]float64, error) {
	for _, f := range factors {
		if err := nonNegative(f.Factor, "emission factor of %q", f.Source); err != nil {
			return nil, err
		}
	}
	c := make([]float64, len(t.Sectors))
	for i, name := range t.Sectors {
		x := t.Output[i]
		if err := nonNegative(x, "output of sector %q", name); err != nil {
			return nil, err
		}
		if x == 0 {
			return nil, fmt.Errorf("%w: sector %q; its direct emission coefficient is undefined", ErrZeroOutput, name)
		}
		for k, f := range factors {
			e := t.Energy.At(i, k)
			if err := nonNegative(e, "use of %q by sector %q", f.Source, name); err != nil {
				return nil, err
			}
			c[i] += e * f.Factor
		}
		c[i] /= x
	}
	return c, nil
}

// Leontief returns (I - A)^{-1} for a square A with finite entries. It
// fails with ErrSingular when I - A is singular or its condition number
// exceeds MaxCondition.
func Leontief(a mat.Matrix) (*mat.Dense, error) {
	n, c := a.Dims()
	if n != c {
		return nil, fmt.Errorf("%w: A is %d x %d, not square", ErrDimension, n, c)
	}
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := a.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: A(%d, %d) is %v", ErrInvalid, i+1, j+1, v)
			}
			m.Set(i, j, -v)
		}
		m.Set(i, i, 1+m.At(i, i))
	}
	var lu mat.LU
	lu.Factorize(m)
	if cond := lu.Cond(); !(cond <= MaxCondition) {
		return nil, fmt.Errorf("%w: I - A has condition number %.3g (limit %.0g)", ErrSingular, cond, MaxCondition)
	}
	eye := mat.NewDiagDense(n, nil)
	for i := 0; i < n; i++ {
		eye.SetDiag(i, 1)
	}
	var inv mat.Dense
	if err := lu.SolveTo(&inv, false, eye); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSingular, err)
	}
	return &inv, nil
}

// nonNegative returns an ErrInvalid error, describing the value with format
// and args, when v is negative or not finite.
func nonNegative(v float64, format string, args ...any) error {
	if v >= 0 && !math.IsInf(v, 1) {
		return nil
	}
	return fmt.Errorf("%w: %s is %v", ErrInvalid, fmt.Sprintf(format, args...), v)
}
