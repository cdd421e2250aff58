package etcdserver

import (
	"context"
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
	full, err := cli.Status(ctx, srv.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	del, err := cli.Delete(ctx, "/fill/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Compact(ctx, del.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	for {
		st, err := cli.Status(ctx, srv.Endpoint())
		if err != nil {
			t.Fatal(err)
		}
		if st.DbSize < full.DbSize/2 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("database still %d bytes (%d full) after a minute of scheduled defragmentation", st.DbSize, full.DbSize)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
