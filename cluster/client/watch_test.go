package client_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thresher/thresher/cluster/client"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// flakyWatch is a Jobs server whose first watch streams progress for
// longer than the client's patience and then breaks, as a coordinator
// that loses its leadership does; the next watch ends the job.
type flakyWatch struct {
	pb.UnimplementedJobsServer
	watches atomic.Int32
}

func (f *flakyWatch) Watch(_ *pb.WatchRequest, stream pb.Jobs_WatchServer) error {
	if f.watches.Add(1) > 1 {
		return stream.Send(&pb.JobEvent{State: pb.JobState_JOB_STATE_SUCCEEDED, Results: [][]byte{[]byte("done")}})
	}
	for range 12 {
		if err := stream.Send(&pb.JobEvent{State: pb.JobState_JOB_STATE_RUNNING}); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return status.Error(codes.Unavailable, "leadership lost")
}

// TestWaitOutlastsPatience follows a job whose watch breaks after it has
// run for longer than the client's patience: the client re-attaches,
// because patience counts from the last answer, not from the first watch.
func TestWaitOutlastsPatience(t *testing.T) {
	jobs := &flakyWatch{}
	cl, err := client.New([]string{serve(t, jobs)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	cl.Patience = 500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := cl.Wait(ctx, "job", nil)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if len(results) != 1 || string(results[0]) != "done" || jobs.watches.Load() != 2 {
		t.Errorf("results %q after %d watches, want [done] after 2", results, jobs.watches.Load())
	}
}
