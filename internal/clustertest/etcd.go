package clustertest

import (
	"context"
	"os"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/keys"
)

// Etcd starts an embedded etcd member in the test's temporary directory on
// 127.0.0.1, with fast elections, and returns a client of it; both stop
// when the test ends.
func Etcd(tb testing.TB) *clientv3.Client {
	tb.Helper()
	srv, err := etcdserver.Start(context.Background(), etcdserver.Config{DataDir: tb.TempDir(), Listen: "127.0.0.1:0", Fast: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint()}, Logger: zap.NewNop()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

// Blobs opens a blob store in the test's temporary directory; it closes
// when the test ends.
func Blobs(tb testing.TB) *blobstore.Store {
	tb.Helper()
	s, err := blobstore.Open(context.Background(), "file://"+tb.TempDir()+"?metadata=skip", blobstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// PutDataset stores the file at path as a dataset under the default prefix
// and returns its SHA-256.
func PutDataset(tb testing.TB, cli *clientv3.Client, blobs *blobstore.Store, path string) string {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	sha, err := datastore.Put(context.Background(), cli, keys.Default, blobs, data)
	if err != nil {
		tb.Fatal(err)
	}
	return sha
}
