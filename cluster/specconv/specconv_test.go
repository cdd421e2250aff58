package specconv

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/estimators/threshold"
)

// TestThresholdRoundTrip checks that a spec survives protobuf marshalling
// exactly, including floats that print identically but differ in bits.
func TestThresholdRoundTrip(t *testing.T) {
	spec := threshold.Spec{Convention: threshold.Hansen, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"L.q", "L.q^2"}, Rx: []string{"L.c"}, Qx: "L.d", Thresholds: 3,
		Grid: threshold.Grid{Points: 400}, Trim: []float64{0.01, 0.01, 0.05}, Reps: []int{300, 0, 1000000},
		Level: 0.95, Seed: 18446744073709551615, Given: []float64{0.1 + 0.2, 0.5418000221252441, 1e-300},
		Residuals: threshold.AlternativeResiduals, Bootstrap: threshold.WildWebb}
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
