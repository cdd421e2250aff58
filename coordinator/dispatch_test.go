package coordinator

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
	"github.com/thresher/thresher/worker"
)

// startScheduler starts an embedded etcd, n workers with one slot each and
// a leader's scheduler connected to all of them.
func startScheduler(tb testing.TB, n int) *scheduler {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	cli, blobs := clustertest.Etcd(tb), clustertest.Blobs(tb)
	for i := 0; i < n; i++ {
		w, err := worker.New(worker.Config{ID: fmt.Sprintf("w%d", i), Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs, Slots: 1})
		if err != nil {
			tb.Fatal(err)
		}
		done := make(chan struct{})
		wctx, stop := context.WithCancel(ctx)
		go func() { w.Run(wctx); close(done) }()
		tb.Cleanup(func() { stop(); <-done })
	}
	c, err := New(Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs, Prefix: keys.Default})
	if err != nil {
		tb.Fatal(err)
	}
	s := newScheduler(c)
	go s.run(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for s.capacity() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d workers connected", s.capacity(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return s
}

// dispatchNoops submits n no-op tasks and waits for their results.
func dispatchNoops(tb testing.TB, s *scheduler, n int) time.Duration {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var done atomic.Int64
	all := make(chan struct{})
	start := time.Now()
	for i := 0; i < n; i++ {
		task := &pb.Task{TaskId: fmt.Sprintf("noop/%d", i), Noop: true}
		s.submit(ctx, task, time.Second, func(d delivery) {
			if d.first && done.Add(1) == int64(n) {
				close(all)
			}
		})
	}
	select {
	case <-all:
	case <-ctx.Done():
		tb.Fatalf("%d of %d no-op tasks finished", done.Load(), n)
	}
	return time.Since(start)
}

// BenchmarkDispatchNoop measures the scheduler's dispatch rate: no-op tasks
// through real gRPC streams to 32 workers on loopback.
func BenchmarkDispatchNoop(b *testing.B) {
	s := startScheduler(b, 32)
	const n = 20000
	for b.Loop() {
		elapsed := dispatchNoops(b, s, n)
		b.ReportMetric(n/elapsed.Seconds(), "tasks/s")
	}
}

// TestDispatchEveryTaskOnce checks that every no-op task is answered once
// as the first result, across 8 workers.
func TestDispatchEveryTaskOnce(t *testing.T) {
	s := startScheduler(t, 8)
	dispatchNoops(t, s, 2000)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.open) != 0 || s.inFlight != 0 || len(s.queue) != 0 {
		t.Errorf("after all results: %d open, %d in flight, %d queued", len(s.open), s.inFlight, len(s.queue))
	}
}
