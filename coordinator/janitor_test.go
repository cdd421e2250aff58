package coordinator

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// runCoordinator runs a coordinator with cfg until ctx ends or the
// returned function, which waits for its end, is called: defer
// runCoordinator(t, ctx, cfg)() stops it when the test returns.
func runCoordinator(t *testing.T, ctx context.Context, cfg Config) (stop func()) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	return func() { cancel(); <-done }
}

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
		if _, err := cli.Put(ctx, p.Dataset("feed")+strconv.Itoa(i), chunk); err != nil {
			if !strings.Contains(err.Error(), "database space exceeded") {
				t.Fatalf("filling etcd: %v", err)
			}
			break
		}
		if i == 100 {
			t.Fatal("etcd took 100 MiB without raising NOSPACE")
		}
	}
	defer runCoordinator(t, ctx, Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: clustertest.Blobs(t), JanitorInterval: 100 * time.Millisecond, SessionTTL: time.Second})()
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
	defer runCoordinator(t, ctx, Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: clustertest.Blobs(t), JanitorInterval: 50 * time.Millisecond, Retention: 300 * time.Millisecond})()
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
// is 200 ms over a dataset no job references, a stray key of another and
// one a job references: the first two are deleted, the first's object with
// it, and the third kept.
func TestUnreferencedDatasets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli, blobs := clustertest.Etcd(t), clustertest.Blobs(t)
	p := keys.Default
	orphan, used := []byte("id,t,y\n1,1,0\n"), []byte("id,t,y\n1,1,1\n")
	var shas []string
	for _, data := range [][]byte{orphan, used} {
		sha, err := datastore.Put(ctx, cli, p, blobs, data)
		if err != nil {
			t.Fatal(err)
		}
		shas = append(shas, sha)
	}
	for _, k := range []string{p.Dataset("partial") + "stray", p.DatasetRef(shas[1], "job")} {
		if _, err := cli.Put(ctx, k, "x"); err != nil {
			t.Fatal(err)
		}
	}
	defer runCoordinator(t, ctx, Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs, JanitorInterval: 50 * time.Millisecond, DatasetGrace: 200 * time.Millisecond})()
	for {
		resp, err := cli.Get(ctx, p.Datasets(), clientv3.WithPrefix(), clientv3.WithKeysOnly())
		if err == nil && len(resp.Kvs) == 1 {
			if string(resp.Kvs[0].Key) != p.DatasetMeta(shas[1]) {
				t.Fatalf("key %s kept, %s deleted", resp.Kvs[0].Key, p.DatasetMeta(shas[1]))
			}
			if _, err := blobs.Get(ctx, p.DatasetObjects(), blobstore.Ref{SHA256: shas[0], Size: int64(len(orphan))}); !errors.Is(err, blobstore.ErrNotFound) {
				t.Errorf("the unreferenced dataset's object: %v, want ErrNotFound", err)
			}
			if _, err := blobs.Get(ctx, p.DatasetObjects(), blobstore.Ref{SHA256: shas[1], Size: int64(len(used))}); err != nil {
				t.Errorf("the referenced dataset's object: %v", err)
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
