package dgp

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/internal/shortlist"
)

// maxRows bounds a simulated panel's n T, which is built in memory.
const maxRows = 10_000_000

// Column names every sample has.
const (
	ColumnID   = "id"
	ColumnTime = "t"
	ColumnY    = "y"
	defaultQ   = "q"
)

// normalized returns the design with its defaults filled in: normal laws,
// SD 0 meaning 1, uniform (0, 1) for A = B = 0, q named "q".
func (d Design) normalized() Design {
	d = d.clone()
	for _, rs := range [][]Regressor{d.Regressors, d.RegimeDependent} {
		for i := range rs {
			if d.Family == FamilyThreshold {
				rs[i].Law, rs[i].SD, rs[i].A, rs[i].B = defaultLaw(rs[i].Law, LawNormal, rs[i].SD, rs[i].A, rs[i].B)
			}
		}
	}
	if d.Family == FamilyThreshold {
		d.Q.Law, d.Q.SD, d.Q.A, d.Q.B = defaultLaw(d.Q.Law, LawUniform, d.Q.SD, d.Q.A, d.Q.B)
		if d.Q.Name == "" {
			d.Q.Name = defaultQ
		}
		if d.UnitEffects.Law == "" {
			d.UnitEffects.Law = LawNormal
		}
		if d.UnitEffects.Law == LawNormal && d.UnitEffects.SD == 0 {
			d.UnitEffects.SD = 1
		}
		if d.UnitEffects.Law == LawCorrelated && d.UnitEffects.Regressor == "" && len(d.RegimeDependent) > 0 {
			d.UnitEffects.Regressor = d.RegimeDependent[0].Name
		}
		if d.Errors.Law == "" {
			d.Errors.Law = LawNormal
		}
		if d.Errors.SD == 0 && (d.Errors.Law == LawNormal || d.Errors.Law == LawStudentT || d.Errors.Law == LawAR1) {
			d.Errors.SD = 1
		}
	}
	if d.Family == FamilyResample {
		if d.ID == "" {
			d.ID = ColumnID
		}
		if d.Time == "" {
			d.Time = ColumnTime
		}
	}
	return d
}

// defaultLaw fills in a regressor's or q's law: the default law, SD 0 as 1
// for a normal law, A = B = 0 as (0, 1) for a uniform one.
func defaultLaw(law, def string, sd, a, b float64) (string, float64, float64, float64) {
	if law == "" {
		law = def
	}
	switch law {
	case LawNormal:
		if sd == 0 {
			sd = 1
		}
	case LawUniform:
		if a == 0 && b == 0 {
			b = 1
		}
	}
	return law, sd, a, b
}

// Validate reports the first problem of an expanded design: a grid that
// lists several values, a field that does not apply to the family, and
// impossible or unsupported processes (T < 2, n < 2, thresholds outside
// q's support or not increasing, a slope count that does not match the
// regimes, a share outside [0, 1), unknown laws and names).
func (d Design) Validate() error {
	for _, p := range d.grids() {
		if len(*p.value) > 1 {
			return fmt.Errorf("%s lists %d values: expand the grid first (dgp.Expand)", p.name, len(*p.value))
		}
		if len(*p.value) == 1 && !finite((*p.value)[0]) {
			return fmt.Errorf("%s is %v: give a finite number", p.name, (*p.value)[0])
		}
	}
	n := d.normalized()
	switch d.Family {
	case FamilyThreshold:
		return n.validateThreshold()
	case FamilyProvinces:
		return n.validateProvinces()
	case FamilyResample:
		return n.validateResample()
	case "":
		return errors.New("family is missing: give threshold, provinces or resample")
	}
	return fmt.Errorf("family %s is unknown: give threshold, provinces or resample", quote(d.Family))
}

// unused reports the first set field among those a family does not use.
func unused(family string, fields map[string]bool) error {
	for _, name := range []string{"n", "t", "unit_effects", "regressors", "regime_dependent", "q", "thresholds",
		"slopes", "effect", "errors", "drop", "y", "id", "time", "resample"} {
		if fields[name] {
			return fmt.Errorf("%s does not apply to the %s family", name, family)
		}
	}
	return nil
}

func (d Design) validateThreshold() error {
	if err := unused(d.Family, map[string]bool{"y": d.Y != "", "id": d.ID != "", "time": d.Time != "", "resample": d.Resample != ""}); err != nil {
		return err
	}
	if err := count("n", d.N, 2, "units"); err != nil {
		return err
	}
	if err := count("t", d.T, 2, "periods"); err != nil {
		return err
	}
	if rows := d.N.Value() * d.T.Value(); rows > maxRows {
		return fmt.Errorf("n t is %v rows: a simulated panel has at most %d", rows, maxRows)
	}
	if s := d.Drop.Value(); s < 0 || s >= 1 {
		return fmt.Errorf("drop is %v: the share of unit-periods dropped lies in [0, 1)", s)
	}
	if err := d.validateColumns(); err != nil {
		return err
	}
	for _, r := range slices.Concat(d.Regressors, d.RegimeDependent) {
		if err := checkLaw("regressor "+quote(r.Name), r.Law, r.Mean, r.SD, r.A, r.B); err != nil {
			return err
		}
	}
	for _, r := range d.RegimeDependent {
		if r.Slope != 0 {
			return fmt.Errorf("regime-dependent regressor %s has a slope: its slopes are in slopes, one row per regime", quote(r.Name))
		}
	}
	if err := d.validateQ(); err != nil {
		return err
	}
	if err := d.validateUnitEffects(); err != nil {
		return err
	}
	if err := d.validateErrors(); err != nil {
		return err
	}
	return d.validateSlopes()
}

// count checks an integer grid parameter given and at least min.
func count(name string, g Grid, min int, what string) error {
	if len(g) == 0 {
		return fmt.Errorf("%s is missing: give the number of %s", name, what)
	}
	v := g.Value()
	if v != math.Trunc(v) {
		return fmt.Errorf("%s is %v: give a whole number of %s", name, v, what)
	}
	if v < float64(min) {
		return fmt.Errorf("%s is %v: a panel needs at least %d %s", name, v, min, what)
	}
	return nil
}

// validateColumns checks the regressors' and q's names: present, distinct
// and not an identifier or the outcome.
func (d Design) validateColumns() error {
	if len(d.RegimeDependent) == 0 {
		return errors.New("regime_dependent is empty: a threshold model needs at least one regime-dependent regressor")
	}
	reserved := []string{ColumnID, ColumnTime, ColumnY}
	if d.Family == FamilyResample {
		reserved = []string{d.ID, d.Time, d.Y}
	}
	seen := map[string]bool{}
	for _, name := range slices.Concat(names(d.Regressors), names(d.RegimeDependent)) {
		switch {
		case name == "":
			return errors.New("a regressor has no name")
		case !plainColumn(name):
			return fmt.Errorf("regressor %s: %w", quote(name), errColumnName)
		case slices.Contains(reserved, name):
			return fmt.Errorf("regressor %s has the name of the unit, period or outcome column (%s)", quote(name), shortlist.Quote(reserved))
		case seen[name]:
			return fmt.Errorf("regressor %s is listed twice", quote(name))
		}
		seen[name] = true
	}
	return nil
}

// checkLaw checks a normal or uniform law.
func checkLaw(what, law string, mean, sd, a, b float64) error {
	for _, v := range []float64{mean, sd, a, b} {
		if !finite(v) {
			return fmt.Errorf("%s: a parameter is %v: give finite numbers", what, v)
		}
	}
	switch law {
	case LawNormal:
		if a != 0 || b != 0 {
			return fmt.Errorf("%s: a and b do not apply to the normal law (mean, sd)", what)
		}
		if sd < 0 {
			return fmt.Errorf("%s: sd is %v: give a positive standard deviation", what, sd)
		}
	case LawUniform:
		if mean != 0 || sd != 0 {
			return fmt.Errorf("%s: mean and sd do not apply to the uniform law (a, b)", what)
		}
		if a >= b {
			return fmt.Errorf("%s: uniform(%v, %v) needs a < b", what, a, b)
		}
	default:
		return fmt.Errorf("%s: law %s is unknown: give normal or uniform", what, quote(law))
	}
	return nil
}

// regressor returns the regressor called name, of either list.
func (d Design) regressor(name string) (Regressor, bool) {
	for _, r := range slices.Concat(d.Regressors, d.RegimeDependent) {
		if r.Name == name {
			return r, true
		}
	}
	return Regressor{}, false
}

func (d Design) validateQ() error {
	q := d.Q
	switch q.Law {
	case LawRegressor:
		if q.Mean != 0 || q.SD != 0 || q.A != 0 || q.B != 0 {
			return errors.New("q: mean, sd, a and b do not apply to law regressor (q is the regressor called name)")
		}
		if _, ok := d.regressor(q.Name); !ok {
			return fmt.Errorf("q: law regressor names %s, which is not a regressor", quote(q.Name))
		}
	case LawNormal, LawUniform:
		if err := checkLaw("q", q.Law, q.Mean, q.SD, q.A, q.B); err != nil {
			return err
		}
		if _, ok := d.regressor(q.Name); ok {
			return fmt.Errorf("q is named %s like a regressor: use law regressor to make q a regressor", quote(q.Name))
		}
		if !plainColumn(q.Name) {
			return fmt.Errorf("q %s: %w", quote(q.Name), errColumnName)
		}
		if slices.Contains([]string{ColumnID, ColumnTime, ColumnY}, q.Name) {
			return fmt.Errorf("q is named %s like the unit, period or outcome column", quote(q.Name))
		}
	default:
		return fmt.Errorf("q: law %s is unknown: give uniform, normal or regressor", quote(q.Law))
	}
	lo, hi := d.qSupport()
	return checkThresholds(d.Thresholds, lo, hi, "q's support")
}

// qSupport returns the open support (lo, hi) of q's law.
func (d Design) qSupport() (lo, hi float64) {
	law, a, b := d.Q.Law, d.Q.A, d.Q.B
	if law == LawRegressor {
		r, _ := d.regressor(d.Q.Name)
		law, a, b = r.Law, r.A, r.B
	}
	if law == LawUniform {
		return a, b
	}
	return math.Inf(-1), math.Inf(1)
}

// checkThresholds checks that thresholds are finite, increasing and inside
// (lo, hi).
func checkThresholds(th []float64, lo, hi float64, support string) error {
	for k, g := range th {
		if !finite(g) {
			return fmt.Errorf("threshold %d is %v: give finite numbers", k+1, g)
		}
		if !(g > lo && g < hi) {
			return fmt.Errorf("threshold %d is %v, outside %s (%v, %v): a regime would be empty", k+1, g, support, lo, hi)
		}
		if k > 0 && g <= th[k-1] {
			return fmt.Errorf("thresholds %s are not increasing", shortlist.Values(th))
		}
	}
	return nil
}

func (d Design) validateUnitEffects() error {
	u := d.UnitEffects
	if !finite(u.SD) || !finite(u.Load) || u.SD < 0 {
		return fmt.Errorf("unit_effects: sd %v and load %v: give a finite sd >= 0 and a finite load", u.SD, u.Load)
	}
	switch u.Law {
	case LawNone:
		if u.SD != 0 || u.Load != 0 || u.Regressor != "" {
			return errors.New("unit_effects: sd, load and regressor do not apply to law none")
		}
	case LawNormal:
		if u.Load != 0 || u.Regressor != "" {
			return errors.New("unit_effects: load and regressor apply to law correlated only")
		}
	case LawCorrelated:
		if _, ok := d.regressor(u.Regressor); !ok {
			return fmt.Errorf("unit_effects: regressor %s is not a regressor", quote(u.Regressor))
		}
	default:
		return fmt.Errorf("unit_effects: law %s is unknown: give normal, correlated or none", quote(u.Law))
	}
	return nil
}

func (d Design) validateErrors() error {
	e := d.Errors
	for _, v := range []float64{e.SD, e.A, e.B} {
		if !finite(v) {
			return fmt.Errorf("errors: a parameter is %v: give finite numbers", v)
		}
	}
	only := func(law string, fields map[string]bool) error {
		for _, name := range []string{"sd", "df", "rho", "a", "b", "regressor"} {
			if fields[name] {
				return fmt.Errorf("errors: %s does not apply to law %s", name, law)
			}
		}
		return nil
	}
	set := map[string]bool{"sd": e.SD != 0, "df": len(e.DF) > 0, "rho": len(e.Rho) > 0, "a": e.A != 0, "b": e.B != 0, "regressor": e.Regressor != ""}
	without := func(keep ...string) map[string]bool {
		m := map[string]bool{}
		for k, v := range set {
			m[k] = v && !slices.Contains(keep, k)
		}
		return m
	}
	if e.SD < 0 {
		return fmt.Errorf("errors: sd is %v: give a positive standard deviation", e.SD)
	}
	switch e.Law {
	case LawNormal:
		return only(e.Law, without("sd"))
	case LawStudentT:
		if df := e.DF.Value(); !(df > 2) {
			return fmt.Errorf("errors: student_t needs df > 2 (a finite variance), got %v", df)
		}
		return only(e.Law, without("sd", "df"))
	case LawAR1:
		if len(e.Rho) == 0 {
			return errors.New("errors: ar1 needs rho")
		}
		if r := e.Rho.Value(); !(r > -1 && r < 1) {
			return fmt.Errorf("errors: ar1 needs -1 < rho < 1 (stationary), got %v", r)
		}
		return only(e.Law, without("sd", "rho"))
	case LawHeteroUnit:
		if !(e.A >= 0 && e.B > e.A) {
			return fmt.Errorf("errors: hetero_unit draws unit SDs uniform on (a, b) and needs 0 <= a < b, got a = %v, b = %v", e.A, e.B)
		}
		return only(e.Law, without("a", "b"))
	case LawHeteroX:
		if !(e.A >= 0 && e.B >= 0 && e.A+e.B > 0) {
			return fmt.Errorf("errors: hetero_x's SD a + b|x| needs a, b >= 0, not both 0, got a = %v, b = %v", e.A, e.B)
		}
		if _, ok := d.regressor(e.Regressor); !ok {
			return fmt.Errorf("errors: hetero_x's regressor %s is not a regressor", quote(e.Regressor))
		}
		return only(e.Law, without("a", "b", "regressor"))
	}
	return fmt.Errorf("errors: law %s is unknown: give normal, student_t, hetero_unit, hetero_x or ar1", quote(e.Law))
}

// validateSlopes checks the slopes against the regimes and regressors.
func (d Design) validateSlopes() error {
	regimes := len(d.Thresholds) + 1
	rows := regimes
	if len(d.Effect) > 0 {
		if len(d.Thresholds) == 0 {
			return errors.New("effect needs at least one threshold")
		}
		rows = 1
	}
	if len(d.Slopes) != rows {
		if len(d.Effect) > 0 {
			return fmt.Errorf("slopes has %d rows: with effect give one row, the slopes of regime 1", len(d.Slopes))
		}
		return fmt.Errorf("slopes has %d rows for %d regimes (%d thresholds): give one row per regime", len(d.Slopes), regimes, len(d.Thresholds))
	}
	for k, row := range d.Slopes {
		if len(row) != len(d.RegimeDependent) {
			return fmt.Errorf("slopes row %d has %d values for %d regime-dependent regressors", k+1, len(row), len(d.RegimeDependent))
		}
		for _, v := range row {
			if !finite(v) {
				return fmt.Errorf("slopes row %d has %v: give finite numbers", k+1, v)
			}
		}
	}
	for _, r := range d.Regressors {
		if !finite(r.Slope) {
			return fmt.Errorf("regressor %s has slope %v: give a finite number", quote(r.Name), r.Slope)
		}
	}
	return nil
}

func (d Design) validateProvinces() error {
	return unused(d.Family, map[string]bool{
		"n": len(d.N) > 0, "t": len(d.T) > 0, "unit_effects": d.UnitEffects != UnitEffects{},
		"regressors": len(d.Regressors) > 0, "regime_dependent": len(d.RegimeDependent) > 0,
		"q": d.Q != ThresholdVariable{}, "thresholds": len(d.Thresholds) > 0, "slopes": len(d.Slopes) > 0,
		"effect": len(d.Effect) > 0, "errors": !d.Errors.isZero(), "drop": len(d.Drop) > 0,
		"y": d.Y != "", "id": d.ID != "", "time": d.Time != "", "resample": d.Resample != "",
	})
}

func (d Design) validateResample() error {
	if err := unused(d.Family, map[string]bool{
		"n": len(d.N) > 0, "t": len(d.T) > 0, "unit_effects": d.UnitEffects != UnitEffects{},
		"errors": !d.Errors.isZero(), "drop": len(d.Drop) > 0,
	}); err != nil {
		return err
	}
	if d.Y == "" {
		return errors.New("y is missing: name the outcome column of the data whose within residuals are resampled")
	}
	if !plainColumn(d.Y) {
		return fmt.Errorf("y %s: %w", quote(d.Y), errColumnName)
	}
	if err := d.validateColumns(); err != nil {
		return err
	}
	for _, r := range slices.Concat(d.Regressors, d.RegimeDependent) {
		if r.Law != "" || r.Mean != 0 || r.SD != 0 || r.A != 0 || r.B != 0 {
			return fmt.Errorf("regressor %s has a law: the resample family takes regressors from the data", quote(r.Name))
		}
	}
	for _, r := range d.RegimeDependent {
		if r.Slope != 0 {
			return fmt.Errorf("regime-dependent regressor %s has a slope: its slopes are in slopes, one row per regime", quote(r.Name))
		}
	}
	if d.Q.Law != "" || d.Q.Mean != 0 || d.Q.SD != 0 || d.Q.A != 0 || d.Q.B != 0 {
		return errors.New("q has a law: the resample family takes q from the data column called q.name")
	}
	if d.Q.Name == "" {
		return errors.New("q.name is missing: name the threshold variable's column")
	}
	if !plainColumn(d.Q.Name) {
		return fmt.Errorf("q %s: %w", quote(d.Q.Name), errColumnName)
	}
	if slices.Contains([]string{d.ID, d.Time, d.Y}, d.Q.Name) {
		return fmt.Errorf("q is named %s like the unit, period or outcome column", quote(d.Q.Name))
	}
	if err := checkThresholds(d.Thresholds, math.Inf(-1), math.Inf(1), "the real line"); err != nil {
		return err
	}
	switch d.Resample {
	case ResampleUnit, ResampleIID:
	case "":
		return errors.New("resample is missing: give unit (blocks of a unit's residuals) or iid")
	default:
		return fmt.Errorf("resample %s is unknown: give unit or iid", quote(d.Resample))
	}
	return d.validateSlopes()
}

func (e Errors) isZero() bool {
	return e.Law == "" && e.SD == 0 && len(e.DF) == 0 && len(e.Rho) == 0 && e.A == 0 && e.B == 0 && e.Regressor == ""
}

// errColumnName explains plainColumn's rule.
var errColumnName = errors.New("not a plain column name: use ASCII letters, digits and _, starting with a letter or _")

// plainColumn reports whether name is a column name that a variable list
// reads as that column (not a lag, product or power of others).
func plainColumn(name string) bool {
	term, err := panel.ParseTerm(name)
	if err != nil || term.Name != name {
		return false
	}
	refs := term.Refs()
	return len(refs) == 1 && refs[0] == panel.Ref{Column: name}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
