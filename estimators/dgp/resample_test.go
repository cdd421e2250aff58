package dgp

import (
	"math"
	"slices"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// userData draws an unbalanced panel with student_t errors to stand for a
// user's data, and returns it as a table with its columns renamed.
func userData(t *testing.T) *panel.Table {
	t.Helper()
	d := decode(t, variant(t, `n: 200
t: 6
regressors: [{name: z, slope: 0.7}]
errors: {law: student_t, df: 5}
drop: 0.15`))
	s, err := d.Draw(11, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Names = []string{"firm", "year", "inv", "z", "x", "q"}
	tab, err := s.Table()
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

const userDesign = `family: resample
id: firm
time: year
y: inv
regressors: [{name: z, slope: -0.2}]
regime_dependent: [{name: x}]
q: {name: q}
thresholds: [0.3]
slopes: [[0.5], [1.5]]
resample: `

func TestResampleHeldFixed(t *testing.T) {
	data := userData(t)
	for _, mode := range []string{ResampleUnit, ResampleIID} {
		d := decode(t, userDesign+mode)
		g, err := d.Prepare(data)
		if err != nil {
			t.Fatal(err)
		}
		b := g.base
		// The residuals' mean square is the fit's s^2 = SSR / (N - n - K).
		ss := 0.0
		for _, e := range b.residuals {
			ss += e * e
		}
		dataSample := &Sample{Names: []string{"firm", "year", "inv", "z", "x", "q"}}
		for _, name := range dataSample.Names {
			v, _ := data.Numbers(name)
			dataSample.Columns = append(dataSample.Columns, v)
		}
		_, fit := withinFit(t, dataSample, d.Truth())
		if s2 := fit.SSR / float64(fit.DFResid); math.Abs(ss/float64(len(b.residuals))-s2) > 1e-12*s2 {
			t.Errorf("%s: residual mean square %v, fit's s^2 %v", mode, ss/float64(len(b.residuals)), s2)
		}
		s := g.Draw(1, 0, 5)
		if !slices.Equal(s.Names, []string{"firm", "year", "inv", "z", "x", "q"}) {
			t.Fatalf("columns %v", s.Names)
		}
		for _, name := range []string{"year", "z", "x", "q"} {
			want, _ := data.Numbers(name)
			got, _ := s.Column(name)
			if !slices.Equal(got, want) {
				t.Errorf("%s: column %s is not the data's", mode, name)
			}
		}
		// Recover the drawn errors and find each among the residuals.
		z, _ := s.Column("z")
		x, _ := s.Column("x")
		q, _ := s.Column("q")
		y, _ := s.Column("inv")
		e := make([]float64, len(y))
		for r := range y {
			beta := 0.5
			if q[r] > 0.3 {
				beta = 1.5
			}
			e[r] = y[r] - b.alpha[r] - (-0.2)*z[r] - beta*x[r]
		}
		const tol = 1e-9
		switch mode {
		case ResampleIID:
			for r, v := range e {
				if !slices.ContainsFunc(b.residuals, func(w float64) bool { return math.Abs(v-w) < tol }) {
					t.Fatalf("iid: row %d's error %v is no residual", r, v)
				}
			}
		case ResampleUnit:
			for u := range len(b.starts) - 1 {
				lo, hi := b.starts[u], b.starts[u+1]
				found := false
				for _, donor := range b.donors[hi-lo] {
					d0 := b.starts[donor]
					if slices.EqualFunc(e[lo:hi], b.residuals[d0:d0+hi-lo], func(a, c float64) bool { return math.Abs(a-c) < tol }) {
						found = true
						break
					}
				}
				if !found {
					t.Fatalf("unit: unit %d's errors are no unit's residuals", u+1)
				}
			}
		}
	}
}

// TestResampleRecovers checks that within fits on resampled panels,
// averaged over replications, recover the design's slopes.
func TestResampleRecovers(t *testing.T) {
	data := userData(t)
	d := decode(t, userDesign+"unit")
	g, err := d.Prepare(data)
	if err != nil {
		t.Fatal(err)
	}
	const reps = 20
	mean := make([]float64, 3)
	for r := range reps {
		coef, _ := withinFit(t, g.Draw(1, 0, r), d.Truth())
		for j, c := range coef {
			mean[j] += c / reps
		}
	}
	for j, want := range []float64{-0.2, 0.5, 1.5} {
		if math.Abs(mean[j]-want) > 0.03 {
			t.Errorf("slope %d: mean %.4f, want %v", j, mean[j], want)
		}
	}
}

func TestResampleErrors(t *testing.T) {
	data := userData(t)
	for _, c := range []struct {
		name   string
		change func(*Design)
		want   string
	}{
		{"threshold outside the data", func(d *Design) { d.Thresholds = []float64{3} },
			"resample: threshold 1 is 3, outside the range of q in the data (0.0003206312690900992, 0.9995172662296389): a regime would be empty"},
		{"missing column", func(d *Design) { d.Y = "output" },
			`resample: term "output": unknown column "output" (the file has: firm, year, inv, z, x, q)`},
		{"missing unit column", func(d *Design) { d.ID = "province" },
			`resample: unit column: unknown column "province" (the file has: firm, year, inv, z, x, q)`},
	} {
		d := decode(t, userDesign+"unit")
		c.change(&d)
		if _, err := d.Prepare(data); err == nil || err.Error() != c.want {
			t.Errorf("%s: error\n %v\nwant\n %s", c.name, err, c.want)
		}
	}
	if _, err := decode(t, userDesign+"unit").Prepare(nil); err == nil || err.Error() != "the resample family needs the user's data" {
		t.Errorf("no data: %v", err)
	}
}
