package inprocess

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/estimators/simulate"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// s3DatasetBytes is the size of TestS3DataPlane's dataset, 3 MB unless
// THRESHER_S3_DATASET_BYTES says otherwise (scripts/blob-e2e.sh sets
// 200 MB).
func s3DatasetBytes(t *testing.T) int {
	t.Helper()
	n := 3 << 20
	if v := os.Getenv("THRESHER_S3_DATASET_BYTES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			t.Fatalf("THRESHER_S3_DATASET_BYTES=%q: a positive number of bytes", v)
		}
	}
	return n
}

// TestS3DataPlane runs one job on the default in-process cluster (a
// directory as blob store) and on one whose datasets and results live in an
// S3-protocol server on 127.0.0.1: the results are byte-identical, and
// etcd's database grows by less than 1 MB although the dataset is larger.
func TestS3DataPlane(t *testing.T) {
	size := s3DatasetBytes(t)
	const bytesPerUnit = 625 // 10 periods of ~62.5 bytes
	data := simulate.ThresholdPanel{Units: max(size/bytesPerUnit, 40), Periods: 10, Seed: 11}.CSV()
	t.Logf("dataset: %d bytes", len(data))
	spec := threshold.Spec{ID: "id", Time: "t", Depvar: "y", Indep: []string{"z1", "z2"}, Rx: []string{"x1"}, Qx: "q",
		Thresholds: 1, Grid: threshold.Grid{Points: 10}, Trim: []float64{0.05}, Reps: []int{0}, Seed: 4}
	specs := []*pb.Specification{{Kind: threshold.KindName, Spec: threshold.ConfigOf(spec, threshold.Fast).Encode()}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	run := func(opts Options, measure func(*Cluster) int64) ([]byte, int64) {
		t.Helper()
		c, err := Start(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cl, err := client.New([]string{c.Addr()})
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		before := measure(c)
		start := time.Now()
		results, err := cl.Run(ctx, data, specs, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("blob store %q: job done in %v", opts.BlobURL, time.Since(start).Round(time.Millisecond))
		return results[0], measure(c) - before
	}
	none := func(*Cluster) int64 { return 0 }
	want, _ := run(Options{Workers: 2}, none)
	got, growth := run(Options{Workers: 2, BlobURL: clustertest.S3(t)}, func(c *Cluster) int64 {
		st, err := c.Etcd().Status(ctx, c.EtcdEndpoint())
		if err != nil {
			t.Fatal(err)
		}
		return st.DbSizeInUse
	})
	t.Logf("etcd database in use grew by %d bytes", growth)
	if !bytes.Equal(got, want) {
		t.Errorf("the S3 path's result differs from the default's:\n%.300s\n%.300s", got, want)
	}
	if growth >= 1<<20 {
		t.Errorf("etcd's database grew by %d bytes, want < 1 MB: the dataset went into etcd", growth)
	}
}
