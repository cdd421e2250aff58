package etcdtest

import (
	"context"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/thresher/thresher/cluster/etcdserver"
)

// Start starts a member and returns a client of it.
func Start(tb testing.TB) *clientv3.Client {
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
