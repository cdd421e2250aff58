package inprocess

import (
	"context"
	"testing"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
)

// connect starts an in-process cluster with opts and a client of it; both
// are closed when the test ends.
func connect(t testing.TB, ctx context.Context, opts Options) *client.Client {
	t.Helper()
	_, cl := startWithClient(t, ctx, opts)
	return cl
}

// startWithClient starts an in-process cluster with opts and a client of
// it, and returns both; they are closed when the test ends.
func startWithClient(t testing.TB, ctx context.Context, opts Options) (*Cluster, *client.Client) {
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
	return c, cl
}

// directJSON is the JSON result of the threshold model spec estimated on
// tab in this process, without a cluster.
func directJSON(t *testing.T, tab *panel.Table, spec threshold.Spec) []byte {
	t.Helper()
	p, err := threshold.Prepare(tab, spec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Estimate(threshold.Options{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return js
}
