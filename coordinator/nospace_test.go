package coordinator

import (
	"context"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/keys"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// TestRecoverWithoutLeader fills a 16 MiB etcd with the keys of a job that
// finished long ago until etcd raises its NOSPACE alarm, then starts a
// coordinator. etcd grants it no lease, so it cannot lead; it must still
// delete the expired job, compact, defragment and disarm the alarm, and
// then lead.
func TestRecoverWithoutLeader(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := etcdserver.Start(ctx, etcdserver.Config{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Fast: true, BackendBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint()}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	p := keys.Default
	state, _ := proto.Marshal(&pb.JobEvent{JobId: "old", State: pb.JobState_JOB_STATE_SUCCEEDED, FinishedUnixMs: 1})
	spec, _ := proto.Marshal(&pb.JobSpec{DatasetSha256: "feed"})
	for k, v := range map[string]string{p.JobState("old"): string(state), p.JobSpec("old"): string(spec), p.DatasetRef("feed", "old"): ""} {
		if _, err := cli.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	chunk := strings.Repeat("x", 1<<20)
	for i := 0; ; i++ {
		if _, err := cli.Put(ctx, p.DatasetChunk("feed", i), chunk); err != nil {
			if !strings.Contains(err.Error(), "database space exceeded") {
				t.Fatalf("filling etcd: %v", err)
			}
			break
		}
		if i == 100 {
			t.Fatal("etcd took 100 MiB without raising NOSPACE")
		}
	}
	c, err := New(Config{Listen: "127.0.0.1:0", Etcd: cli, JanitorInterval: 100 * time.Millisecond, SessionTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() { stop(); <-done }()
	for {
		alarms, err := cli.AlarmList(ctx)
		resp, err2 := cli.Get(ctx, string(p)+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err == nil && err2 == nil && len(alarms.Alarms) == 0 && resp.Count <= 1 { // the election key may be there
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("not recovered: alarms %v (%v), %v keys (%v)", alarms, err, resp, err2)
		case <-time.After(100 * time.Millisecond):
		}
	}
	// Then it leads: the election holds its key.
	for {
		resp, err := cli.Get(ctx, p.Election(), clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err == nil && resp.Count == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the coordinator does not lead after the recovery: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
