package threshold

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ols"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/within"
)

// ErrData reports data that cannot support the requested model.
var ErrData = errors.New("invalid data for the model")

// Problem is a validated threshold model on a balanced panel: the columns in
// levels and after the within transformation, the candidate grid and the
// linear (no-threshold) fit. A Problem is immutable after Prepare and safe
// for concurrent use.
type Problem struct {
	*prepared // shared with the problems WithBootstrap derives
	spec      Spec
	notes     []string // about the data, for the report

	plansMu sync.Mutex
	plans   map[string]*bootstrapPlan // by BootstrapSetup
}

// prepared is what Prepare derives from the table and the specification,
// whatever the bootstrap kind: immutable once built, but for the fast
// kernel built on first use.
type prepared struct {
	units        []string
	periods      []int    // the distinct periods of the sample, in order
	period       []int32  // each level row's index into periods
	unbalanced   error    // why the panel is not balanced; nil if it is
	droppedUnits []string // units with a single observation
	warnings     []string // about the specification, for the report
	tableNotes   []string // the table's notes about the data
	dropped      *Dropped // observations dropped for missing values
	tr           *within.Transform

	yName, qName   string
	zNames, xNames []string
	y, q           []float64   // levels
	z, x           [][]float64 // level columns
	yT             []float64   // T y
	tss            float64     // centred sum of squares of T y

	distinct []float64 // sorted distinct values of q
	grid     *grid
	order    []int32   // level rows sorted by q, ties by row
	given    []float64 // Spec.Given snapped to data values

	// sigmaDF divides an SSR into the sigma^2 of F and LR statistics.
	sigmaDF   float64
	linearSSR float64 // S_0, the SSR of the linear model

	fastOnce sync.Once
	fast     *fastKernel
}

// Prepare validates the specification against the data and builds the
// problem. Every failure names the option, column, unit or value at fault.
func Prepare(t *panel.Table, spec Spec) (*Problem, error) {
	terms, err := spec.normalize()
	if err != nil {
		return nil, err
	}
	pn, err := panel.BuildWith(t, panel.Layout{ID: spec.ID, Time: spec.Time}, terms,
		// A unit observed once has no within variation: fixed-effect
		// estimators drop it (and Hansen's transform would leave it no row).
		panel.BuildOptions{Factors: true, DropMissing: !spec.MissingError, MinUnitRows: 2})
	if err != nil {
		return nil, err
	}
	p := &Problem{spec: spec, prepared: &prepared{units: pn.Units, periods: pn.Periods(),
		unbalanced: pn.CheckBalanced(), droppedUnits: pn.DroppedUnits, tableNotes: t.Notes()}}
	if pn.MissingRows > 0 {
		p.dropped = &Dropped{Rows: pn.MissingRows, ByColumn: pn.Missing, GapRows: pn.GapRows}
	}
	if err := p.resolveBootstrap(); err != nil {
		return nil, err
	}
	switch {
	case len(p.units) == 0:
		return nil, fmt.Errorf("%w: every unit has a single observation (after lags); fixed effects need at least 2 observations per unit", ErrData)
	case len(p.units) < 2:
		return nil, fmt.Errorf("%w: the sample has 1 unit with at least 2 observations; a panel threshold model needs at least 2 units", ErrData)
	}
	p.tr = within.New(pn.UnitStarts(), spec.Convention.dropLast())

	// Columns: y, z..., x..., q in the order parseTerms produced them,
	// each factor variable of z expanded into its indicators.
	for c, src := range pn.Source {
		name, v := pn.Terms[c].Name, pn.Values[c]
		switch {
		case src == 0:
			p.yName, p.y = spec.Depvar, v
		case src <= len(spec.Indep):
			p.zNames, p.z = append(p.zNames, name), append(p.z, v)
		case src <= len(spec.Indep)+len(spec.Rx):
			p.xNames, p.x = append(p.xNames, name), append(p.x, v)
		default:
			p.qName, p.q = spec.Qx, v
			// A threshold variable among the regressors (Hansen's L.d) is
			// the same term, read and evaluated alike: one column for both.
			if j := slices.Index(p.zNames, name); j >= 0 {
				p.q = p.z[j]
			} else if j := slices.Index(p.xNames, name); j >= 0 {
				p.q = p.x[j]
			}
		}
	}

	if err := p.checkTimeVarying(pn); err != nil {
		return nil, err
	}
	// Each row's period as an index, 4 bytes a row where the panel has 8
	// (fewer periods than MaxInt32 rows): the last use of the panel, whose
	// other rows' columns (units, lines) can go first.
	p.period = make([]int32, pn.Len())
	for r, per := range pn.Period {
		i, _ := slices.BinarySearch(p.periods, per)
		p.period[r] = int32(i)
	}
	if err := p.checkMagnitude(); err != nil {
		return nil, err
	}
	p.yT = p.transform(p.y)
	p.tss = centredSS(p.yT)
	names := append(slices.Clone(p.zNames), p.xNames...)
	linear, err := p.regressSSR(columnLevels(append(slices.Clone(p.z), p.x...)), false, p.baseDesign, p.yT, names)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrData, err)
	}
	if err := p.checkFit("the linear model (no threshold)", linear); err != nil {
		return nil, err
	}
	p.linearSSR = linear.SSR // the fit keeps its design alive: drop it
	p.sigmaDF = p.sigmaDivisor()

	if len(p.q) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d observations; at most %d are supported", ErrData, len(p.q), math.MaxInt32)
	}
	p.order = make([]int32, len(p.q))
	for i := range p.order {
		p.order[i] = int32(i)
	}
	slices.SortStableFunc(p.order, func(a, b int32) int {
		switch {
		case p.q[a] < p.q[b]:
			return -1
		case p.q[b] < p.q[a]:
			return 1
		}
		return 0
	})
	// The sorted distinct values of q, counted first to be allocated at
	// their number.
	distinct := 0
	for i, r := range p.order {
		if i == 0 || p.q[r] != p.q[p.order[i-1]] {
			distinct++
		}
	}
	p.distinct = make([]float64, 0, distinct)
	for i, r := range p.order {
		if i == 0 || p.q[r] != p.q[p.order[i-1]] {
			p.distinct = append(p.distinct, p.q[r])
		}
	}
	if p.grid, err = newGrid(p.distinct, spec.Convention, spec.Grid, spec.Trim[0]); err != nil {
		return nil, err
	}
	p.warnings = spec.laggedDepvar(terms)
	if err := p.checkResidualDF(); err != nil {
		return nil, err
	}
	if spec.Given != nil {
		if p.given, err = p.snapGiven(spec.Given); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// resolveBootstrap chooses the bootstrap of AutoBootstrap (the residual
// bootstrap on a balanced panel with conventional errors, the wild
// bootstrap otherwise), refuses the residual bootstrap on an unbalanced
// panel and sets the report's notes.
func (p *Problem) resolveBootstrap() error {
	auto := p.spec.Bootstrap == AutoBootstrap
	switch {
	case auto && p.unbalanced == nil && p.spec.VCE == Conventional:
		p.spec.Bootstrap = ResidualBootstrap
	case auto:
		p.spec.Bootstrap = WildRademacher
	case p.spec.Bootstrap == ResidualBootstrap && p.unbalanced != nil:
		after := ""
		if p.dropped != nil {
			after = fmt.Sprintf(", after dropping %s with missing values", observations(p.dropped.Rows))
		}
		return fmt.Errorf("%w (the residual bootstrap redraws whole units and needs a balanced panel%s; use the wild bootstrap)", p.unbalanced, after)
	}
	p.notes = p.tableNotes
	if p.dropped != nil && p.unbalanced != nil && auto {
		p.notes = append(slices.Clip(p.notes), fmt.Sprintf("the panel is unbalanced after dropping %s with missing values, "+
			"so it is estimated as unbalanced: the bootstrap is the wild bootstrap", observations(p.dropped.Rows)))
	}
	return nil
}

// WithBootstrap returns the problem with the bootstrap kind kind and
// otherwise the same specification. It shares this problem's data, grid,
// linear fit and fast kernel, so it costs none of Prepare's work, and fails
// as Prepare would with that kind. Both problems stay safe for concurrent
// use.
func (p *Problem) WithBootstrap(kind BootstrapKind) (*Problem, error) {
	spec := p.spec
	spec.Bootstrap = kind
	if err := spec.checkRobust(); err != nil {
		return nil, err
	}
	q := &Problem{prepared: p.prepared, spec: spec}
	if err := q.resolveBootstrap(); err != nil {
		return nil, err
	}
	return q, nil
}

// parseTerms parses the variable lists in the order y, indep, rx, qx.
func parseTerms(s Spec) ([]panel.Term, error) {
	var terms []panel.Term
	add := func(option string, names ...string) error {
		for _, n := range names {
			t, err := panel.ParseTerm(n)
			if err != nil {
				return fmt.Errorf("%s: %w", option, err)
			}
			if t.IsFactor() && option != "indep" {
				return fmt.Errorf("%s: %w %q: a factor variable is a regime-independent regressor (--indep) only", option, panel.ErrSyntax, n)
			}
			terms = append(terms, t)
		}
		return nil
	}
	for _, l := range []struct {
		option string
		names  []string
	}{{"depvar", []string{s.Depvar}}, {"indep", s.Indep}, {"rx", s.Rx}, {"qx", []string{s.Qx}}} {
		if err := add(l.option, l.names...); err != nil {
			return nil, err
		}
	}
	return terms, nil
}

// checkTimeVarying rejects a dependent variable, threshold variable or
// regime-dependent regressor that never changes within a unit (Hansen 1999,
// §2; xthreg).
func (p *Problem) checkTimeVarying(pn *panel.Panel) error {
	starts := pn.UnitStarts()
	varies := func(v []float64) bool {
		for i := 0; i+1 < len(starts); i++ {
			for r := starts[i] + 1; r < starts[i+1]; r++ {
				if v[r] != v[starts[i]] {
					return true
				}
			}
		}
		return false
	}
	if !varies(p.y) {
		return fmt.Errorf("%w: the dependent variable %q is time-invariant (constant within every unit); the fixed effects leave nothing to explain", ErrData, p.yName)
	}
	if !varies(p.q) {
		return fmt.Errorf("%w: the threshold variable %q is time-invariant (constant within every unit)", ErrData, p.qName)
	}
	for j, x := range p.x {
		if !varies(x) {
			return fmt.Errorf("%w: the regime-dependent regressor %q is time-invariant (constant within every unit)", ErrData, p.xNames[j])
		}
	}
	return nil
}

// maxMagnitude bounds the absolute values of the dependent variable and
// the regressors: the regressions sum squares and cross-products of them
// over every observation, which overflow float64 (about 1.8e308) beyond
// about 1e154 / sqrt(observations) and lose every digit long before.
const maxMagnitude = 1e100

// checkMagnitude refuses a dependent variable or regressor with a value
// beyond maxMagnitude, naming the overflow as the cause and the remedy,
// instead of the unidentified slopes or singular designs it would cause.
// The threshold variable is only compared, never multiplied: any finite
// value is fine.
func (p *Problem) checkMagnitude() error {
	names := append(append([]string{p.yName}, p.zNames...), p.xNames...)
	columns := append(append([][]float64{p.y}, p.z...), p.x...)
	for j, v := range columns {
		for _, x := range v {
			if math.Abs(x) > maxMagnitude {
				return fmt.Errorf("%w: %q has the value %.3g, beyond %.0e in absolute value: the regressions' sums of squares "+
					"would overflow float64 or lose every digit; rescale it (divide it by a power of 10)", ErrData, names[j], x, maxMagnitude)
			}
		}
	}
	return nil
}

// checkResidualDF refuses, before any search or bootstrap, a sample that
// leaves the final model no residual degrees of freedom N - n - K (the
// divisor of sigma_e^2 in xtreg, fe's header, docs/postestimation.md), with
// N the rows the regression uses, n units and K slopes.
func (p *Problem) checkResidualDF() error {
	obs, units := p.tr.Rows(), len(p.units)
	k := len(p.z) + len(p.x)*(p.spec.Thresholds+1)
	if obs-units-k <= 0 {
		return fmt.Errorf("%w: %d observations leave no residual degrees of freedom for %d units and %d slopes", ErrData, obs, units, k)
	}
	return nil
}

// checkFit refuses a model that fits the dependent variable exactly: sigma^2
// would be 0, the F statistics infinite or undefined and the standard errors
// zero.
func (p *Problem) checkFit(model string, fit *ols.Fit) error {
	if !fit.Exact(p.tss) {
		return nil
	}
	return fmt.Errorf("%w: %s fits the dependent variable %q exactly (residual sum of squares %.3g of a total %.3g), "+
		"so its F statistics and standard errors are meaningless; remove the regressors that determine it", ErrData, model, p.yName, fit.SSR, p.tss)
}

// centredSS returns the sum of squared deviations of v from its mean.
func centredSS(v []float64) float64 {
	mean := floats.Sum(v) / float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return ss
}

// sigmaDivisor returns the divisor of sigma^2 = S/divisor in F and LR:
// the transformed rows n(T-1) for Hansen (eq. 9); T(N-1) = NT - T for xthreg
// (docs/threshold-model.md §4, verified on Wang's MSE), which for an unbalanced panel
// thresher generalises to N - N/n with N observations and n units.
func (p *Problem) sigmaDivisor() float64 {
	if p.spec.Convention == Hansen {
		return float64(p.tr.Rows())
	}
	obs, units := float64(p.tr.Rows()), float64(len(p.units))
	return obs - obs/units
}

// snapGiven replaces each given threshold within 1e-6 (relative) of a
// distinct value of q by that value: printed thresholds are rounded and
// xthreg's data store float32.
func (p *Problem) snapGiven(given []float64) ([]float64, error) {
	out := make([]float64, len(given))
	for i, g := range given {
		out[i] = g
		j := sort.SearchFloat64s(p.distinct, g)
		for _, c := range []int{j - 1, j} {
			if c >= 0 && c < len(p.distinct) {
				v := p.distinct[c]
				if math.Abs(v-g) <= 1e-6*math.Max(math.Abs(v), math.Abs(g)) {
					out[i] = v
				}
			}
		}
	}
	for i := range out {
		if j := slices.Index(out[:i], out[i]); j >= 0 {
			return nil, fmt.Errorf("%w: given thresholds %d (%v) and %d (%v) snap to the same candidate %v of %s (within 1e-6, relative)",
				ErrData, j+1, given[j], i+1, given[i], out[i], p.qName)
		}
	}
	return out, nil
}

// transform returns T v for a level column.
func (p *Problem) transform(v []float64) []float64 {
	out := make([]float64, p.tr.Rows())
	p.tr.Apply(out, v)
	return out
}

// baseDesign returns the transformed [Z X] of the linear model, written
// into dst when it is not nil (see design).
func (p *Problem) baseDesign(dst *mat.Dense) *mat.Dense {
	return p.design(dst, append(slices.Clone(p.z), p.x...))
}

// design returns the matrix whose columns are the transformed level
// columns, written into dst (every element) when dst is not nil.
func (p *Problem) design(dst *mat.Dense, levels [][]float64) *mat.Dense {
	d := newDesign(dst, p.tr.Rows(), len(levels))
	col := make([]float64, p.tr.Rows())
	for j, c := range levels {
		p.tr.Apply(col, c)
		d.SetCol(j, col)
	}
	return d
}

// indicator returns x∘1(q in lower regime of g) in levels.
func (p *Problem) indicator(x []float64, g float64) []float64 {
	out := make([]float64, len(x))
	for r, v := range x {
		if p.spec.Convention.inLower(p.q[r], g) {
			out[r] = v
		}
	}
	return out
}

// regimeCounts returns the number of observations in each of the regimes
// that the sorted thresholds define.
func (p *Problem) regimeCounts(thresholds []float64) []int {
	counts := make([]int, len(thresholds)+1)
	for _, qv := range p.q {
		counts[p.regimeOf(qv, thresholds)]++
	}
	return counts
}

// regimeLabel describes regime k of the sorted thresholds, e.g.
// "0.0157 <= L.d < 0.5362".
func (p *Problem) regimeLabel(thresholds []float64, k int) string {
	op := p.spec.Convention.lowerOp()
	upper := map[string]string{"<": "<=", "<=": "<"}[op]
	var parts []string
	if k > 0 {
		parts = append(parts, fmt.Sprintf("%.6g %s", thresholds[k-1], upper))
	}
	parts = append(parts, p.qName)
	if k < len(thresholds) {
		parts = append(parts, fmt.Sprintf("%s %.6g", op, thresholds[k]))
	}
	return strings.Join(parts, " ")
}

// Spec returns the normalised specification.
func (p *Problem) Spec() Spec { return p.spec }

// newDesign returns dst, which must be r x c, or a new r x c matrix when dst
// is nil.
func newDesign(dst *mat.Dense, r, c int) *mat.Dense {
	if dst == nil {
		return mat.NewDense(r, c, nil)
	}
	if dr, dc := dst.Dims(); dr != r || dc != c {
		panic(fmt.Sprintf("threshold: a %dx%d design written into a %dx%d matrix", r, c, dr, dc))
	}
	return dst
}
