package inprocess

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

var sweepSpecs = flag.Int("sweep.specs", 100, "TestManySpecifications: number of specifications (10 with -short)")

// sweepSpec is specification i of a sensitivity sweep on Hansen's data:
// the models differ by threshold variable, number of thresholds, grid, trim
// and seed; B = 50 per stage.
func sweepSpec(i int) threshold.Spec {
	s := hansenSpec(50)
	s.Qx = []string{"L.d", "L.c", "L.q"}[i%3]
	s.Thresholds = 1 + i/3%2
	s.Grid = threshold.Grid{Points: []int{10, 20}[i/6%2]}
	s.Trim = []float64{[]float64{0.01, 0.05, 0.1}[i/12%3]}
	s.Seed = uint64(1 + i/36)
	return s
}

// TestManySpecifications runs a sweep of -sweep.specs (default 100, 10 with
// -short) threshold models as one job on two workers and compares every result with
// its direct estimation byte for byte. The job must run once: no
// leadership session lost, no restart (a new leader would write
// "starting" again).
func TestManySpecifications(t *testing.T) {
	data, err := os.ReadFile("../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	n := *sweepSpecs
	if testing.Short() && n == 100 {
		n = 10
	}
	specs := make([]*pb.Specification, n)
	for i := range specs {
		specs[i] = &pb.Specification{Label: fmt.Sprint(i), Kind: threshold.KindName,
			Spec: threshold.ConfigOf(sweepSpec(i), threshold.Fast).Encode()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	reg := prometheus.NewRegistry()
	cl := connect(t, ctx, Options{Workers: 2, Registerer: reg})
	starts := 0
	start := time.Now()
	results, err := cl.Run(ctx, data, specs, func(ev *pb.JobEvent) {
		if ev.Message == "starting" {
			starts++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d specifications in %v", n, time.Since(start).Round(time.Millisecond))
	if starts != 1 {
		t.Errorf("the job started %d times, want once", starts)
	}
	if losses := counter(t, reg, "thresher_etcd_session_losses_total"); losses != 0 {
		t.Errorf("%v leadership sessions lost", losses)
	}
	for i, got := range results {
		if want := directJSON(t, tab, sweepSpec(i)); !bytes.Equal(got, want) {
			t.Errorf("specification %d differs from its direct estimation:\n%.200s\n%.200s", i, got, want)
		}
	}
}

// counter returns the value of a counter without labels in reg.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
