package coordinator

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// FuzzJobsAPI sends arbitrary Submit requests, then Watch and Cancel for the
// same job, to a coordinator's Jobs API over real gRPC, backed by an
// embedded etcd. Requests may be refused; the server must never panic. The
// coordinator does not campaign, so accepted jobs stay queued.
func FuzzJobsAPI(f *testing.F) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cli := clustertest.Etcd(f)
	blobs := clustertest.Blobs(f)
	sha := clustertest.PutDataset(f, cli, blobs, "../testdata/hansen1999/hansen1999_xthreg.csv")
	jobs := serveJobs(f, Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs})

	valid := &pb.SubmitRequest{JobId: "seed", Spec: &pb.JobSpec{Specs: []*pb.Specification{{Kind: threshold.KindName,
		Spec: threshold.ConfigOf(threshold.Spec{ID: "id", Time: "year", Depvar: "i", Indep: []string{"q1"},
			Rx: []string{"c1"}, Qx: "d1", Thresholds: 1, Grid: threshold.Grid{Points: 50}, Reps: []int{10}}, threshold.Fast).Encode()}}}}
	raw, _ := proto.Marshal(valid)
	f.Add(raw)
	f.Add([]byte{})
	f.Add([]byte("\x0a\x03a/b\x12\x00"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		req := &pb.SubmitRequest{}
		if proto.Unmarshal(raw, req) != nil {
			return
		}
		if req.Spec != nil && req.Spec.DatasetSha256 == "" {
			req.Spec.DatasetSha256 = sha
		}
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		jobs.Submit(cctx, req)
		wctx, wcancel := context.WithTimeout(cctx, 20*time.Millisecond)
		if stream, err := jobs.Watch(wctx, &pb.WatchRequest{JobId: req.JobId}); err == nil {
			stream.Recv()
		}
		wcancel()
		jobs.Cancel(cctx, &pb.CancelRequest{JobId: req.JobId})
	})
}
