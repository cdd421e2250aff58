package inprocess

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/thresher/thresher/estimators/dynthreshold"
	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/simulate"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

func hansenSpec(reps int) threshold.Spec {
	return threshold.Spec{Convention: threshold.Hansen, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"}, Rx: []string{"L.c"}, Qx: "L.d",
		Thresholds: 3, Grid: threshold.Grid{Points: 400}, Trim: []float64{0.01, 0.01, 0.05}, Reps: []int{reps}, Seed: 3}
}

// TestLocalClusterMatchesDirect runs the Hansen model, with Hansen's
// inference and with robust inference and the refined bootstrap in the
// other convention, through etcd, a coordinator and two workers over
// loopback gRPC as one job, and compares each JSON with the in-process
// estimation byte for byte.
func TestLocalClusterMatchesDirect(t *testing.T) {
	data, err := os.ReadFile("../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	robust := hansenSpec(40)
	robust.Convention, robust.VCE, robust.BootstrapRefine = threshold.Xthreg, threshold.Cluster, true
	tab, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	var specs []*pb.Specification
	for _, spec := range []threshold.Spec{hansenSpec(60), robust} {
		want = append(want, directJSON(t, tab, spec))
		specs = append(specs, &pb.Specification{Kind: threshold.KindName, Spec: threshold.ConfigOf(spec, threshold.Fast).Encode()})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl := connect(t, ctx, Options{Workers: 2})
	events := 0
	results, err := cl.Run(ctx, data, specs, func(*pb.JobEvent) { events++ })
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if !bytes.Equal(results[i], want[i]) {
			t.Errorf("spec %d: cluster result differs from the direct estimation:\n%.300s\n%.300s", i, results[i], want[i])
		}
	}
	if !bytes.Contains(results[1], []byte(`"bootstrap":"wild-rademacher"`)) || !bytes.Contains(results[1], []byte(`"eta2":`)) {
		t.Errorf("the robust result has no wild bootstrap or eta^2: %.300s", results[1])
	}
	if events < 2 {
		t.Errorf("%d events, want progress before the result", events)
	}
}

// TestLocalSweepOfEveryKind runs a sweep of a threshold model, a
// mediation analysis and a dynamic threshold model as one job and compares
// each result with its direct computation.
func TestLocalSweepOfEveryKind(t *testing.T) {
	data := simulate.ThresholdPanel{Units: 40, Periods: 6, Seed: 9}.CSV()
	tab, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	layout := panel.Layout{ID: "id", Time: "t"}
	th := threshold.Spec{ID: "id", Time: "t", Depvar: "y", Indep: []string{"z1", "z2"}, Rx: []string{"x1"}, Qx: "q",
		Thresholds: 2, Grid: threshold.Grid{Points: 50}, Trim: []float64{0.05}, Reps: []int{30}, Seed: 4}
	med := mediation.Spec{Outcome: "y", Treatment: "x1", Mediator: "z1", Controls: []string{"z2"}, PeriodEffects: true, Reps: 40, Level: 0.95, Seed: 4}

	wantThreshold := directJSON(t, tab, th)
	m, err := mediation.Prepare(tab, layout, med)
	if err != nil {
		t.Fatal(err)
	}
	mr, err := m.Estimate()
	if err != nil {
		t.Fatal(err)
	}
	wantMediation, _ := json.Marshal(mr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dyn := dynthreshold.Config{ID: "id", Time: "t", Depvar: "y", Qx: "q", Indep: []string{"z1"}, Grid: 5, Trim: 0.4, H0: 1.5, Boost: 90, Seed: 4}
	ds, err := dyn.Spec()
	if err != nil {
		t.Fatal(err)
	}
	d, err := dynthreshold.Prepare(tab, ds)
	if err != nil {
		t.Fatal(err)
	}
	dr, err := d.Estimate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantDynamic, _ := json.Marshal(dr)

	cl := connect(t, ctx, Options{Workers: 3})
	results, err := cl.Run(ctx, data, []*pb.Specification{
		{Label: "threshold", Kind: threshold.KindName, Spec: threshold.ConfigOf(th, threshold.Fast).Encode()},
		{Label: "mediation", Kind: mediation.KindName, Spec: mediation.Config{ID: layout.ID, Time: layout.Time, Spec: med}.Encode()},
		{Label: "dynamic", Kind: dynthreshold.KindName, Spec: dyn.Encode()},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(results[0], wantThreshold) {
		t.Error("the threshold result differs from its direct estimation")
	}
	if !bytes.Equal(results[1], wantMediation) {
		t.Errorf("the mediation result differs from its direct estimation:\n%s\n%s", results[1], wantMediation)
	}
	if !bytes.Equal(results[2], wantDynamic) {
		t.Errorf("the dynamic threshold result differs from its direct estimation:\n%s\n%s", results[2], wantDynamic)
	}
}

// TestAbandonedJobIsCancelled gives up on a long job once it runs: Run
// cancels the job on its way out, so that the cluster stops working for
// nobody and the job's state says so.
func TestAbandonedJobIsCancelled(t *testing.T) {
	data, err := os.ReadFile("../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	cl := connect(t, context.Background(), Options{Workers: 1})
	ctx, giveUp := context.WithCancel(context.Background())
	defer giveUp()
	id := ""
	_, err = cl.Run(ctx, data, []*pb.Specification{{Kind: threshold.KindName,
		Spec: threshold.ConfigOf(hansenSpec(1000000), threshold.Fast).Encode()}}, func(ev *pb.JobEvent) {
		id = ev.JobId
		if ev.State == pb.JobState_JOB_STATE_RUNNING {
			giveUp()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want the caller's cancellation", err)
	}
	wctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := cl.Wait(wctx, id, nil); err == nil || !strings.Contains(err.Error(), "was cancelled") {
		t.Errorf("the abandoned job %s: %v, want cancelled", id, err)
	}
}
