package jobspec

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// uncosted is a kind whose specifications do not estimate their work.
type uncosted struct{}

func (uncosted) Name() string                          { return "uncosted" }
func (uncosted) DecodeSpec([]byte) (model.Spec, error) { return uncostedSpec{}, nil }
func (uncosted) WriteText(io.Writer, []byte) error     { return nil }

type uncostedSpec struct{}

func (uncostedSpec) Encode() []byte                            { return nil }
func (uncostedSpec) Prepare(*panel.Table) (model.Model, error) { return nil, errors.New("not run") }

// TestCheckWork checks the sum of the kinds' estimates, the label of a
// failing specification and the refusal above the limit.
func TestCheckWork(t *testing.T) {
	reg := kinds.Builtin()
	th := threshold.Spec{ID: "id", Time: "year", Depvar: "i", Rx: []string{"c"}, Qx: "d", Thresholds: 1,
		Grid: threshold.Grid{Points: 50}, Reps: []int{9}}
	med := mediation.Spec{Outcome: "y", Treatment: "x", Mediator: "m", Reps: 10, Level: 0.95}
	thSpec := &pb.Specification{Kind: threshold.KindName, Spec: threshold.ConfigOf(th, threshold.Fast).Encode()}
	medSpec := &pb.Specification{Label: "med", Kind: mediation.KindName, Spec: mediation.Config{ID: "id", Time: "year", Spec: med}.Encode()}
	badMed := med
	badMed.Reps = 1
	bad := &pb.Specification{Label: "bad", Kind: mediation.KindName, Spec: mediation.Config{Spec: badMed}.Encode()}
	cases := []struct {
		name  string
		specs []*pb.Specification
		max   float64
		want  float64
		err   []string // in the error, if any
		large bool     // the error is ErrTooMuchWork
	}{
		// 10 passes over 100 rows and 50 candidates; 23 over 100 rows.
		{"threshold", []*pb.Specification{thSpec}, 1e9, 10 * 150, nil, false},
		{"threshold and mediation", []*pb.Specification{thSpec, medSpec}, 1e9, 10*150 + 23*100, nil, false},
		{"a kind without an estimate", []*pb.Specification{thSpec, {Kind: "uncosted"}}, 1e9, 10 * 150, nil, false},
		{"above the limit", []*pb.Specification{thSpec, medSpec}, 1000, 10*150 + 23*100,
			[]string{"job too large", "estimated work is 3.8e+03 units on 100 observations", "limit of 1e+03 set by --max-work"}, true},
		{"an invalid specification among several", []*pb.Specification{thSpec, bad}, 1e9, 0,
			[]string{"specification 2 (bad): ", "bootstrap replications"}, false},
		{"an unknown kind", []*pb.Specification{{Kind: "nope"}}, 1e9, 0, []string{`unknown model kind "nope"`}, false},
	}
	reg.Register(uncosted{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CheckWork(reg, c.specs, 100, c.max, "--max-work")
			if got != c.want {
				t.Errorf("work %v, want %v", got, c.want)
			}
			if (err != nil) != (c.err != nil) {
				t.Fatalf("error %v, want one containing %q", err, c.err)
			}
			for _, m := range c.err {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if errors.Is(err, ErrTooMuchWork) != c.large {
				t.Errorf("error %v: ErrTooMuchWork is %v, want %v", err, !c.large, c.large)
			}
		})
	}
}
