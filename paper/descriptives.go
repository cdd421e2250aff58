package paper

import (
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/thresher/thresher/estimators/panel"
)

// Descriptives is Table 2. Its JSON form is {"variables": [...]}.
type Descriptives struct {
	// Name is the file stem ("table2"), Title the caption.
	Name      string     `json:"-"`
	Title     string     `json:"-"`
	Notes     []string   `json:"-"`
	Variables []Describe `json:"variables"`
}

// Describe holds the summary statistics of one variable.
type Describe struct {
	Variable string  `json:"variable"` // the term
	N        int     `json:"n"`        // observations
	Mean     float64 `json:"mean"`
	SD       float64 `json:"sd"`
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
}

// Table2 describes every variable of the specification (outcome,
// treatment, controls, mediators, then other threshold variables) on the
// rows where all of them exist: N, mean, standard deviation (divisor
// N - 1), minimum and maximum.
func Table2(ds *Dataset, spec Spec) (*Descriptives, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	vars := spec.variables()
	p, err := buildSample(ds, vars)
	if err != nil {
		return nil, err
	}
	if p.Len() < 2 {
		return nil, fmt.Errorf("paper: table 2: %w: %d rows", panel.ErrTooFewRows, p.Len())
	}
	t := &Descriptives{Name: "table2", Title: "Table 2. Descriptive statistics",
		Notes: []string{fmt.Sprintf("Rows on which every variable exists; SD with divisor N - 1. %s", constructedNote(ds, spec))}}
	for _, v := range vars {
		x, _ := p.Column(v)
		mean, sd := stat.MeanStdDev(x, nil)
		t.Variables = append(t.Variables, Describe{Variable: v, N: len(x), Mean: mean, SD: sd, Min: slices.Min(x), Max: slices.Max(x)})
	}
	return t, nil
}

// constructedNote says how the build step made the treatment and outcome.
func constructedNote(ds *Dataset, spec Spec) string {
	var note string
	for _, c := range ds.Constructed {
		switch c {
		case spec.Treatment:
			note += fmt.Sprintf(" %s = %g + %g F/sd(F), F the %s index of %s.", c, spec.Digital.Center, spec.Digital.Scale,
				spec.Digital.Rule, strings.Join(spec.Digital.Indicators, ", "))
		case spec.Outcome:
			note += fmt.Sprintf(" %s = ln of the export-implied carbon intensity, eqs. (5)-(6).", c)
		}
	}
	if note == "" {
		return "Every variable is read from the data."
	}
	return "Constructed:" + note
}
