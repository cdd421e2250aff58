package specconv

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// TestThresholdRoundTrip checks that a spec survives protobuf marshalling
// exactly, including floats that print identically but differ in bits.
func TestThresholdRoundTrip(t *testing.T) {
	spec := threshold.Spec{Convention: threshold.Hansen, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"L.q", "L.q^2"}, Rx: []string{"L.c"}, Qx: "L.d", Thresholds: 3,
		Grid: threshold.Grid{Points: 400}, Trim: []float64{0.01, 0.01, 0.05}, Reps: []int{300, 0, 1000000},
		Level: 0.95, Seed: 18446744073709551615, Given: []float64{0.1 + 0.2, 0.5418000221252441, 1e-300},
		Residuals: threshold.AlternativeResiduals, Bootstrap: threshold.WildWebb, KeepDraws: true}
	raw, err := proto.Marshal(ThresholdToProto(spec, threshold.Reference))
	if err != nil {
		t.Fatal(err)
	}
	var back = ThresholdToProto(threshold.Spec{}, threshold.Fast)
	if err := proto.Unmarshal(raw, back); err != nil {
		t.Fatal(err)
	}
	got, alg, err := ThresholdFromProto(back)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, spec) || alg != threshold.Reference {
		t.Errorf("round trip:\n got %+v %v\nwant %+v", got, alg, spec)
	}
}

func TestMediationRoundTrip(t *testing.T) {
	layout := panel.Layout{ID: "province", Time: "year"}
	spec := mediation.Spec{Outcome: "lncie", Treatment: "lndig", Mediator: "lnind", Controls: []string{"lnpgdp", "L.lnopen"},
		PeriodEffects: true, Reps: 499, Level: 0.9, Seed: 7, KeepDraws: true}
	raw, err := proto.Marshal(MediationToProto(layout, spec))
	if err != nil {
		t.Fatal(err)
	}
	back := &pb.MediationSpec{}
	if err := proto.Unmarshal(raw, back); err != nil {
		t.Fatal(err)
	}
	gl, gs, err := MediationFromProto(back)
	if err != nil || gl != layout || !reflect.DeepEqual(gs, spec) {
		t.Errorf("round trip: %+v %+v %v", gl, gs, err)
	}
}
