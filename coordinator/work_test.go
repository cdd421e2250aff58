package coordinator

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// TestSubmitWorkLimit checks that Submit refuses a job whose estimated work
// exceeds the coordinator's limit, naming the estimate and the flag, and
// queues one within it.
func TestSubmitWorkLimit(t *testing.T) {
	cli := clustertest.Etcd(t)
	blobs := clustertest.Blobs(t)
	sha := clustertest.PutDataset(t, cli, blobs, "../testdata/hansen1999/hansen1999_xthreg.csv")
	jobs := serveJobs(t, Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs, MaxWork: 1e6})
	submit := func(id string, s threshold.Spec) error {
		_, err := jobs.Submit(context.Background(), &pb.SubmitRequest{JobId: id, Spec: &pb.JobSpec{DatasetSha256: sha,
			Specs: []*pb.Specification{{Kind: threshold.KindName, Spec: threshold.ConfigOf(s, threshold.Fast).Encode()}}}})
		return err
	}
	spec := threshold.Spec{ID: "id", Time: "year", Depvar: "i", Indep: []string{"q1"}, Rx: []string{"c1"}, Qx: "d1",
		Thresholds: 1, Grid: threshold.Grid{Points: 50}, Reps: []int{10}}
	if err := submit("small", spec); err != nil {
		t.Errorf("a job within the limit: %v", err)
	}
	spec.Thresholds, spec.Grid.Points, spec.Reps, spec.Trim = 64, 10_000_000, []int{10_000_000}, []float64{0.001}
	err := submit("huge", spec)
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("a job above the limit: %v, want ResourceExhausted", err)
	}
	for _, m := range []string{"job too large", "estimated work is 1.0", "above the limit of 1e+06 set by the coordinator's --max-work"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q lacks %q", err, m)
		}
	}
}
