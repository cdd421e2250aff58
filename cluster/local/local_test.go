package local

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/cluster/specconv"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

func hansenSpec(reps int) threshold.Spec {
	return threshold.Spec{Convention: threshold.Hansen, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"}, Rx: []string{"L.c"}, Qx: "L.d",
		Thresholds: 3, Grid: threshold.Grid{Points: 400}, Trim: []float64{0.01, 0.01, 0.05}, Reps: []int{reps}, Seed: 3}
}

// TestLocalClusterMatchesDirect runs the Hansen model through etcd, a
// coordinator and two workers over loopback gRPC and compares the JSON with
// the in-process estimation byte for byte.
func TestLocalClusterMatchesDirect(t *testing.T) {
	data, err := os.ReadFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	spec := hansenSpec(60)
	tab, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p, err := threshold.Prepare(tab, spec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Estimate(threshold.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := client.New([]string{c.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	events := 0
	results, err := cl.Run(ctx, data, []*pb.Specification{{Model: &pb.Specification_Threshold{
		Threshold: specconv.ThresholdToProto(spec, threshold.Fast)}}}, func(*pb.JobEvent) { events++ })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(results[0], want) {
		t.Errorf("cluster result differs from the direct estimation:\n%.300s\n%.300s", results[0], want)
	}
	if events < 2 {
		t.Errorf("%d events, want progress before the result", events)
	}
}
