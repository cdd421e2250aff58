package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/internal/clustertest"
)

// TestE2EBlobStoreS3 runs a job on a coordinator and a worker, processes
// of the binary, whose blob store is an S3-protocol server on 127.0.0.1
// with the credentials in the AWS environment variables: the JSON equals
// the in-process run's (a temporary directory as blob store), and the
// worker's disk cache holds the dataset. A coordinator whose bucket does
// not exist refuses to start, naming the URL.
func TestE2EBlobStoreS3(t *testing.T) {
	skipShort(t)
	s3, cache := clustertest.S3(t), t.TempDir()
	c := clustertest.NewCluster(t, clustertest.Options{BlobURL: s3,
		CoordinatorArgs: []string{"--insecure"}, WorkerArgs: []string{"--insecure", "--blob-cache-dir", cache}})
	addr := freePort(t)
	c.Coordinator(addr)
	c.Worker(nil)
	job := []string{"xthreg", "--data", "../../testdata/hansen1999/invest.csv", "--id", "id", "--time", "year",
		"--depvar", "i", "--indep", "L.q,L.d", "--rx", "L.c", "--qx", "L.d", "--thnum", "2", "--grid", "50",
		"--bs", "20", "--convention", "hansen", "--format", "json"}
	// The in-process run on its default store, not the cluster's.
	local := clustertest.Start(t, "in-process", clustertest.Binary(t), []string{"THRESHER_BLOB_URL="}, job...)
	remote := startProc(t, "client", append(job, "--coordinator", addr)...)
	for _, p := range []*proc{local, remote} {
		if err := p.Wait(5 * time.Minute); err != nil {
			t.Fatalf("%v\n%s", err, p.Stderr.String())
		}
	}
	if local.Stdout.String() == "" || remote.Stdout.String() != local.Stdout.String() {
		t.Errorf("the S3 cluster's JSON differs from the in-process run's:\n%.300s\n%.300s", remote.Stdout.String(), local.Stdout.String())
	}
	data, err := os.ReadFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	if cached, err := os.ReadFile(filepath.Join(cache, blobstore.Hash(data))); err != nil || !bytes.Equal(cached, data) {
		t.Errorf("the worker's --blob-cache-dir lacks the dataset: %v", err)
	}

	missing := strings.Replace(s3, "s3://"+clustertest.S3Bucket, "s3://no-such-bucket", 1)
	p := startProc(t, "coordinator without bucket", "coordinator", "--etcd", c.EtcdAddr, "--insecure", "--listen", freePort(t),
		"--metrics-listen", "", "--blob-url", missing)
	p.Wait(time.Minute)
	if code, stderr := p.Cmd.ProcessState.ExitCode(), p.Stderr.String(); code != 1 || !strings.Contains(stderr, "open blob store s3://no-such-bucket") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming the blob store", code, stderr)
	}
}
