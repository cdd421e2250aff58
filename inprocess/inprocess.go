package inprocess

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/prepared"
	"github.com/thresher/thresher/coordinator"
	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/worker"
)

// Options configure an in-process cluster.
type Options struct {
	// Kinds are the model kinds the cluster runs; default kinds.Builtin().
	Kinds *model.Registry
	// Workers is the number of workers (default 1), each with Slots task
	// slots (default 1).
	Workers, Slots int
	Logger         *slog.Logger
	// Coordinator adjusts the coordinator's configuration before it starts.
	Coordinator func(*coordinator.Config)
	// EtcdBackendBytes is the quota of the embedded etcd's database
	// (default etcdserver.DefaultBackendBytes).
	EtcdBackendBytes int64
	// Registerer receives the coordinator's and workers' metrics; workers'
	// series are identical across workers, so only the coordinator's are
	// registered when set.
	Registerer prometheus.Registerer
}

// leaseTTL is the TTL of the coordinator's leadership session and of the
// workers' registrations. Nothing in the process takes over from a dead
// member, so a long TTL costs nothing, while a short one was lost whenever
// the machine was saturated (the workers' tasks, other processes) and the
// keep-alives came late: the cluster then lost its workers ("waiting for
// workers: none registered") and its leader, which restarted the job.
const leaseTTL = 15 * time.Second

// abandonTasks is the workers' drain timeout: when the cluster closes, its
// jobs are over or abandoned (the command that started them was
// interrupted), so running tasks are cancelled at once rather than
// finished.
const abandonTasks = time.Millisecond

// Cluster is a running in-process cluster.
type Cluster struct {
	dir    string
	cache  *prepared.Cache
	etcd   *etcdserver.Server
	client *clientv3.Client
	opts   Options

	coord     *coordinator.Coordinator
	coordStop context.CancelFunc
	coordDone chan error

	mu      sync.Mutex
	workers []*runningWorker
}

type runningWorker struct {
	w    *worker.Worker
	stop context.CancelFunc
	done chan error
}

// Start starts etcd, a coordinator and the workers.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.Slots <= 0 {
		opts.Slots = 1
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Kinds == nil {
		opts.Kinds = kinds.Builtin()
	}
	dir, err := os.MkdirTemp("", "thresher-etcd-*")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, opts: opts, cache: prepared.New(8, 32)}
	if c.etcd, err = etcdserver.Start(ctx, etcdserver.Config{DataDir: dir, Listen: "127.0.0.1:0", Fast: true,
		BackendBytes: opts.EtcdBackendBytes}); err != nil {
		c.Close()
		return nil, err
	}
	if c.client, err = clientv3.New(clientv3.Config{Endpoints: []string{c.etcd.Endpoint()}, DialTimeout: 5 * time.Second,
		Logger: zap.NewNop()}); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.StartCoordinator(); err != nil {
		c.Close()
		return nil, err
	}
	for i := 0; i < opts.Workers; i++ {
		if _, err := c.AddWorker(); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Addr returns the coordinator's address.
func (c *Cluster) Addr() string { return c.coord.Addr() }

// EtcdEndpoint returns the embedded etcd's client address.
func (c *Cluster) EtcdEndpoint() string { return c.etcd.Endpoint() }

// Etcd returns the cluster's etcd client.
func (c *Cluster) Etcd() *clientv3.Client { return c.client }

// StartCoordinator starts the coordinator (again, after StopCoordinator).
func (c *Cluster) StartCoordinator() error {
	cfg := coordinator.Config{Listen: "127.0.0.1:0", Etcd: c.client, Prefix: keys.Default, Kinds: c.opts.Kinds, Cache: c.cache,
		Logger: c.opts.Logger, Registerer: c.opts.Registerer, SessionTTL: leaseTTL}
	if c.opts.Coordinator != nil {
		c.opts.Coordinator(&cfg)
	}
	co, err := coordinator.New(cfg)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	c.coord, c.coordStop, c.coordDone = co, stop, make(chan error, 1)
	go func() { c.coordDone <- co.Run(ctx) }()
	return nil
}

// StopCoordinator stops the coordinator gracefully.
func (c *Cluster) StopCoordinator() error {
	if c.coordStop == nil {
		return nil
	}
	c.coordStop()
	c.coordStop = nil
	return <-c.coordDone
}

// AddWorker starts one more worker and returns its id.
func (c *Cluster) AddWorker() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, err := worker.New(worker.Config{ID: fmt.Sprintf("local-%d", len(c.workers)), Listen: "127.0.0.1:0",
		Etcd: c.client, Prefix: keys.Default, Kinds: c.opts.Kinds, Cache: c.cache, Slots: c.opts.Slots, LeaseTTL: leaseTTL,
		Logger: c.opts.Logger, DrainTimeout: abandonTasks})
	if err != nil {
		return "", err
	}
	ctx, stop := context.WithCancel(context.Background())
	rw := &runningWorker{w: w, stop: stop, done: make(chan error, 1)}
	go func() { rw.done <- w.Run(ctx) }()
	c.workers = append(c.workers, rw)
	return w.ID(), nil
}

// Abandon ends the cluster of an interrupted command: it closes it as Close
// does, but at most for d; then it removes the data directory and returns,
// leaving what still runs (a model's preparation does not check for
// cancellation) to the process's exit.
func (c *Cluster) Abandon(d time.Duration) {
	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(d):
		os.RemoveAll(c.dir)
	}
}

// Close shuts the cluster down in order: workers cancel their running
// tasks and deregister, the coordinator stops leading and serving, then the
// etcd client and server close and the data directory is removed.
func (c *Cluster) Close() error {
	c.mu.Lock()
	for _, w := range c.workers {
		w.stop()
	}
	for _, w := range c.workers {
		<-w.done
	}
	c.workers = nil
	c.mu.Unlock()
	err := c.StopCoordinator()
	if c.client != nil {
		c.client.Close()
	}
	if c.etcd != nil {
		c.etcd.Close()
	}
	os.RemoveAll(c.dir)
	return err
}
