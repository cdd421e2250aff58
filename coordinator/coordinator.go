package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/jobspec"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/prepared"
	"github.com/thresher/thresher/cluster/rpcmetrics"
	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/internal/shortlist"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// Config configures a coordinator. Zero values take the defaults shown.
type Config struct {
	// Listen is the gRPC address HOST:PORT of the Jobs API; port 0 picks a
	// free port.
	Listen string
	// Advertise is the address other processes use; default the address
	// actually listened on.
	Advertise string
	Etcd      *clientv3.Client
	Prefix    keys.Prefix
	// Blobs holds datasets and results (required); etcd keeps their
	// references.
	Blobs *blobstore.Store
	// Kinds are the model kinds the coordinator runs; default
	// kinds.Builtin().
	Kinds *model.Registry
	// Cache holds datasets and prepared models; default a private one of
	// 2 datasets and 8 models.
	// An in-process cluster shares one with its workers.
	Cache *prepared.Cache
	// SessionTTL is the lease of the leadership session (default 5 s): a
	// standby takes over this long after the leader dies.
	SessionTTL time.Duration
	// TaskTarget is the duration a bootstrap task should take (default 1 s).
	TaskTarget time.Duration
	// InitialTaskReps sizes a family's first tasks (default 16) and
	// MaxTaskReps bounds every task (default 100,000).
	InitialTaskReps, MaxTaskReps int
	// InitialTaskDeadline applies while a family's speed is unknown
	// (default 2 min); afterwards a task may take 10 times its expected
	// time, and at least MinTaskDeadline (default 30 s).
	InitialTaskDeadline, MinTaskDeadline time.Duration
	// MaxActiveSpecs bounds the specifications of a job that run at once
	// (default 16, at most half the models a worker caches by default);
	// fewer run while the workers have fewer than MaxActiveSpecs/2 slots.
	MaxActiveSpecs int
	// MaxAttempts bounds the tries of a task that fails transiently
	// (default 5).
	MaxAttempts int
	// MaxDatasetBytes bounds uploaded datasets (default 256 MiB).
	MaxDatasetBytes int
	// MaxWork bounds a job's estimated work (jobspec.Work; default
	// jobspec.DefaultMaxWork).
	MaxWork float64
	// Retention keeps a finished job (state, results) this long before the
	// leader deletes it, unless the job asked for its own (default 168 h).
	Retention time.Duration
	// JanitorInterval spaces the leader's sweeps for expired jobs,
	// unreferenced datasets and etcd's NOSPACE alarm (default 30 s).
	JanitorInterval time.Duration
	// DatasetGrace is how long a dataset no job references is kept, e.g.
	// between its upload and its job's submission (default 1 h).
	DatasetGrace time.Duration
	// CompactInterval spaces the compactions of etcd's history (default
	// 5 min); each keeps the history of the last interval.
	CompactInterval time.Duration
	// DefragInterval, when positive, spaces defragmentations of every etcd
	// member (an external etcd has no schedule of its own); 0 defragments
	// only to recover from the NOSPACE alarm.
	DefragInterval time.Duration
	// ProgressInterval spaces progress updates (default 250 ms).
	ProgressInterval time.Duration
	Registerer       prometheus.Registerer
	Logger           *slog.Logger
	// ServerOptions are added to the gRPC server's; DialOptions are used
	// to reach workers (default: plaintext).
	ServerOptions []grpc.ServerOption
	DialOptions   []grpc.DialOption
}

func (cfg *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.Prefix == "" {
		cfg.Prefix = keys.Default
	}
	if cfg.Kinds == nil {
		cfg.Kinds = kinds.Builtin()
	}
	if cfg.Cache == nil {
		// Small: a running job holds its own model; the cache spares a
		// job's run the preparation its submission did.
		cfg.Cache = prepared.New(2, 8)
	}
	def(&cfg.SessionTTL, 5*time.Second)
	def(&cfg.TaskTarget, time.Second)
	def(&cfg.InitialTaskDeadline, 2*time.Minute)
	def(&cfg.MinTaskDeadline, 30*time.Second)
	def(&cfg.ProgressInterval, 250*time.Millisecond)
	def(&cfg.Retention, DefaultRetention)
	def(&cfg.JanitorInterval, 30*time.Second)
	def(&cfg.DatasetGrace, time.Hour)
	def(&cfg.CompactInterval, 5*time.Minute)
	defInt(&cfg.InitialTaskReps, 16)
	defInt(&cfg.MaxTaskReps, 100000)
	defInt(&cfg.MaxAttempts, 5)
	defInt(&cfg.MaxActiveSpecs, 16)
	defInt(&cfg.MaxDatasetBytes, 256<<20)
	if cfg.MaxWork <= 0 {
		cfg.MaxWork = jobspec.DefaultMaxWork
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Registerer == nil {
		cfg.Registerer = prometheus.NewRegistry()
	}
	if cfg.DialOptions == nil {
		cfg.DialOptions = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
	// Keepalive pings break the Work stream of a worker that stopped
	// answering without closing the connection (a network partition), so
	// that its tasks are requeued and nothing more is sent into the void.
	// gRPC pings at most every 10 s; workers allow it (worker.New).
	cfg.DialOptions = append(cfg.DialOptions, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256<<20)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 10 * time.Second, Timeout: 5 * time.Second}))
}

// DefaultRetention is how long a finished job is kept by default: 7 days.
const DefaultRetention = 7 * 24 * time.Hour

// Coordinator serves the Jobs API and, while it leads, runs jobs.
type Coordinator struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	lis     net.Listener
	srv     *grpc.Server
	health  *health.Server
	addr    string
}

// New listens on cfg.Listen; Run serves.
func New(cfg Config) (*Coordinator, error) {
	if cfg.Etcd == nil {
		return nil, errors.New("coordinator: an etcd client is required")
	}
	if cfg.Blobs == nil {
		return nil, errors.New("coordinator: a blob store is required")
	}
	cfg.setDefaults()
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("coordinator: listen: %w", err)
	}
	c := &Coordinator{cfg: cfg, log: cfg.Logger, metrics: newMetrics(cfg.Registerer, cfg.Blobs), lis: lis, health: health.NewServer()}
	cfg.Registerer.MustRegister(etcdCollector{cfg.Etcd})
	c.addr = cfg.Advertise
	if c.addr == "" {
		c.addr = lis.Addr().String()
	}
	rpc := rpcmetrics.Register(cfg.Registerer)
	c.srv = grpc.NewServer(slices.Concat([]grpc.ServerOption{grpc.MaxRecvMsgSize(64 << 20)}, rpc.ServerOptions(), cfg.ServerOptions)...)
	pb.RegisterJobsServer(c.srv, &jobsService{c: c})
	healthpb.RegisterHealthServer(c.srv, c.health)
	rpc.Initialize(c.srv)
	return c, nil
}

// Addr returns the advertised address of the Jobs API.
func (c *Coordinator) Addr() string { return c.addr }

// Run serves the Jobs API and campaigns for leadership until ctx ends.
// Shutdown order: stop leading (runners and worker streams end; finished
// tasks are already in etcd), resign so that a standby takes over at once,
// then stop the gRPC server, letting open calls finish for up to 5 s.
func (c *Coordinator) Run(ctx context.Context) error {
	serveErr := make(chan error, 1)
	go func() { serveErr <- c.srv.Serve(c.lis) }()
	c.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	campaignDone := make(chan struct{})
	go func() {
		defer close(campaignDone)
		c.campaign(ctx)
	}()
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("coordinator: serve: %w", err)
	}
	<-campaignDone
	c.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	stopped := make(chan struct{})
	go func() { c.srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		c.srv.Stop()
	}
	return err
}

// campaign takes part in the leader election until ctx ends, leading
// whenever elected.
func (c *Coordinator) campaign(ctx context.Context) {
	for ctx.Err() == nil {
		sess, err := concurrency.NewSession(c.cfg.Etcd, concurrency.WithTTL(int(c.sessionTTL()/time.Second)),
			concurrency.WithContext(ctx))
		if err != nil {
			c.log.Warn("etcd session", "err", err)
			if errors.Is(err, rpctypes.ErrNoSpace) {
				// etcd grants no lease while its NOSPACE alarm is raised,
				// so nobody leads to free space: do the leader's part.
				c.expireJobs(ctx, nil)
				c.recoverSpace(ctx)
			}
			sleep(ctx, time.Second)
			continue
		}
		el := concurrency.NewElection(sess, c.cfg.Prefix.Election())
		if err := el.Campaign(ctx, c.addr); err != nil {
			sess.Close()
			if ctx.Err() == nil {
				c.log.Warn("election", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		c.log.Info("leading", "address", c.addr)
		c.lead(ctx, sess)
		if ctx.Err() != nil {
			rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			el.Resign(rctx)
			cancel()
			sess.Close()
			return
		}
		c.metrics.sessionLosses.Inc()
		c.log.Warn("leadership session lost; campaigning again")
		sess.Close()
	}
}

// sessionTTL is the leadership lease: SessionTTL in whole seconds, at
// least one, as etcd grants it.
func (c *Coordinator) sessionTTL() time.Duration {
	return max(c.cfg.SessionTTL.Truncate(time.Second), time.Second)
}

// lead schedules tasks and runs jobs until ctx ends or the session is lost.
func (c *Coordinator) lead(ctx context.Context, sess *concurrency.Session) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-sess.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	guardDone := make(chan struct{})
	go func() {
		defer close(guardDone)
		guardLease(ctx, c.cfg.Etcd, sess.Lease(), c.sessionTTL(), func() {
			c.log.Warn("leadership lease not confirmed by etcd for half its TTL; stopping leading")
			cancel()
		})
	}()
	defer func() { <-guardDone }()
	c.metrics.leader.Set(1)
	defer c.metrics.stopLeading()
	sched := newScheduler(c)
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		sched.run(ctx)
	}()
	janitorDone := make(chan struct{})
	go func() {
		defer close(janitorDone)
		c.janitor(ctx)
	}()
	c.manageJobs(ctx, sched)
	<-schedDone
	<-janitorDone
}

// manageJobs starts a runner for every job that is queued or running and
// stops runners of cancelled jobs, until ctx ends.
func (c *Coordinator) manageJobs(ctx context.Context, sched *scheduler) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	defer wg.Wait()
	running := map[string]context.CancelFunc{}
	states := map[string]pb.JobState{}
	apply := func(key string, value []byte, deleted bool) {
		id := strings.TrimPrefix(key, c.cfg.Prefix.States())
		ev := &pb.JobEvent{}
		if !deleted && proto.Unmarshal(value, ev) != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if deleted {
			delete(states, id)
		} else {
			states[id] = ev.State
		}
		cancel, isRunning := running[id]
		switch {
		case (deleted || terminal(ev.State)) && isRunning:
			cancel()
			delete(running, id)
		case !deleted && !terminal(ev.State) && !isRunning:
			jctx, jcancel := context.WithCancel(ctx)
			running[id] = jcancel
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.runJob(jctx, sched, id)
			}()
		}
		counts := map[string]int{}
		for _, s := range states {
			counts[stateName(s)]++
		}
		for _, s := range jobStates {
			c.metrics.jobs.WithLabelValues(s).Set(float64(counts[s]))
		}
		c.metrics.retained.Set(float64(len(states)))
	}
	for ctx.Err() == nil {
		resp, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.States(), clientv3.WithPrefix())
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		for _, kv := range resp.Kvs {
			apply(string(kv.Key), kv.Value, false)
		}
		for wr := range c.cfg.Etcd.Watch(ctx, c.cfg.Prefix.States(), clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1)) {
			if wr.Err() != nil {
				break
			}
			for _, ev := range wr.Events {
				apply(string(ev.Kv.Key), ev.Kv.Value, ev.Type == clientv3.EventTypeDelete)
			}
		}
	}
	mu.Lock()
	for _, cancel := range running {
		cancel()
	}
	mu.Unlock()
}

// runJob runs one job to its end and records the outcome. When ctx ends
// first (cancellation, lost leadership) it records nothing: the next leader
// resumes the job from its checkpoints.
func (c *Coordinator) runJob(ctx context.Context, sched *scheduler, id string) {
	results, progress, err := c.execute(ctx, sched, id)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		c.log.Info("job failed", "job", id, "err", err)
		if pe := (*model.PanicError)(nil); errors.As(err, &pe) {
			c.log.Error("a model panicked", "job", id, "where", pe.Where, "stack", string(pe.Stack))
		}
		if c.writeState(ctx, &pb.JobEvent{JobId: id, State: pb.JobState_JOB_STATE_FAILED, Error: shortlist.Message(err.Error()),
			FinishedUnixMs: nowMs()}) == nil {
			c.deleteCheckpoints(ctx, id)
		}
		return
	}
	if err := c.writeResults(ctx, id, results); err != nil {
		return
	}
	// The results are stored: the checkpoints are no longer needed (a
	// leader that fails before the state below is written computes the
	// job again, to the same results).
	if err := c.deleteCheckpoints(ctx, id); err != nil {
		return
	}
	size := 0
	for _, r := range results {
		size += len(r)
	}
	c.writeState(ctx, &pb.JobEvent{JobId: id, State: pb.JobState_JOB_STATE_SUCCEEDED, Message: "done", Progress: progress,
		FinishedUnixMs: nowMs(), ResultBytes: int64(size)})
	c.log.Info("job succeeded", "job", id)
}

func (c *Coordinator) execute(ctx context.Context, sched *scheduler, id string) ([][]byte, []*pb.StageProgress, error) {
	var spec *pb.JobSpec
	var done map[string][]float64
	if err := retry(ctx, func(ctx context.Context) (err error) {
		if spec, err = c.readSpec(ctx, id); err != nil {
			return err
		}
		done, err = c.loadCheckpoints(ctx, id)
		return err
	}); err != nil {
		return nil, nil, err
	}
	r := &runner{c: c, sched: sched, id: id, spec: spec, done: done}
	c.writeState(ctx, &pb.JobEvent{JobId: id, State: pb.JobState_JOB_STATE_RUNNING, Message: "starting"})
	results, err := r.run(ctx)
	return results, r.snapshot(), err
}

// dataset returns the dataset of a SHA-256 read for a schema (nil: as
// text) from the cache, loading it from the blob store on a miss.
func (c *Coordinator) dataset(ctx context.Context, sha string, schema panel.Schema) (*panel.Table, error) {
	t, _, err := c.cfg.Cache.Dataset(sha, schema, func() (io.Reader, error) {
		return datastore.Open(ctx, c.cfg.Etcd, c.cfg.Prefix, c.cfg.Blobs, sha)
	})
	return t, err
}

// Ready reports whether etcd answers; a coordinator without etcd can
// neither accept jobs nor lead.
func (c *Coordinator) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.Election(), clientv3.WithCountOnly())
	return err
}
