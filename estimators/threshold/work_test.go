package threshold

import (
	"errors"
	"testing"
)

// TestWork checks the estimate against counts made by hand.
func TestWork(t *testing.T) {
	hansen := Spec{ID: "id", Time: "year", Depvar: "i", Rx: []string{"c"}, Qx: "d", Thresholds: 3,
		Grid: Grid{Points: 400}, Reps: []int{300}}
	cases := []struct {
		name string
		spec func(*Spec)
		rows int
		alg  Algorithm
		want float64
	}{
		// 3 point passes + 900 replications + the refinement, each over
		// 7910 observations and 400 candidates; with 100 rows, 100 candidates.
		{"Hansen's example", func(*Spec) {}, 7910, Fast, 904 * (7910 + 400)},
		{"reference algorithm", func(*Spec) {}, 7910, Reference, 904 * 7910 * 400},
		{"every distinct value", func(s *Spec) { s.Grid = Grid{} }, 7910, Fast, 904 * 2 * 7910},
		{"more grid points than rows", func(s *Spec) { s.Grid.Points = 10_000 }, 100, Fast, 904 * 200},
		{"given thresholds are not refined", func(s *Spec) { s.Given = []float64{1, 2, 3} }, 100, Fast, 903 * 200},
		{"no bootstrap, one stage", func(s *Spec) { s.Thresholds = 1; s.Reps = []int{0} }, 100, Fast, 200},
		{"replications per stage", func(s *Spec) { s.Reps = []int{10, 20, 0} }, 100, Fast, (3 + 30 + 1) * 200},
		{"refined bootstrap", func(s *Spec) { s.Reps = []int{10, 20, 40}; s.BootstrapRefine = true }, 100, Fast, (3 + 70 + 40 + 1) * 200},
		{"the largest job", func(s *Spec) {
			s.Thresholds = 64
			s.Grid.Points = MaxGridPoints
			s.Reps = []int{MaxReps}
			s.Trim = []float64{0.001}
		},
			8475, Fast, (64*(MaxReps+1) + 1) * 2 * 8475},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := hansen
			c.spec(&s)
			got, err := s.Work(c.rows, c.alg)
			if err != nil || got != c.want {
				t.Errorf("Work = %v, %v; want %v", got, err, c.want)
			}
		})
	}
	bad := hansen
	bad.Indep = []string{"2*i"}
	if _, err := bad.Work(100, Fast); !errors.Is(err, ErrSpec) {
		t.Errorf("invalid specification: error %v", err)
	}
}
