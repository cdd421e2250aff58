package coordinator

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// serveJobs serves a coordinator's Jobs API over real gRPC on loopback until
// the test ends; the coordinator does not campaign, so it runs no jobs.
func serveJobs(tb testing.TB, cfg Config) pb.JobsClient {
	tb.Helper()
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	go c.srv.Serve(c.lis)
	tb.Cleanup(c.srv.Stop)
	cc, err := grpc.NewClient(c.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cc.Close() })
	return pb.NewJobsClient(cc)
}

// TestUploadDatasetLimit checks that a dataset above --max-dataset-bytes is
// refused with ResourceExhausted as soon as it crosses the limit, with a
// message giving the limit and the flag, and that one within it is stored.
func TestUploadDatasetLimit(t *testing.T) {
	jobs := serveJobs(t, Config{Listen: "127.0.0.1:0", Etcd: clustertest.Etcd(t), Blobs: clustertest.Blobs(t), MaxDatasetBytes: 1000})
	upload := func(chunks ...int) (*pb.DatasetRef, error) {
		stream, err := jobs.UploadDataset(context.Background())
		if err != nil {
			return nil, err
		}
		for _, n := range chunks {
			if err := stream.Send(&pb.DatasetChunk{Data: bytes.Repeat([]byte("x"), n)}); err != nil {
				break // the server may close the stream early; CloseAndRecv reports why
			}
		}
		return stream.CloseAndRecv()
	}
	// The upload is refused at the chunk that crosses the limit, whatever follows.
	_, err := upload(600, 600, 600, 600, 600)
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(),
		"dataset too large: 1200 bytes received, above the limit of 1000 bytes (the coordinator's --max-dataset-bytes)") {
		t.Errorf("3,000 bytes: %v, want ResourceExhausted at 1,200 bytes giving the limit", err)
	}
	ref, err := upload(500, 500)
	if err != nil || ref.Size != 1000 || len(ref.Sha256) != 64 {
		t.Errorf("1,000 bytes: %v, %v", ref, err)
	}
}
