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
	"github.com/thresher/thresher/internal/clustertest"
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

// TestExpiry runs a leading coordinator whose retention is 300 ms over a
// job that ended before finish times were recorded and one that ended now
// but asked for an hour: the first is deleted (counted from when the
// leader first saw it), the second kept.
func TestExpiry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli := clustertest.Etcd(t)
	p := keys.Default
	put := func(id string, ev *pb.JobEvent, meta *pb.JobMeta) {
		state, _ := proto.Marshal(ev)
		spec, _ := proto.Marshal(&pb.JobSpec{DatasetSha256: "feed"})
		kvs := map[string]string{p.JobState(id): string(state), p.JobSpec(id): string(spec)}
		if meta != nil {
			raw, _ := proto.Marshal(meta)
			kvs[p.JobMeta(id)] = string(raw)
		}
		for k, v := range kvs {
			if _, err := cli.Put(ctx, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	put("legacy", &pb.JobEvent{JobId: "legacy", State: pb.JobState_JOB_STATE_FAILED}, nil)
	put("kept", &pb.JobEvent{JobId: "kept", State: pb.JobState_JOB_STATE_SUCCEEDED, FinishedUnixMs: time.Now().UnixMilli()},
		&pb.JobMeta{RetentionSeconds: 3600})
	c, err := New(Config{Listen: "127.0.0.1:0", Etcd: cli, JanitorInterval: 50 * time.Millisecond, Retention: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() { stop(); <-done }()
	for {
		resp, err := cli.Get(ctx, p.JobState("legacy"), clientv3.WithCountOnly())
		if err == nil && resp.Count == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the job without a finish time was never deleted")
		case <-time.After(50 * time.Millisecond):
		}
	}
	for _, key := range []string{p.JobState("kept"), p.JobSpec("kept"), p.JobMeta("kept")} {
		if resp, err := cli.Get(ctx, key, clientv3.WithCountOnly()); err != nil || resp.Count != 1 {
			t.Errorf("%s of the job kept for an hour: %v, %v", key, resp, err)
		}
	}
}

// TestUnreferencedDatasets runs a leading coordinator whose dataset grace
// is 200 ms over a dataset no job references and one a job references:
// the first is deleted, the second kept.
func TestUnreferencedDatasets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli := clustertest.Etcd(t)
	p := keys.Default
	for _, k := range []string{p.DatasetMeta("orphan"), p.DatasetChunk("orphan", 0), p.DatasetChunk("partial", 0),
		p.DatasetMeta("used"), p.DatasetChunk("used", 0), p.DatasetRef("used", "job")} {
		if _, err := cli.Put(ctx, k, "x"); err != nil {
			t.Fatal(err)
		}
	}
	c, err := New(Config{Listen: "127.0.0.1:0", Etcd: cli, JanitorInterval: 50 * time.Millisecond, DatasetGrace: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() { stop(); <-done }()
	for {
		resp, err := cli.Get(ctx, p.Datasets(), clientv3.WithPrefix(), clientv3.WithKeysOnly())
		if err == nil && len(resp.Kvs) == 2 {
			for _, kv := range resp.Kvs {
				if !strings.HasPrefix(string(kv.Key), p.Dataset("used")) {
					t.Fatalf("key %s kept, %s deleted", kv.Key, p.Dataset("used"))
				}
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("unreferenced datasets never deleted: %v", resp)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
