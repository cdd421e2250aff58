package etcdserver

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// TestScheduledDefragmentation writes 8 MiB, deletes and compacts it away,
// and checks that the scheduled defragmentation returns the space: the
// database shrinks below half its size without any client asking.
func TestScheduledDefragmentation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := Start(ctx, Config{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Fast: true, DefragInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint()}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	value := strings.Repeat("x", 1<<20)
	for i := range 8 {
		if _, err := cli.Put(ctx, "/fill/"+string(rune('a'+i)), value); err != nil {
			t.Fatal(err)
		}
	}
	// The backend commits its writes in batches: wait until the file holds
	// them, or "full" could be measured before the 8 MiB reach it.
	full := waitDBSize(ctx, t, cli, srv.Endpoint(), func(size int64) bool { return size >= 8<<20 }, "to hold the 8 MiB written")
	del, err := cli.Delete(ctx, "/fill/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Compact(ctx, del.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	waitDBSize(ctx, t, cli, srv.Endpoint(), func(size int64) bool { return size < full/2 },
		fmt.Sprintf("to shrink below half of %d bytes by scheduled defragmentation", full))
}

// waitDBSize polls the member's database size until done accepts it and
// returns that size; it fails the test when ctx ends first.
func waitDBSize(ctx context.Context, t *testing.T, cli *clientv3.Client, endpoint string, done func(int64) bool, what string) int64 {
	t.Helper()
	var size int64
	for {
		st, err := cli.Status(ctx, endpoint)
		if err == nil {
			size = st.DbSize
			if done(size) {
				return size
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waited a minute for the database (%d bytes, last error %v) %s", size, err, what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
