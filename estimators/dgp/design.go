package dgp

// Families of data-generating processes.
const (
	FamilyThreshold = "threshold"
	FamilyProvinces = "provinces"
	FamilyResample  = "resample"
)

// Laws of regressors, of the threshold variable, of the unit effects and of
// the errors.
const (
	LawNormal     = "normal"
	LawUniform    = "uniform"
	LawRegressor  = "regressor"
	LawNone       = "none"
	LawCorrelated = "correlated"
	LawStudentT   = "student_t"
	LawHeteroUnit = "hetero_unit"
	LawHeteroX    = "hetero_x"
	LawAR1        = "ar1"
)

// Resampling schemes of the resample family.
const (
	ResampleUnit = "unit"
	ResampleIID  = "iid"
)

// Design is one data-generating process as written in a study spec. Field
// names are snake_case in JSON and YAML; the caller decodes strictly
// (unknown fields are errors). The package documentation describes every
// field and the process of each family; fields that do not apply to the
// design's family must be left out (Validate says which).
type Design struct {
	// Label names the design in summaries; Expand derives one when it is
	// empty or the design is a grid.
	Label string `json:"label,omitempty" yaml:"label,omitempty"`
	// Family is "threshold", "provinces" or "resample".
	Family string `json:"family" yaml:"family"`

	// N is the number of units and T the number of periods (threshold).
	N Grid `json:"n,omitempty" yaml:"n,omitempty"`
	T Grid `json:"t,omitempty" yaml:"t,omitempty"`
	// UnitEffects is the law of the unit effects mu_i (threshold).
	UnitEffects UnitEffects `json:"unit_effects,omitzero" yaml:"unit_effects,omitempty"`
	// Regressors are the regime-independent regressors with their slopes:
	// drawn from their laws (threshold) or columns of the user's data
	// (resample).
	Regressors []Regressor `json:"regressors,omitempty" yaml:"regressors,omitempty"`
	// RegimeDependent are the regressors whose slopes change at the
	// thresholds (at least one); their slopes are in Slopes.
	RegimeDependent []Regressor `json:"regime_dependent,omitempty" yaml:"regime_dependent,omitempty"`
	// Q is the threshold variable.
	Q ThresholdVariable `json:"q,omitzero" yaml:"q,omitempty"`
	// Thresholds are the true thresholds on q's scale, increasing (none
	// for a linear model).
	Thresholds []float64 `json:"thresholds,omitempty" yaml:"thresholds,omitempty"`
	// Slopes[k][j] is the slope of RegimeDependent[j] in regime k
	// (q <= Thresholds[0] is regime 0): len(Thresholds)+1 rows, or one row
	// when Effect is given.
	Slopes [][]float64 `json:"slopes,omitempty" yaml:"slopes,omitempty"`
	// Effect, when given, makes regime k's slopes Slopes[0] + k*Effect.
	Effect Grid `json:"effect,omitempty" yaml:"effect,omitempty"`
	// Errors is the law of the errors (threshold).
	Errors Errors `json:"errors,omitzero" yaml:"errors,omitempty"`
	// Drop is the share of unit-periods dropped at random, in [0, 1)
	// (threshold).
	Drop Grid `json:"drop,omitempty" yaml:"drop,omitempty"`

	// Y, ID and Time name the outcome, unit and period columns of the
	// user's data (resample).
	Y    string `json:"y,omitempty" yaml:"y,omitempty"`
	ID   string `json:"id,omitempty" yaml:"id,omitempty"`
	Time string `json:"time,omitempty" yaml:"time,omitempty"`
	// Resample is "unit" (each unit's errors are the within residuals of
	// a unit with as many rows, drawn at random) or "iid" (each row's error
	// is a residual drawn at random) (resample).
	Resample string `json:"resample,omitempty" yaml:"resample,omitempty"`
}

// Regressor is one regressor: its column name, law and (if regime
// independent) slope.
type Regressor struct {
	Name string `json:"name" yaml:"name"`
	// Law is "normal" (the default; Mean, SD with SD 0 meaning 1) or
	// "uniform" (A < B; A = B = 0 meaning (0, 1)) (threshold only).
	Law  string  `json:"law,omitempty" yaml:"law,omitempty"`
	Mean float64 `json:"mean,omitempty" yaml:"mean,omitempty"`
	SD   float64 `json:"sd,omitempty" yaml:"sd,omitempty"`
	A    float64 `json:"a,omitempty" yaml:"a,omitempty"`
	B    float64 `json:"b,omitempty" yaml:"b,omitempty"`
	// Slope is the true slope of a regime-independent regressor; regime
	// dependent regressors take theirs from Design.Slopes.
	Slope float64 `json:"slope,omitempty" yaml:"slope,omitempty"`
}

// ThresholdVariable is the law of the threshold variable q.
type ThresholdVariable struct {
	// Name is q's column name (default "q"); with law "regressor" and in
	// the resample family it is the regressor's or the data's column.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Law is "uniform" (the default; A < B, A = B = 0 meaning (0, 1)),
	// "normal" (Mean, SD with SD 0 meaning 1) or "regressor" (q is the
	// regressor called Name) (threshold only).
	Law  string  `json:"law,omitempty" yaml:"law,omitempty"`
	Mean float64 `json:"mean,omitempty" yaml:"mean,omitempty"`
	SD   float64 `json:"sd,omitempty" yaml:"sd,omitempty"`
	A    float64 `json:"a,omitempty" yaml:"a,omitempty"`
	B    float64 `json:"b,omitempty" yaml:"b,omitempty"`
}

// UnitEffects is the law of the unit effects mu_i.
type UnitEffects struct {
	// Law is "normal" (the default: mu_i = SD v_i, SD 0 meaning 1),
	// "correlated" (mu_i = SD v_i + Load * mean_t x_it for the regressor
	// x called Regressor, default the first regime-dependent one; SD may
	// be 0) or "none" (mu_i = 0); v_i is standard normal.
	Law       string  `json:"law,omitempty" yaml:"law,omitempty"`
	SD        float64 `json:"sd,omitempty" yaml:"sd,omitempty"`
	Load      float64 `json:"load,omitempty" yaml:"load,omitempty"`
	Regressor string  `json:"regressor,omitempty" yaml:"regressor,omitempty"`
}

// Errors is the law of the errors e_it.
type Errors struct {
	// Law is "normal" (the default), "student_t", "hetero_unit",
	// "hetero_x" or "ar1".
	Law string `json:"law,omitempty" yaml:"law,omitempty"`
	// SD is the standard deviation of normal, student_t and ar1 errors
	// (0 meaning 1).
	SD float64 `json:"sd,omitempty" yaml:"sd,omitempty"`
	// DF is student_t's degrees of freedom, above 2.
	DF Grid `json:"df,omitempty" yaml:"df,omitempty"`
	// Rho is ar1's autocorrelation, in (-1, 1).
	Rho Grid `json:"rho,omitempty" yaml:"rho,omitempty"`
	// A and B: hetero_unit draws unit i's SD uniform on (A, B),
	// 0 <= A < B; hetero_x's SD is A + B |x_it| for the regressor x called
	// Regressor, A, B >= 0 not both 0.
	A         float64 `json:"a,omitempty" yaml:"a,omitempty"`
	B         float64 `json:"b,omitempty" yaml:"b,omitempty"`
	Regressor string  `json:"regressor,omitempty" yaml:"regressor,omitempty"`
}
