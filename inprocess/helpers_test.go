package inprocess

import (
	"context"
	"testing"

	"github.com/thresher/thresher/cluster/client"
)

// connect starts an in-process cluster with opts and a client of it; both
// are closed when the test ends.
func connect(t testing.TB, ctx context.Context, opts Options) *client.Client {
	t.Helper()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl, err := client.New([]string{c.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}
