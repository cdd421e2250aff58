package coordinator

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
	"github.com/thresher/thresher/worker"
)

// blackhole forwards TCP connections to target until cut, then drops
// whatever either side sends without closing anything, as a network
// partition does.
type blackhole struct {
	ln  net.Listener
	cut atomic.Bool
}

func newBlackhole(t *testing.T, target string) *blackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln}
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			conns.Add(2)
			go func() { defer conns.Done(); b.pipe(out, in) }()
			go func() { defer conns.Done(); b.pipe(in, out) }()
			t.Cleanup(func() { in.Close(); out.Close() })
		}
	}()
	return b
}

func (b *blackhole) pipe(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if !b.cut.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
}

// etcdBehindBlackhole starts an etcd and returns a client of it and a
// client that reaches it through a blackhole.
func etcdBehindBlackhole(t *testing.T) (direct, behind *clientv3.Client, hole *blackhole) {
	srv, err := etcdserver.Start(context.Background(), etcdserver.Config{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hole = newBlackhole(t, srv.Endpoint())
	for _, c := range []struct {
		cli  **clientv3.Client
		addr string
	}{{&direct, srv.Endpoint()}, {&behind, hole.ln.Addr().String()}} {
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.addr}, Logger: zap.NewNop()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.Close() })
		*c.cli = cli
	}
	return direct, behind, hole
}

// TestGuardLeaseStopsBeforeExpiry cuts a leader's etcd connection without
// closing it and requires the guard to stop leading while etcd still holds
// the lease, so that no successor can have been elected yet.
func TestGuardLeaseStopsBeforeExpiry(t *testing.T) {
	ctx := context.Background()
	direct, leader, hole := etcdBehindBlackhole(t)

	const ttl = 4 * time.Second
	grant, err := leader.Grant(ctx, int64(ttl/time.Second))
	if err != nil {
		t.Fatal(err)
	}
	keep, err := leader.KeepAlive(ctx, grant.ID)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range keep {
		}
	}()

	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := make(chan int64, 1)
	go guardLease(gctx, leader, grant.ID, ttl, func() {
		left, err := direct.TimeToLive(ctx, grant.ID)
		if err != nil {
			t.Error(err)
		}
		stopped <- left.TTL
	})
	time.Sleep(ttl) // renewals pass: the guard must not stop
	select {
	case <-stopped:
		t.Fatal("the guard stopped while etcd was reachable")
	default:
	}
	hole.cut.Store(true)
	select {
	case left := <-stopped:
		// Half the lease is left when the guard stops; etcd rounds down.
		if left < 1 {
			t.Errorf("the guard stopped %d s before etcd expires the lease, want at least 1 s (-1: already expired)", left)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the guard did not stop after the leader lost etcd")
	}
}

// TestWatchEndsWhenEtcdUnreachable cuts a coordinator from etcd while a
// client watches a job through it: the watch must end with Unavailable, so
// that the client turns to another coordinator, instead of waiting forever.
func TestWatchEndsWhenEtcdUnreachable(t *testing.T) {
	direct, behind, hole := etcdBehindBlackhole(t)
	blobs := clustertest.Blobs(t)
	sha := clustertest.PutDataset(t, direct, blobs, "../testdata/hansen1999/hansen1999_xthreg.csv")
	jobs := serveJobs(t, Config{Listen: "127.0.0.1:0", Etcd: behind, Blobs: blobs, SessionTTL: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	spec := threshold.Spec{ID: "id", Time: "year", Depvar: "i", Indep: []string{"q1"}, Rx: []string{"c1"}, Qx: "d1",
		Thresholds: 1, Grid: threshold.Grid{Points: 20}, Reps: []int{0}}
	job := &pb.JobSpec{DatasetSha256: sha, Specs: []*pb.Specification{{Kind: threshold.KindName, Spec: threshold.ConfigOf(spec, threshold.Fast).Encode()}}}
	if _, err := jobs.Submit(ctx, &pb.SubmitRequest{JobId: "j1", Spec: job}); err != nil {
		t.Fatal(err)
	}
	stream, err := jobs.Watch(ctx, &pb.WatchRequest{JobId: "j1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	hole.cut.Store(true)
	ended := make(chan error, 1)
	go func() {
		_, err := stream.Recv()
		ended <- err
	}()
	select {
	case err := <-ended:
		if status.Code(err) != codes.Unavailable {
			t.Errorf("watch ended with %v, want Unavailable", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the watch still waits 30 s after its coordinator lost etcd")
	}
}

// TestPartitionedWorkerDropped cuts a worker's Work stream without closing
// it: the coordinator's keepalive pings must find out, so that the worker
// gets no more tasks and its tasks are requeued.
func TestPartitionedWorkerDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for gRPC keepalive (about 15 s)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cli := clustertest.Etcd(t)
	listen := clustertest.FreeAddr(t)
	hole := newBlackhole(t, listen)
	blobs := clustertest.Blobs(t)
	w, err := worker.New(worker.Config{ID: "w1", Listen: listen, Advertise: hole.ln.Addr().String(), Etcd: cli, Blobs: blobs, Slots: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	c, err := New(Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs, Prefix: keys.Default})
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(c)
	go s.run(ctx)
	waitCapacity := func(want int, why string) {
		t.Helper()
		deadline := time.Now().Add(40 * time.Second)
		for s.capacity() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: capacity %d after 40 s, want %d", why, s.capacity(), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitCapacity(1, "worker connected")
	hole.cut.Store(true)
	waitCapacity(0, "worker cut off")
}
