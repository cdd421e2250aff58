package dgp

import (
	"fmt"
	"slices"

	"github.com/thresher/thresher/internal/shortlist"
)

// gridParameter is a parameter of a design that may list values.
type gridParameter struct {
	name  string
	value *Grid
}

// grids returns the design's grid parameters, in the order of derived
// labels.
func (d *Design) grids() []gridParameter {
	return []gridParameter{
		{"n", &d.N}, {"t", &d.T}, {"effect", &d.Effect}, {"drop", &d.Drop},
		{"df", &d.Errors.DF}, {"rho", &d.Errors.Rho},
	}
}

// Expand returns one design per combination of the listed values of every
// design's grid parameters (n, t, effect, drop, errors.df, errors.rho), in
// order: designs in the given order, and within a design the last
// parameter varying fastest. A design that lists several values gets the
// label "<label> n=30 effect=0.1" (its grid parameters and their values); a
// design without a label is labelled by its family. Every expanded design
// is validated, and labels must be unique.
func Expand(designs []Design) ([]Design, error) {
	if len(designs) == 0 {
		return nil, fmt.Errorf("no design: a study needs at least one")
	}
	var out []Design
	seen := map[string]int{}
	for i, d := range designs {
		expanded := expandOne(d)
		for _, e := range expanded {
			if err := e.Validate(); err != nil {
				return nil, fmt.Errorf("design %d (%s): %w", i+1, quote(e.Label), err)
			}
			if j, dup := seen[e.Label]; dup {
				return nil, fmt.Errorf("design %d: label %s is also design %d's: labels must be unique", i+1, quote(e.Label), j+1)
			}
			seen[e.Label] = i
			out = append(out, e)
		}
	}
	return out, nil
}

// expandOne returns the cartesian product of one design's grids.
func expandOne(d Design) []Design {
	if d.Label == "" {
		d.Label = d.Family
	}
	var listed []string
	for _, p := range d.grids() {
		if len(*p.value) > 1 {
			listed = append(listed, p.name)
		}
	}
	out := []Design{d}
	for _, name := range listed {
		var next []Design
		for _, e := range out {
			values := *gridNamed(&e, name)
			for _, v := range values {
				c := e.clone()
				*gridNamed(&c, name) = Grid{v}
				c.Label += " " + name + "=" + Grid{v}.String()
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}

// gridNamed returns the design's grid parameter called name.
func gridNamed(d *Design, name string) *Grid {
	for _, p := range d.grids() {
		if p.name == name {
			return p.value
		}
	}
	panic("dgp: unknown grid parameter " + name)
}

// clone returns a deep copy of d, so that expanded designs share no slice.
func (d Design) clone() Design {
	c := d
	for _, p := range c.grids() {
		*p.value = slices.Clone(*p.value)
	}
	c.Regressors = slices.Clone(d.Regressors)
	c.RegimeDependent = slices.Clone(d.RegimeDependent)
	c.Thresholds = slices.Clone(d.Thresholds)
	c.Slopes = make([][]float64, len(d.Slopes))
	for k := range d.Slopes {
		c.Slopes[k] = slices.Clone(d.Slopes[k])
	}
	if d.Slopes == nil {
		c.Slopes = nil
	}
	return c
}

// quote quotes a name for messages, shortened if long.
func quote(s string) string { return shortlist.Quote([]string{s}) }

// names returns the regressors' names.
func names(rs []Regressor) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}
