package clustertest

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3Bucket is the bucket S3 creates.
const S3Bucket = "thresher"

// S3 starts an S3-protocol server (gofakes3, objects in memory) on
// 127.0.0.1 with the bucket S3Bucket, sets the standard AWS credential
// variables for the test (child processes inherit them) and returns the
// bucket's blob store URL; the server stops when the test ends.
func S3(tb testing.TB) string {
	tb.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(S3Bucket); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	tb.Cleanup(srv.Close)
	tb.Setenv("AWS_ACCESS_KEY_ID", "thresher-test")
	tb.Setenv("AWS_SECRET_ACCESS_KEY", "thresher-test-secret")
	q := url.Values{"endpoint": {srv.URL}, "region": {"us-east-1"}, "use_path_style": {"true"}}
	return "s3://" + S3Bucket + "?" + q.Encode()
}
