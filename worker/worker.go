package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/prepared"
	"github.com/thresher/thresher/cluster/rpcmetrics"
	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/model"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// Config configures a worker.
type Config struct {
	// ID names the worker in etcd; default host-pid.
	ID string
	// Listen is the gRPC address HOST:PORT; port 0 picks a free port.
	Listen string
	// Advertise is the address registered in etcd; default the address
	// actually listened on.
	Advertise string
	Etcd      *clientv3.Client
	Prefix    keys.Prefix
	// Blobs holds the datasets (required); open it with a CacheDir to
	// keep the datasets read on disk.
	Blobs *blobstore.Store
	// Kinds are the model kinds the worker runs; default kinds.Builtin().
	Kinds *model.Registry
	// Cache holds datasets and prepared models; default a private one of
	// 8 datasets and 32 models.
	// An in-process cluster shares one with its coordinator.
	Cache *prepared.Cache
	// Slots is the number of tasks run at once; default the number of CPUs.
	Slots int
	// LeaseTTL is the TTL of the registration lease; default 5 s.
	LeaseTTL time.Duration
	// DrainTimeout bounds the wait for running tasks at shutdown; default 30 s.
	DrainTimeout time.Duration
	// Registerer receives the worker's metrics; nil keeps them private.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// ServerOptions are added to the gRPC server's (e.g. credentials).
	ServerOptions []grpc.ServerOption
	Version       string
}

// Worker is a running task executor.
type Worker struct {
	cfg    Config
	lis    net.Listener
	srv    *grpc.Server
	svc    *service
	health *health.Server
	addr   string
	// registered is true while the registration's lease is kept alive.
	registered atomic.Bool
}

// New listens on cfg.Listen and prepares the gRPC server; Run serves.
func New(cfg Config) (*Worker, error) {
	if cfg.Etcd == nil {
		return nil, errors.New("worker: an etcd client is required")
	}
	if cfg.Blobs == nil {
		return nil, errors.New("worker: a blob store is required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = keys.Default
	}
	if cfg.ID == "" {
		host, _ := os.Hostname()
		cfg.ID = host + "-" + strconv.Itoa(os.Getpid())
	}
	if cfg.Kinds == nil {
		cfg.Kinds = kinds.Builtin()
	}
	if cfg.Cache == nil {
		cfg.Cache = prepared.New(8, 32)
	}
	if cfg.Slots <= 0 {
		cfg.Slots = runtime.NumCPU()
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 5 * time.Second
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Registerer == nil {
		cfg.Registerer = prometheus.NewRegistry()
	}
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("worker: listen: %w", err)
	}
	addr := cfg.Advertise
	if addr == "" {
		addr = lis.Addr().String()
	}
	m := newMetrics(cfg.Registerer)
	m.slots.Set(float64(cfg.Slots))
	w := &Worker{cfg: cfg, lis: lis, addr: addr, health: health.NewServer()}
	w.svc = &service{
		exec: &executor{etcd: cfg.Etcd, prefix: cfg.Prefix, blobs: cfg.Blobs, kinds: cfg.Kinds, cache: cfg.Cache, metrics: m,
			jobs: prepared.NewLRU[*job](64)},
		slots: make(chan struct{}, cfg.Slots), log: cfg.Logger, metrics: m,
		streams: map[*workStream]struct{}{}, stopped: make(chan struct{}),
	}
	// The coordinator pings its Work streams every 10 s to find partitioned
	// workers; the default policy would answer that with GOAWAY.
	rpc := rpcmetrics.Register(cfg.Registerer)
	w.srv = grpc.NewServer(slices.Concat([]grpc.ServerOption{grpc.MaxRecvMsgSize(64 << 20),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second})}, rpc.ServerOptions(), cfg.ServerOptions)...)
	pb.RegisterWorkerServer(w.srv, w.svc)
	healthpb.RegisterHealthServer(w.srv, w.health)
	rpc.Initialize(w.srv)
	return w, nil
}

// Addr returns the registered address.
func (w *Worker) Addr() string { return w.addr }

// ID returns the worker's id.
func (w *Worker) ID() string { return w.cfg.ID }

// Run serves and keeps the worker registered until ctx ends, then drains:
// running tasks get DrainTimeout to finish, the rest are handed back, the
// registration is deleted and the server stops.
func (w *Worker) Run(ctx context.Context) error {
	serveErr := make(chan error, 1)
	go func() { serveErr <- w.srv.Serve(w.lis) }()
	w.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	// The registration outlives ctx until draining is over, so that the
	// coordinator does not requeue tasks that are about to finish.
	regCtx, stopRegistration := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRegistration()
	regDone := make(chan struct{})
	lease := make(chan clientv3.LeaseID, 1)
	go func() {
		defer close(regDone)
		w.register(regCtx, lease)
	}()
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("worker: serve: %w", err)
	}
	w.cfg.Logger.Info("worker draining", "id", w.cfg.ID)
	w.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	drainCtx, cancel := context.WithTimeout(context.Background(), w.cfg.DrainTimeout)
	if !w.svc.drain(drainCtx) {
		w.cfg.Logger.Warn("drain timeout: handing back running tasks", "id", w.cfg.ID)
	}
	cancel()
	close(w.svc.stopped)
	stopRegistration()
	<-regDone
	// Deregister: revoking the lease deletes the key at once.
	select {
	case id := <-lease:
		rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		w.cfg.Etcd.Revoke(rctx, id)
		cancel()
	default:
	}
	stopped := make(chan struct{})
	go func() { w.srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		w.srv.Stop()
	}
	return err
}

// register keeps the worker's key under a live lease until ctx ends, and
// leaves the last lease in the channel for deregistration.
func (w *Worker) register(ctx context.Context, lease chan clientv3.LeaseID) {
	info, _ := json.Marshal(keys.WorkerInfo{Address: w.addr, Slots: w.cfg.Slots, Version: w.cfg.Version})
	key := w.cfg.Prefix.Worker(w.cfg.ID)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		id, err := w.keepRegistered(ctx, key, string(info), lease)
		if ctx.Err() != nil {
			return
		}
		w.svc.metrics.sessionLoss.Inc()
		w.cfg.Logger.Warn("worker registration lost; registering again", "id", w.cfg.ID, "lease", id, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// keepRegistered registers under a new lease and returns when the lease's
// keep-alive ends.
func (w *Worker) keepRegistered(ctx context.Context, key, value string, lease chan clientv3.LeaseID) (clientv3.LeaseID, error) {
	ttl := max(int64(w.cfg.LeaseTTL/time.Second), 1)
	g, err := w.cfg.Etcd.Grant(ctx, ttl)
	if err != nil {
		return 0, err
	}
	select {
	case <-lease:
	default:
	}
	lease <- g.ID
	if _, err := w.cfg.Etcd.Put(ctx, key, value, clientv3.WithLease(g.ID)); err != nil {
		return g.ID, err
	}
	alive, err := w.cfg.Etcd.KeepAlive(ctx, g.ID)
	if err != nil {
		return g.ID, err
	}
	w.cfg.Logger.Info("worker registered", "id", w.cfg.ID, "address", w.addr, "lease", g.ID)
	w.registered.Store(true)
	for range alive {
	}
	w.registered.Store(false)
	return g.ID, errors.New("lease keep-alive ended")
}

// Ready reports whether the worker is registered in etcd and not draining.
func (w *Worker) Ready(context.Context) error {
	if !w.registered.Load() {
		return errors.New("not registered in etcd")
	}
	w.svc.mu.Lock()
	defer w.svc.mu.Unlock()
	if w.svc.draining {
		return errors.New("draining")
	}
	return nil
}
