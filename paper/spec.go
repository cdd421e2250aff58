package paper

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/thresher/thresher/estimators/ioc"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/pca"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/shortlist"
)

// Spec is the analysis: the variables, the construction of the treatment
// and the outcome, and the inference of the mediation and threshold
// models. Its YAML keys are the yaml tags below; DefaultSpec is the paper.
type Spec struct {
	// Unit and Time name the panel's unit and period columns.
	Unit string `yaml:"unit"`
	Time string `yaml:"time"`
	// Region names the column of the regional subsamples of Table 4.
	Region Region `yaml:"region"`
	// Outcome, Treatment, Controls and Mediators are terms of a panel
	// variable list (see package panel), e.g. "lnpgdp" or "L.lnpgdp".
	// Controls enter Table 3 one by one, in this order.
	Outcome   string `yaml:"outcome"`
	Treatment string `yaml:"treatment"`
	Controls  Names  `yaml:"controls"`
	Mediators Names  `yaml:"mediators"`
	// PeriodEffects adds period dummies to every model.
	PeriodEffects bool `yaml:"period_effects"`
	// Split selects how Table 4 splits the sample at the median of the
	// treatment: SplitUnitMean or SplitObservation.
	Split string `yaml:"split"`
	// Digital builds the treatment when the data lack its column.
	Digital Digital `yaml:"digital"`
	// Carbon builds the outcome when the data lack its column.
	Carbon Carbon `yaml:"carbon"`
	// Mediation is the bootstrap of the indirect effects of Table 5.
	Mediation Bootstrap `yaml:"mediation"`
	// Threshold holds the threshold models of Table 6.
	Threshold Threshold `yaml:"threshold"`
}

// Median splits of Table 4.
const (
	// SplitUnitMean ranks units by their mean treatment: a unit is "high"
	// when its mean exceeds the median of the unit means, so every unit
	// lies wholly in one subsample. Default.
	SplitUnitMean = "unit_mean"
	// SplitObservation ranks observations: a row is "high" when its
	// treatment exceeds the median of all rows, so a unit may contribute
	// rows to both subsamples.
	SplitObservation = "observation"
)

// Region names the region column and its labels, in the order of Table 4's
// columns.
type Region struct {
	Column string `yaml:"column"` // the column of region labels
	Labels Names  `yaml:"labels"` // every label the column may hold
}

// Digital builds the treatment as a principal-component index of the
// indicators: treatment = Center + Scale F / sd(F), F the index of Rule
// (its scores have mean 0) and sd its sample SD.
type Digital struct {
	// Indicators are the columns of the raw indicators.
	Indicators Names `yaml:"indicators"`
	// Rule is "first_component" or "variance_share" (see package pca).
	Rule   string  `yaml:"rule"`
	Center float64 `yaml:"center"`
	Scale  float64 `yaml:"scale"`
}

// Carbon builds the outcome as ln of the export-implied carbon intensity of
// eqs. (5)-(6) (package ioc) from input-output columns named
//
//	a_<i>_<j>   input from sector i per unit of output of sector j
//	x_<i>       output of sector i
//	ex_<i>      exports of sector i
//	e_<i>_<k>   use of energy source k by sector i
//
// for i, j in Sectors and k in Sources.
type Carbon struct {
	Sectors Names    `yaml:"sectors"` // the <i> and <j> of the columns
	Sources []Source `yaml:"sources"` // the energy sources and their factors
}

// Source is an energy source and its CO2 emission factor (tonnes of CO2
// per unit of the source's column).
type Source struct {
	Name   string  `yaml:"name"`   // the <k> of the columns e_<i>_<k>
	Factor float64 `yaml:"factor"` // tonnes of CO2 per unit
}

// Bootstrap is the unit-cluster bootstrap of the mediation analysis (see
// package mediation).
type Bootstrap struct {
	// Reps is 0 for none, else at least 2.
	Reps  int     `yaml:"reps"`
	Seed  uint64  `yaml:"seed"`  // keys the replications' random streams
	Level float64 `yaml:"level"` // confidence level of the intervals
}

// Threshold describes the threshold models of Table 6: one per threshold
// variable, with the regressor's slope depending on the regime, the
// controls (and period dummies) as regime-independent regressors, and unit
// fixed effects (see package threshold).
type Threshold struct {
	// Variables are the threshold variables, one model each.
	Variables Names `yaml:"variables"`
	// Regressor is the regime-dependent regressor; empty means the
	// treatment.
	Regressor string `yaml:"regressor"`
	// Thresholds is the largest number of thresholds tested, 1 to 3.
	Thresholds int     `yaml:"thresholds"`
	Trim       float64 `yaml:"trim"` // trimming proportion of every stage
	// Grid is the number of grid points; 0 searches every distinct value.
	Grid int `yaml:"grid"`
	// Reps is the number of bootstrap replications of each stage.
	Reps  int     `yaml:"bs"`
	Seed  uint64  `yaml:"seed"`  // keys the bootstrap streams
	Level float64 `yaml:"level"` // confidence level of the threshold sets
	// Select is the significance level of the sequential tests that
	// choose the number of thresholds.
	Select float64 `yaml:"select"`
	// Convention is "xthreg" or "hansen".
	Convention string `yaml:"convention"`
	// VCE chooses the inference of the tests and confidence sets:
	// "conventional" (Hansen's, homoskedastic errors), "robust" or
	// "cluster" (the wild cluster bootstrap test and Hansen's (2000)
	// eta^2-scaled sets; docs/threshold-model.md §11).
	VCE string `yaml:"vce"`
}

// MaxThresholds is the largest number of thresholds Table 6 reports.
const MaxThresholds = 3

// Sentinel errors of this package. Every error it returns wraps one of
// them or an error of the estimator packages, and names the variable,
// subsample, unit or option at fault.
var (
	// ErrSpec reports an invalid specification.
	ErrSpec = errors.New("invalid paper specification")
	// ErrRegion reports a region label that the specification lacks.
	ErrRegion = errors.New("region label outside the specification")
	// ErrFewUnits reports a subsample with fewer than two units.
	ErrFewUnits = errors.New("fewer than 2 units")
	// ErrBuild reports a variable that cannot be constructed.
	ErrBuild = errors.New("cannot construct variable")
	// ErrResults reports threshold results or bootstrap draws that do not
	// match the specification.
	ErrResults = errors.New("results do not match the specification")
)

// DefaultSpec returns the paper's specification: 30 provinces with year
// effects, lncie on lndig with the controls lnpgdp, lnopen, lnes and lncap,
// mediators lnind and lntec, threshold variables lndig, lnind and lntec, the
// five digital indicators and the seven emission factors of Table 1.
func DefaultSpec() Spec {
	var sources []Source
	for i, f := range ioc.PaperFactors() {
		sources = append(sources, Source{Name: defaultSources[i], Factor: f.Factor})
	}
	return Spec{
		Unit: "province", Time: "year",
		Region:  Region{Column: "region", Labels: []string{"east", "central", "west"}},
		Outcome: "lncie", Treatment: "lndig",
		Controls:      []string{"lnpgdp", "lnopen", "lnes", "lncap"},
		Mediators:     []string{"lnind", "lntec"},
		PeriodEffects: true,
		Split:         SplitUnitMean,
		Digital: Digital{Indicators: []string{"broadband", "software", "telecom", "mobile", "finance"},
			Rule: pca.FirstComponent.String(), Center: 4.93, Scale: 1.05},
		Carbon:    Carbon{Sectors: []string{"agr", "ind", "ser"}, Sources: sources},
		Mediation: Bootstrap{Reps: 1000, Seed: 1, Level: 0.95},
		Threshold: Threshold{Variables: []string{"lndig", "lnind", "lntec"}, Thresholds: MaxThresholds,
			Trim: 0.01, Grid: 300, Reps: 300, Seed: 1, Level: 0.95, Select: 0.05,
			Convention: threshold.Xthreg.String(), VCE: threshold.Conventional.String()},
	}
}

// defaultSources name the columns of the sources of ioc.PaperFactors.
var defaultSources = []string{"coal", "coke", "diesel", "gasoline", "diesel_fuel", "fuel_oil", "natural_gas"}

// LoadSpec reads a YAML specification. Keys it sets replace the defaults of
// DefaultSpec (a list replaces the whole default list); an unknown key is an
// error.
func LoadSpec(path string) (Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return Spec{}, fmt.Errorf("paper spec: %w", err)
	}
	defer f.Close()
	spec, err := ParseSpec(f)
	if err != nil {
		return Spec{}, fmt.Errorf("%s: %w", path, err)
	}
	return spec, nil
}

// ParseSpec reads a YAML specification as LoadSpec does.
func ParseSpec(r io.Reader) (Spec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Spec{}, fmt.Errorf("paper spec: %w", err)
	}
	spec := DefaultSpec()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	if err := checkIntegers(&doc, reflect.TypeOf(spec), ""); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&spec); err != nil && !errors.Is(err, io.EOF) {
		return Spec{}, fmt.Errorf("%w: %s", ErrSpec, plainYAMLError(err))
	}
	// A file's levels follow the rule of every command: a percent or a
	// fraction (threshold.LevelFraction); a Spec holds fractions.
	for _, l := range []struct {
		key   string
		level *float64
	}{{"mediation.level", &spec.Mediation.Level}, {"threshold.level", &spec.Threshold.Level}} {
		f, err := threshold.LevelFraction(*l.level)
		if err != nil {
			return Spec{}, fmt.Errorf("%w: %s: %v", ErrSpec, l.key, err)
		}
		*l.level = f
	}
	return spec, spec.Validate()
}

// The YAML decoder's messages that name Go types.
var (
	unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type \S+`)
	wrongTypeRE    = regexp.MustCompile("cannot unmarshal !!(\\w+)(?: `([^`]*)`)? into (\\S+)")
)

// plainYAMLError rewrites the decoder's messages in the words of the
// specification: unknown keys and values of the wrong kind, without Go
// type names.
func plainYAMLError(err error) string {
	msg := unknownFieldRE.ReplaceAllString(err.Error(), `unknown key "$1"`)
	return wrongTypeRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := wrongTypeRE.FindStringSubmatch(m)
		what := map[string]string{"seq": "a list", "map": "a mapping of keys"}[sub[1]]
		if what == "" {
			what = strconv.Quote(sub[2])
		}
		kind := "a mapping of keys"
		switch t := sub[3]; {
		case strings.HasPrefix(t, "[]"):
			kind = "a list"
		case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
			kind = "an integer"
		case strings.HasPrefix(t, "float"):
			kind = "a number"
		case t == "bool":
			kind = "true or false"
		case t == "string":
			kind = "a single value"
		}
		return fmt.Sprintf("%s is not %s", what, kind)
	})
}

// Names is a list of names in a specification file: a YAML list, or a
// single value for a list of one (variables: lndig), as sweep files take
// lists.
type Names []string

// UnmarshalYAML reads a list or a single value.
func (n *Names) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode && v.ShortTag() != "!!null" {
		var one string
		if err := v.Decode(&one); err != nil {
			return err
		}
		*n = Names{one}
		return nil
	}
	var list []string
	if err := v.Decode(&list); err != nil {
		return err
	}
	*n = list
	return nil
}

// integerRE is the grammar of an integer key: decimal digits only.
var integerRE = regexp.MustCompile(`^[+-]?[0-9]+$`)

// checkIntegers refuses, where t holds an integer, a value written
// otherwise than in decimal digits: YAML would truncate 2.5 to 2 and read
// 1e3 or 0x10 as numbers. path is the dotted key of n.
func checkIntegers(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			if err := checkIntegers(c, t, path); err != nil {
				return err
			}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			for j := range t.NumField() {
				if f := t.Field(j); f.Tag.Get("yaml") == key {
					if err := checkIntegers(n.Content[i+1], f.Type, strings.TrimPrefix(path+"."+key, ".")); err != nil {
						return err
					}
				}
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, c := range n.Content {
			if err := checkIntegers(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Int, reflect.Int64, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || !integerRE.MatchString(n.Value) {
			return fmt.Errorf("line %d: %s: %q is not an integer", n.Line, path, n.Value)
		}
	}
	return nil
}

// Validate checks the specification.
func (s Spec) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrSpec}, args...)...)
	}
	for _, f := range []struct{ key, value string }{{"unit", s.Unit}, {"time", s.Time},
		{"region.column", s.Region.Column}, {"outcome", s.Outcome}, {"treatment", s.Treatment}} {
		if f.value == "" {
			return bad("%s is empty", f.key)
		}
	}
	if len(s.Region.Labels) == 0 || hasDuplicate(s.Region.Labels) || slices.Contains(s.Region.Labels, "") {
		return bad("region.labels [%s] must be distinct and non-empty", shortlist.Quote(s.Region.Labels))
	}
	vars := s.modelTerms()
	for _, v := range s.variables() {
		t, err := panel.ParseTerm(v)
		if err != nil {
			return bad("variable %q: %v", v, err)
		}
		if t.Name != v {
			return bad("write the variable %q without spaces, as %q", v, t.Name)
		}
	}
	outcome, _ := panel.ParseTerm(s.Outcome) // parsed above
	for _, v := range slices.Concat(vars[1:], []string{s.regressor()}, s.Threshold.Variables) {
		if t, _ := panel.ParseTerm(v); outcome.Overlaps(t) {
			effect := "would fit it exactly"
			if slices.Contains(s.Threshold.Variables, v) {
				effect = "would split the threshold models' regimes on it"
			}
			return bad("the variable %q contains the outcome %q and %s; remove it (lags such as L.%s are allowed)",
				v, outcome.Name, effect, outcome.Refs()[0].Column)
		}
	}
	if hasDuplicate(vars) {
		return bad("the outcome, treatment, controls and mediators [%s] must be distinct", shortlist.Quote(vars))
	}
	if s.Split != SplitUnitMean && s.Split != SplitObservation {
		return bad("split %q is neither %q nor %q", s.Split, SplitUnitMean, SplitObservation)
	}
	if _, err := s.Digital.rule(); err != nil {
		return bad("%v", err)
	}
	if !(s.Digital.Scale > 0) || math.IsInf(s.Digital.Scale, 0) || math.IsInf(s.Digital.Center, 0) || math.IsNaN(s.Digital.Center) {
		return bad("digital.center %v and scale %v must be finite and the scale positive", s.Digital.Center, s.Digital.Scale)
	}
	for _, src := range s.Carbon.Sources {
		if src.Name == "" || !(src.Factor > 0) || math.IsInf(src.Factor, 0) {
			return bad("carbon source %q has factor %v; want a name and a positive factor", src.Name, src.Factor)
		}
	}
	if m := s.Mediation; m.Reps < 0 || m.Reps == 1 || !isLevelFraction(m.Level) {
		return bad("mediation: %d replications (0, or at least 2) at level %v (a fraction, 0.1..0.9999)", m.Reps, m.Level)
	}
	return s.Threshold.validate(bad)
}

// isLevelFraction reports whether a level is a fraction by
// threshold.LevelFraction's rule (a Spec holds fractions; a file may give
// percents, which ParseSpec converts).
func isLevelFraction(v float64) bool {
	f, err := threshold.LevelFraction(v)
	return err == nil && f == v
}

func (t Threshold) validate(bad func(string, ...any) error) error {
	switch {
	case len(t.Variables) == 0 || hasDuplicate(t.Variables):
		return bad("threshold.variables [%s] must be distinct and at least one", shortlist.Quote(t.Variables))
	case t.Thresholds < 1 || t.Thresholds > MaxThresholds:
		return bad("threshold.thresholds %d is outside 1..%d", t.Thresholds, MaxThresholds)
	case !(t.Trim > 0 && t.Trim < 0.5):
		return bad("threshold.trim %v is outside (0, 0.5)", t.Trim)
	case t.Grid < 0 || t.Reps < 1:
		return bad("threshold.grid %d must be >= 0 and threshold.bs %d >= 1 (Table 6 needs the tests)", t.Grid, t.Reps)
	case !isLevelFraction(t.Level) || !(t.Select > 0 && t.Select < 1):
		return bad("threshold.level %v must be a fraction, 0.1..0.9999, and threshold.select %v lie in (0, 1)", t.Level, t.Select)
	}
	if _, err := threshold.ParseConvention(t.Convention); err != nil {
		return bad("threshold.convention: %v", err)
	}
	if _, err := t.vce(); err != nil {
		return bad("%v", err)
	}
	return nil
}

// vce parses VCE strictly: one of the three names, none of ParseVCE's
// aliases.
func (t Threshold) vce() (threshold.VCE, error) {
	for _, v := range []threshold.VCE{threshold.Conventional, threshold.Robust, threshold.Cluster} {
		if t.VCE == v.String() {
			return v, nil
		}
	}
	return 0, fmt.Errorf("threshold.vce %q is not conventional, robust or cluster", t.VCE)
}

// check returns an ErrRegion error unless label is one of the labels.
func (r Region) check(label string, line int) error {
	if slices.Contains(r.Labels, label) {
		return nil
	}
	return fmt.Errorf("%w: %q in column %s, line %d (the specification has [%s])", ErrRegion, label, r.Column, line, shortlist.Quote(r.Labels))
}

// rule parses the index rule.
func (d Digital) rule() (pca.Rule, error) {
	for _, r := range []pca.Rule{pca.FirstComponent, pca.VarianceShare} {
		if d.Rule == r.String() {
			return r, nil
		}
	}
	return 0, fmt.Errorf("digital.rule %q is neither %q nor %q", d.Rule, pca.FirstComponent, pca.VarianceShare)
}

// modelTerms lists the outcome, treatment, controls and mediators.
func (s Spec) modelTerms() []string {
	return slices.Concat([]string{s.Outcome, s.Treatment}, s.Controls, s.Mediators)
}

// regressor returns the threshold models' regime-dependent regressor.
func (s Spec) regressor() string {
	if s.Threshold.Regressor != "" {
		return s.Threshold.Regressor
	}
	return s.Treatment
}

// variables lists every term of the analysis once: the model terms, then
// the threshold variables and regressor not among them.
func (s Spec) variables() []string {
	vars := s.modelTerms()
	for _, v := range append(slices.Clone(s.Threshold.Variables), s.regressor()) {
		if !slices.Contains(vars, v) {
			vars = append(vars, v)
		}
	}
	return vars
}

func hasDuplicate(v []string) bool {
	seen := map[string]bool{}
	for _, x := range v {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}
