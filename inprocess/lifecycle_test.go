package inprocess

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/coordinator"
	"github.com/thresher/thresher/estimators/kinds"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// startToy starts an in-process cluster that runs the toy kind, whose
// coordinator sweeps for expired jobs every 50 ms, and a client of it.
func startToy(t *testing.T, ctx context.Context, opts Options) (*Cluster, *client.Client) {
	t.Helper()
	registry := kinds.Builtin()
	registry.Register(toyKind{})
	opts.Kinds = registry
	adjust := opts.Coordinator
	opts.Coordinator = func(cfg *coordinator.Config) {
		cfg.JanitorInterval = 50 * time.Millisecond
		if adjust != nil {
			adjust(cfg)
		}
	}
	return startWithClient(t, ctx, opts)
}

// keyCount counts the keys under a prefix.
func keyCount(t *testing.T, cli *clientv3.Client, prefix string) int64 {
	t.Helper()
	resp, err := cli.Get(context.Background(), prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	return resp.Count
}

// eventually polls cond every 50 ms until it holds or ctx ends.
func eventually(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not before the test's deadline", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestRetention runs a job that asks for a retention of 1 s and one that
// asks for an hour on a cluster whose default is a week, and checks that
// their checkpoints are gone once they succeeded, that Get and List
// describe them, and that the janitor deletes the first job, its results
// and its dataset but keeps the second; and that the etcd metrics report
// the database and its quota.
func TestRetention(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reg := prometheus.NewRegistry()
	c, cl := startToy(t, ctx, Options{Registerer: reg, EtcdBackendBytes: 64 << 20})
	run := func(retention time.Duration, data string) []byte {
		cl.Retention = retention
		results, err := cl.Run(ctx, []byte(data), []*pb.Specification{{Kind: "toy", Spec: []byte(`{"column":"y","n":40}`)}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return results[0]
	}
	kept := run(time.Hour, "id,year,y\na,1,1.5\na,2,2\nb,1,-1\nb,2,0.5\n")
	jobs, err := cl.List(ctx)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("list: %v, %v", jobs, err)
	}
	j := jobs[0]
	if j.State != pb.JobState_JOB_STATE_SUCCEEDED || j.ResultBytes != int64(len(kept)) || j.RetentionSeconds != 3600 ||
		j.FinishedUnixMs < j.SubmittedUnixMs || j.SubmittedUnixMs == 0 || len(j.Specs) != 1 || j.Specs[0].Kind != "toy" || j.Results != nil {
		t.Errorf("listed %v", j)
	}
	info, err := cl.Get(ctx, j.JobId)
	if err != nil || len(info.Results) != 1 || !bytes.Equal(info.Results[0], kept) {
		t.Fatalf("get: %v, %v", info, err)
	}
	if n := keyCount(t, c.Etcd(), keys.Default.JobDone(j.JobId)); n != 0 {
		t.Errorf("%d checkpoints left after the job succeeded", n)
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	gauges := map[string]float64{}
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "thresher_etcd_") && len(f.Metric) == 1 && f.Metric[0].Gauge != nil {
			gauges[f.GetName()] = f.Metric[0].Gauge.GetValue()
		}
	}
	if gauges["thresher_etcd_quota_bytes"] != 64<<20 || !(gauges["thresher_etcd_db_bytes"] > 0) {
		t.Errorf("etcd gauges %v, want a database size and a quota of 64 MiB", gauges)
	}

	datasetKeys := keyCount(t, c.Etcd(), keys.Default.Datasets())
	run(time.Second, "id,year,y\na,1,1\na,2,2\nb,1,3\nb,2,4\n")
	eventually(t, ctx, "the deletion of the job kept for 1 s", func() bool {
		jobs, err := cl.List(ctx)
		return err == nil && len(jobs) == 1 && jobs[0].JobId == j.JobId
	})
	for prefix, want := range map[string]int64{keys.Default.Datasets(): datasetKeys, keys.Default.DatasetRefs(): 1,
		keys.Default.Metas(): 1, keys.Default.States(): 1, string(keys.Default) + "/jobs/": 2} { // its spec and its result
		if n := keyCount(t, c.Etcd(), prefix); n != want {
			t.Errorf("%d keys under %s, want %d (the job kept for an hour's)", n, prefix, want)
		}
	}
}

// TestNoSpace fills an etcd of 16 MiB on purpose (datasets are in the
// blob store, not in etcd) with 1 MiB keys of a dataset that no job
// references until etcd raises its NOSPACE alarm, while a job kept for an
// hour runs with its tasks held; checks that a new job is refused with the
// documented message; then that the cluster, without a restart, deletes
// the unreferenced dataset after its grace, compacts, defragments, disarms
// the alarm, finishes the running job with its exact result, and runs a
// new job (refused with the same message at most until the deleted keys'
// space is compacted).
func TestNoSpace(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 16 MiB of etcd")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	toyGate = make(chan struct{})
	c, cl := startToy(t, ctx, Options{EtcdBackendBytes: 16 << 20, Workers: 2, Slots: 4,
		Coordinator: func(cfg *coordinator.Config) { cfg.DatasetGrace = time.Second }})
	data := []byte("id,year,y\na,1,1.5\na,2,2\nb,1,-1\nb,2,0.5\n")
	running, err := client.New([]string{c.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	running.Retention = time.Hour
	held := make(chan error, 1)
	var heldResults [][]byte
	go func() {
		var err error
		heldResults, err = running.Run(ctx, data, []*pb.Specification{{Kind: "toy", Spec: []byte(`{"column":"y","n":2,"gated":true}`)}}, nil)
		held <- err
	}()

	cl.Retention = time.Second
	spec := []*pb.Specification{{Kind: "toy", Spec: []byte(`{"column":"y","n":4}`)}}
	dataset := func() []byte {
		var b bytes.Buffer
		b.WriteString("id,year,y,pad\n")
		pad := make([]byte, 3000)
		for i := 0; b.Len() < 1<<20; i++ {
			rand.Read(pad)
			fmt.Fprintf(&b, "u%d,1,%d,%s\n", i, i%7, base64.RawStdEncoding.EncodeToString(pad))
		}
		return b.Bytes()
	}
	filler := make([]byte, 1<<20)
	var full error
	for i := 0; i < 100 && full == nil; i++ {
		rand.Read(filler)
		_, full = c.Etcd().Put(ctx, keys.Default.Dataset("filler")+strconv.Itoa(i), string(filler))
	}
	if full == nil || !strings.Contains(full.Error(), "database space exceeded") {
		t.Fatalf("filling etcd: %v, want NOSPACE", full)
	}
	_, refusal := cl.Run(ctx, dataset(), spec, nil)
	if refusal == nil || !strings.Contains(refusal.Error(), coordinator.ErrNoSpaceMessage) {
		t.Fatalf("filling etcd: %v, want the NOSPACE message", refusal)
	}
	alarms, err := c.Etcd().AlarmList(ctx)
	if err != nil || len(alarms.Alarms) == 0 {
		t.Fatalf("alarms after the refusal: %v, %v", alarms, err)
	}
	select {
	case err := <-held:
		t.Fatalf("the held job ended before its tasks were released: %v", err)
	default:
	}
	// The held tasks finish while etcd refuses their checkpoints; once the
	// jobs' retention is over, space is freed and the alarm disarmed, and
	// the held job and then a new one run to their results.
	close(toyGate)
	// The alarm may be disarmed before the fillers are gone (the database
	// below 90% of its quota once compacted and defragmented); the next
	// job needs their space too.
	eventually(t, ctx, "NOSPACE alarm disarmed and the unreferenced fillers deleted", func() bool {
		alarms, err := c.Etcd().AlarmList(ctx)
		if err != nil || len(alarms.Alarms) != 0 {
			return false
		}
		return keyCount(t, c.Etcd(), keys.Default.Dataset("filler")) == 0
	})
	if err := <-held; err != nil || len(heldResults) != 1 || string(heldResults[0]) != "[3,4]" {
		t.Fatalf("the job running through NOSPACE: %q, %v; want [3,4]", heldResults, err)
	}
	// The alarm may have been disarmed before the fillers were deleted, and
	// the space of deleted keys returns only with the next compaction: the
	// first job after the recovery may raise the alarm once more, which the
	// cluster recovers from by itself as before. Any other error fails.
	eventually(t, ctx, "a job after the recovery", func() bool {
		_, err := cl.Run(ctx, dataset(), spec, nil)
		if err != nil && !strings.Contains(err.Error(), coordinator.ErrNoSpaceMessage) {
			t.Fatalf("a job after the recovery: %v", err)
		}
		if err != nil {
			time.Sleep(time.Second)
		}
		return err == nil
	})
}
