package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/cluster/jobspec"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/security"
	"github.com/thresher/thresher/coordinator"
	"github.com/thresher/thresher/internal/ctxio"
	"github.com/thresher/thresher/worker"
)

// commonFlags are shared by the coordinator and worker commands.
type commonFlags struct {
	etcd          listFlag
	listen        string
	advertise     string
	metricsListen string
	pprof         bool
	prefix        string
	clusterID     string
	id            string // the cluster's id (identify)
	logLevel      string
	logFormat     string
	tls           security.TLSFiles
	insecure      bool
	etcdTLS       security.TLSFiles
	etcdUser      string
	etcdPassword  string // file holding the password
	blobURL       string
}

// blobURLUsage documents --blob-url of the coordinator, the worker and the
// in-process cluster.
const blobURLUsage = "object store of datasets and results: file:///DIR or s3://BUCKET?region=R[&endpoint=URL&use_path_style=true], " +
	"with credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the AWS SDK's other sources); etcd keeps only their hashes and sizes"

func (f *commonFlags) register(fs *flag.FlagSet, listen, metrics string) {
	f.etcd = listFlag{"127.0.0.1:2379"}
	fs.Var(&f.etcd, "etcd", "etcd endpoints HOST:PORT, comma-separated")
	fs.StringVar(&f.listen, "listen", listen, "gRPC listen address HOST:PORT (port 0: any free port)")
	fs.StringVar(&f.advertise, "advertise", "", "address other processes use to reach this one (default: the address listened on)")
	fs.StringVar(&f.metricsListen, "metrics-listen", metrics, "HTTP address of /metrics, /healthz and /readyz (empty: none)")
	fs.BoolVar(&f.pprof, "pprof", false, "also serve the Go profiles (/debug/pprof/) on --metrics-listen")
	fs.StringVar(&f.prefix, "prefix", string(keys.Default), "etcd key prefix of the cluster")
	fs.StringVar(&f.clusterID, "cluster-id", "", "id of the cluster (default: the thresher://<id> URI SAN of --tls-cert, see 'thresher certs'); a prefix that holds another id is refused")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text (key=value) or json (one object per line)")
	fs.StringVar(&f.tls.Cert, "tls-cert", "", "PEM certificate of this process (see 'thresher certs')")
	fs.StringVar(&f.tls.Key, "tls-key", "", "PEM key of --tls-cert")
	fs.StringVar(&f.tls.CA, "tls-ca", "", "PEM CA bundle that signs the cluster's certificates")
	fs.BoolVar(&f.insecure, "insecure", false, "plaintext gRPC without TLS or tokens; only allowed on a loopback --listen address")
	fs.StringVar(&f.etcdTLS.CA, "etcd-cacert", "", "PEM CA bundle of the etcd servers (enables TLS to etcd)")
	fs.StringVar(&f.etcdTLS.Cert, "etcd-cert", "", "PEM client certificate for etcd")
	fs.StringVar(&f.etcdTLS.Key, "etcd-key", "", "PEM key of --etcd-cert")
	fs.StringVar(&f.etcdUser, "etcd-user", "", "etcd user name")
	fs.StringVar(&f.etcdPassword, "etcd-password-file", "", "file holding the etcd user's password")
	fs.StringVar(&f.blobURL, "blob-url", "", blobURLUsage+"; every coordinator and worker of a cluster needs the same "+
		"(default: file://$TMPDIR/thresher-blobs, shared only by the processes of this host)")
}

// blobStore opens --blob-url, or creates and opens the default directory.
func (f *commonFlags) blobStore(ctx context.Context, opts blobstore.Options) (*blobstore.Store, error) {
	if f.blobURL == "" {
		dir := filepath.Join(os.TempDir(), "thresher-blobs")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("default blob store: %w", err)
		}
		f.blobURL = (&url.URL{Scheme: "file", Path: dir}).String()
	}
	s, err := blobstore.Open(ctx, f.blobURL, opts)
	return s, blobURLError(err)
}

// blobURLError makes a malformed --blob-url a usage error.
func blobURLError(err error) error {
	if errors.Is(err, blobstore.ErrBadURL) {
		return fmt.Errorf("%w: --blob-url: %w", errUsage, err)
	}
	return err
}

// security checks the transport settings: TLS files, or --insecure on a
// loopback listen and advertised address.
func (f *commonFlags) security() error {
	switch {
	case f.tls.Enabled() && f.insecure:
		return fmt.Errorf("%w: --insecure and --tls-* exclude each other", errUsage)
	case f.tls.Enabled():
		if f.tls.Cert == "" || f.tls.Key == "" || f.tls.CA == "" {
			return fmt.Errorf("%w: TLS needs --tls-cert, --tls-key and --tls-ca", errUsage)
		}
	case !f.insecure:
		return fmt.Errorf("%w: TLS is required: set --tls-cert, --tls-key and --tls-ca (see 'thresher certs'), or --insecure on a loopback address", errUsage)
	case !security.IsLoopback(f.listen):
		return fmt.Errorf("%w: --insecure is only allowed on a loopback listen address, not %q", errUsage, f.listen)
	case f.advertise != "" && !security.IsLoopback(f.advertise):
		return fmt.Errorf("%w: --insecure is only allowed with a loopback --advertise address, not %q", errUsage, f.advertise)
	}
	return nil
}

// identify checks that --tls-cert names role and sets f.id, the cluster's
// id: --cluster-id, or the one in --tls-cert, which must agree when both
// are given; "" when there is none.
func (f *commonFlags) identify(ctx context.Context, role string) error {
	fromCert := ""
	if f.tls.Cert != "" {
		cert, err := identity.ReadCertificate(ctx, f.tls.Cert)
		if err != nil {
			return err
		}
		if err := identity.CheckRole(cert, "", role); err != nil {
			return fmt.Errorf("%w: --tls-cert %s: %v", errUsage, f.tls.Cert, err)
		}
		fromCert = identity.FromCertificate(cert)
	}
	switch {
	case f.clusterID == "":
		f.id = fromCert
		return nil
	case fromCert != "" && fromCert != f.clusterID:
		return fmt.Errorf("%w: --cluster-id %s differs from the cluster id %s of --tls-cert %s", errUsage, f.clusterID, fromCert, f.tls.Cert)
	}
	if err := identity.Check(f.clusterID); err != nil {
		return fmt.Errorf("%w: --cluster-id: %v", errUsage, err)
	}
	f.id = f.clusterID
	return nil
}

// claimCluster claims the etcd prefix for the cluster's id, or warns that
// nothing ties this process to a cluster.
func (f *commonFlags) claimCluster(ctx context.Context, cli *clientv3.Client, log *slog.Logger) error {
	id := f.id
	if id == "" {
		log.Warn("no cluster id (--cluster-id, or a certificate from 'thresher certs'): the etcd prefix is not checked", "prefix", f.prefix)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := identity.Claim(ctx, cli, keys.Prefix(f.prefix), id); err != nil {
		return err
	}
	log.Info("cluster", "id", id, "prefix", f.prefix)
	return nil
}

func (f *commonFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q", errUsage, f.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, fmt.Errorf("%w: --log-format %q: want text or json", errUsage, f.logFormat)
}

func (f *commonFlags) etcdClient(ctx context.Context) (*clientv3.Client, error) {
	// Keepalive pings find an endpoint that stopped answering without
	// closing the connection (a partitioned or isolated member): without
	// them the client waits on it forever instead of using another member.
	// gRPC pings at most every 10 s.
	cfg := clientv3.Config{Endpoints: f.etcd, DialTimeout: 5 * time.Second, DialKeepAliveTime: 10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second, Logger: zap.NewNop(), Username: f.etcdUser}
	if f.etcdTLS.Enabled() {
		tc, err := f.etcdTLS.Config(ctx)
		if err != nil {
			return nil, fmt.Errorf("etcd TLS: %w", err)
		}
		cfg.TLS = tc
	}
	if f.etcdPassword != "" {
		raw, err := ctxio.ReadFile(ctx, f.etcdPassword, maxSpecBytes)
		if err != nil {
			return nil, fmt.Errorf("etcd password: %w", err)
		}
		cfg.Password = strings.TrimSpace(string(raw))
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("etcd client: %w", err)
	}
	return cli, nil
}

// newRegistry returns a registry with the Go and process collectors and
// thresher_build_info.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "thresher_build_info",
		Help:        "Always 1; its labels name the version of the binary and of Go.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	info.Set(1)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), info)
	return reg
}

// serveMetrics serves /metrics, /healthz (liveness: the process answers)
// and /readyz (ready() succeeds) until stop is called, and, with pprof, the
// profiles of net/http/pprof under /debug/pprof/. Nothing it serves
// changes the process: control requests go to the control socket.
// Stop shuts the server down gracefully (2 s at most).
func serveMetrics(addr string, reg *prometheus.Registry, ready func(context.Context) error, pprof bool, log *slog.Logger) (string, func(), error) {
	if addr == "" {
		return "", func() {}, nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := ready(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	if pprof {
		mux.HandleFunc("GET /debug/pprof/", httppprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", httppprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", httppprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", httppprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", httppprof.Trace)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}
	return lis.Addr().String(), stop, nil
}

const etcdSynopsis = `Runs an embedded etcd server for a local cluster: a single member by default,
or one member of a multi-member cluster with --peer-listen and
--initial-cluster. Clients are served in plaintext unless --tls-cert and
--tls-key are given (then coordinators and workers connect with --etcd-cacert,
and with --etcd-cert/--etcd-key when --tls-ca requires client certificates).
It defragments its database every --defrag-interval; the leading
coordinator compacts its history (coordinator --compact-interval).
Stop it with SIGINT or SIGTERM; its data stay in --data-dir.`

func runEtcd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("etcd", etcdSynopsis, stderr)
	dataDir := fs.String("data-dir", "thresher-etcd", "data directory")
	listen := fs.String("listen", "127.0.0.1:2379", "client address HOST:PORT (port 0: any free port)")
	name := fs.String("name", "thresher", "member name")
	peer := fs.String("peer-listen", "", "peer address HOST:PORT (required for a multi-member cluster)")
	initial := fs.String("initial-cluster", "", "members name=http://HOST:PEERPORT,... of a multi-member cluster (empty: single member)")
	state := fs.String("initial-cluster-state", "new", "new, or existing to join a running cluster")
	backend := fs.Int64("backend-bytes", etcdserver.DefaultBackendBytes, "database quota; the member maps 10% more of the address space that ulimit -v bounds")
	defrag := fs.Duration("defrag-interval", time.Hour, "defragment the database this often, returning the space of deleted keys (0: never)")
	var clientTLS security.TLSFiles
	fs.StringVar(&clientTLS.Cert, "tls-cert", "", "PEM certificate: serve clients over TLS (with --tls-key)")
	fs.StringVar(&clientTLS.Key, "tls-key", "", "PEM key of --tls-cert")
	fs.StringVar(&clientTLS.CA, "tls-ca", "", "PEM CA bundle: require client certificates it signed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *defrag < 0 {
		return fmt.Errorf("%w: --defrag-interval must not be negative, not %v", errUsage, *defrag)
	}
	srv, err := etcdserver.Start(ctx, etcdserver.Config{Name: *name, DataDir: *dataDir, Listen: *listen,
		PeerListen: *peer, InitialCluster: *initial, InitialClusterState: *state, ClientTLS: clientTLS, BackendBytes: *backend,
		DefragInterval: *defrag})
	if errors.Is(err, etcdserver.ErrAddressSpace) {
		return fmt.Errorf("%w: lower --backend-bytes (%d) or raise ulimit -v", err, *backend)
	}
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "etcd serving on %s (data in %s)\n", srv.Endpoint(), *dataDir)
	select {
	case <-ctx.Done():
		return nil
	case err := <-srv.Err():
		return err
	}
}

const coordinatorSynopsis = `Runs a coordinator: it serves the job API, takes part in the leader election
in etcd and, while leading, splits jobs into tasks for the registered workers.
Several coordinators may run; one leads, the others wait. Uploaded datasets
and results go to the blob store (--blob-url), their SHA-256 and size to etcd.

The leader keeps etcd bounded: it deletes a finished job's checkpoints once
its result is stored, a finished job and its results after --retention, a
dataset with the last job that uses it; it compacts etcd's history every
--compact-interval and, if etcd's database reaches its quota (NOSPACE alarm;
new jobs are refused meanwhile), compacts, defragments and disarms the alarm
once space is freed. Tokens (--token-file) are lines name:token, or
name:token:admin for a name that may see and manage every job; a token
alone is named "default". A job belongs to the name that submitted it.

Shutdown on SIGINT/SIGTERM: stop leading (finished tasks are already in etcd),
resign so that a standby takes over at once, let open API calls finish (5 s),
stop the metrics server, close the blob store and the etcd client.`

func runCoordinator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f commonFlags
	fs := newFlagSet("coordinator", coordinatorSynopsis, stderr)
	f.register(fs, "127.0.0.1:7070", "127.0.0.1:9470")
	taskTarget := fs.Duration("task-target", time.Second, "duration a bootstrap task should take")
	sessionTTL := fs.Duration("session-ttl", 5*time.Second, "leadership lease: a standby takes over this long after the leader dies")
	tokenFile := fs.String("token-file", "", "bearer tokens of the job API, one per line: name:token, name:token:admin (sees and manages every job) or a token alone, named default (required with TLS)")
	workerName := fs.String("worker-server-name", "thresher-worker", "name the workers' certificates are verified under")
	maxDataset := fs.Int("max-dataset-bytes", defaultMaxDatasetBytes, "largest dataset a client may upload")
	maxWork := workFlag(jobspec.DefaultMaxWork)
	fs.Var(&maxWork, "max-work", "refuse at submission a job whose estimated work exceeds this many units (see 'thresher xthreg --help')")
	var lc lifecycleFlags
	lc.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := lc.check(); err != nil {
		return err
	}
	if err := f.security(); err != nil {
		return err
	}
	if err := f.identify(ctx, identity.RoleCoordinator); err != nil {
		return err
	}
	var serverOpts []grpc.ServerOption
	dialOpts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(security.DialLoopbackOnly)}
	if !f.insecure {
		if *tokenFile == "" {
			return fmt.Errorf("%w: --token-file is required with TLS", errUsage)
		}
		tokens, err := security.WatchTokens(ctx, *tokenFile)
		if err != nil {
			return err
		}
		server, err := f.tls.Server(ctx, security.Peer{})
		if err != nil {
			return err
		}
		client, err := f.tls.Client(ctx, *workerName, security.Peer{ClusterID: f.id, Role: identity.RoleWorker})
		if err != nil {
			return err
		}
		serverOpts = append(tokens.ServerOptions(), grpc.Creds(server))
		dialOpts = []grpc.DialOption{grpc.WithTransportCredentials(client)}
	}
	return f.serve(ctx, stderr, "coordinator", "", blobstore.Options{}, func(log *slog.Logger, cli *clientv3.Client, blobs *blobstore.Store, reg prometheus.Registerer) (service, error) {
		return coordinator.New(coordinator.Config{Listen: f.listen, Advertise: f.advertise, Etcd: cli, Blobs: blobs,
			Prefix: keys.Prefix(f.prefix), TaskTarget: *taskTarget, SessionTTL: *sessionTTL, Registerer: reg, Logger: log,
			MaxDatasetBytes: *maxDataset, MaxWork: float64(maxWork), ServerOptions: serverOpts, DialOptions: dialOpts,
			Retention: lc.retention, JanitorInterval: lc.janitor, DatasetGrace: lc.grace, CompactInterval: lc.compact,
			DefragInterval: lc.defrag})
	})
}

// lifecycleFlags bound the coordinator's state in etcd (coordinator.Config).
type lifecycleFlags struct {
	retention, janitor, grace, compact, defrag time.Duration
}

func (l *lifecycleFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&l.retention, "retention", coordinator.DefaultRetention,
		"delete a finished job and its results this long after it ended (a job may ask for its own at submission)")
	fs.DurationVar(&l.janitor, "janitor-interval", 30*time.Second,
		"how often the leader deletes expired jobs and unused datasets and checks etcd's NOSPACE alarm")
	fs.DurationVar(&l.grace, "dataset-grace", time.Hour, "keep a dataset no job uses (uploaded, not yet submitted) this long")
	fs.DurationVar(&l.compact, "compact-interval", 5*time.Minute, "compact etcd's history this often, keeping the last interval's")
	fs.DurationVar(&l.defrag, "defrag-interval", 0,
		"defragment every etcd member this often (for an external etcd; 0: only to recover from the NOSPACE alarm)")
}

func (l *lifecycleFlags) check() error {
	for _, d := range []struct {
		name string
		v    time.Duration
		zero bool
	}{{"retention", l.retention, false}, {"janitor-interval", l.janitor, false}, {"dataset-grace", l.grace, false},
		{"compact-interval", l.compact, false}, {"defrag-interval", l.defrag, true}} {
		if d.v < 0 && d.zero {
			return fmt.Errorf("%w: --%s must not be negative, not %v", errUsage, d.name, d.v)
		}
		if d.v <= 0 && !d.zero {
			return fmt.Errorf("%w: --%s must be positive, not %v", errUsage, d.name, d.v)
		}
	}
	return nil
}

// service is a long-running coordinator or worker.
type service interface {
	Run(context.Context) error
	Ready(context.Context) error
	Addr() string
}

// serve opens the log, the etcd client and the blob store, builds the
// service with them and a registry, serves its metrics and runs it until
// ctx ends; the metrics server stops, its answers written, then the blob
// store and the etcd client close.
//
// With a controlSocket, POST /drain on it ends Run as SIGTERM would and
// answers when Run has returned.
func (f *commonFlags) serve(ctx context.Context, stderr io.Writer, name, controlSocket string, blobOpts blobstore.Options,
	build func(*slog.Logger, *clientv3.Client, *blobstore.Store, prometheus.Registerer) (service, error)) error {
	log, err := f.logger(stderr)
	if err != nil {
		return err
	}
	cli, err := f.etcdClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if err := f.claimCluster(ctx, cli, log); err != nil {
		return err
	}
	blobs, err := f.blobStore(ctx, blobOpts)
	if err != nil {
		return err
	}
	defer blobs.Close()
	reg := newRegistry()
	svc, err := build(log, cli, blobs, reg)
	if err != nil {
		return err
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	ran := make(chan struct{})
	drain := func(req context.Context) error {
		stopRun()
		select {
		case <-ran:
			return nil
		case <-req.Done():
			return req.Err()
		}
	}
	stopControl, err := serveControl(controlSocket, drain, log)
	if err != nil {
		return err
	}
	// After Run returns (close(ran)), /drain's answer is written before
	// the process goes on to exit.
	defer stopControl()
	maddr, stopMetrics, err := serveMetrics(f.metricsListen, reg, svc.Ready, f.pprof, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	log.Info(name+" started", "address", svc.Addr(), "metrics", maddr, "control", controlSocket, "etcd", strings.Join(f.etcd, ","),
		"blobs", blobstore.Redact(f.blobURL))
	defer close(ran)
	return svc.Run(runCtx)
}

const workerSynopsis = `Runs a worker: it registers in etcd under a lease and executes the tasks the
leading coordinator sends, on datasets read from the blob store (--blob-url).

Shutdown on SIGINT/SIGTERM, or 'thresher worker drain --control-socket PATH'
on the same machine (the Kubernetes preStop hook; it answers when draining
is over), drains: refuse new tasks and tell the coordinator, let running
tasks finish (--drain-timeout), hand back the rest, delete the registration,
stop the gRPC server, stop the metrics server, close the blob store and the
etcd client.`

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "drain" {
		return runWorkerDrain(ctx, args[1:], stdout, stderr)
	}
	var f commonFlags
	fs := newFlagSet("worker", workerSynopsis, stderr)
	f.register(fs, "127.0.0.1:0", "127.0.0.1:0")
	id := fs.String("id", "", "worker id in etcd (default: host-pid)")
	slots := fs.Int("slots", 0, "tasks run at once (default: number of CPUs)")
	drain := fs.Duration("drain-timeout", 30*time.Second, "time running tasks get to finish at shutdown")
	controlSocket := fs.String("control-socket", "", controlSocketUsage)
	leaseTTL := fs.Duration("lease-ttl", 5*time.Second, "registration lease: the coordinator requeues a dead worker's tasks this long after it dies")
	var cache blobstore.Options
	fs.StringVar(&cache.CacheDir, "blob-cache-dir", "", "keep the datasets read from the blob store in this directory (empty: no disk cache; "+
		"parsed datasets are cached in memory either way)")
	cacheBytes := 1 << 30
	fs.Var(intValue{&cacheBytes, 1, math.MaxInt}, "blob-cache-bytes", "bound of --blob-cache-dir; the least recently read datasets go first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cache.CacheBytes = int64(cacheBytes)
	if *leaseTTL < time.Second {
		return fmt.Errorf("%w: --lease-ttl must be at least 1s, not %v", errUsage, *leaseTTL)
	}
	if err := f.security(); err != nil {
		return err
	}
	if err := f.identify(ctx, identity.RoleWorker); err != nil {
		return err
	}
	var serverOpts []grpc.ServerOption
	if !f.insecure {
		// Mutual TLS: only coordinators with a coordinator's certificate of
		// the cluster's CA may send tasks.
		server, err := f.tls.Server(ctx, security.Peer{ClusterID: f.id, Role: identity.RoleCoordinator})
		if err != nil {
			return err
		}
		serverOpts = []grpc.ServerOption{grpc.Creds(server)}
	}
	return f.serve(ctx, stderr, "worker", *controlSocket, cache, func(log *slog.Logger, cli *clientv3.Client, blobs *blobstore.Store, reg prometheus.Registerer) (service, error) {
		return worker.New(worker.Config{ID: *id, Listen: f.listen, Advertise: f.advertise, Etcd: cli, Blobs: blobs,
			Prefix: keys.Prefix(f.prefix), Slots: *slots, DrainTimeout: *drain, LeaseTTL: *leaseTTL, Registerer: reg, Logger: log, Version: version,
			ServerOptions: serverOpts})
	})
}

const certsSynopsis = `Creates a new cluster's id (--cluster-id, or a random one), a development CA,
one certificate it signs for each role, coordinator, worker and client
(server and client use; names localhost, 127.0.0.1, ::1,
thresher-coordinator, thresher-worker, coordinator and --hosts) and a file
with one random bearer token, in --dir:

  ca.pem ca-key.pem coordinator.pem coordinator-key.pem worker.pem
  worker-key.pem client.pem client-key.pem tokens.txt

The CA carries the cluster id as the URI SAN thresher://<id>, each
certificate its role too, thresher://<id>/<role>. A coordinator or worker
refuses a certificate of another role, checks its peers' roles (workers take
tasks only from coordinators, coordinators send them only to workers,
clients submit only to coordinators), stores the cluster id under its etcd
prefix on first start and refuses a prefix that holds another cluster's id.

Then: coordinator --tls-cert coordinator.pem --tls-key coordinator-key.pem
--tls-ca ca.pem --token-file tokens.txt; worker --tls-cert worker.pem
--tls-key worker-key.pem --tls-ca ca.pem; client --tls-ca ca.pem
--tls-server-name thresher-coordinator --token-file tokens.txt.

With --renew, new role certificates signed by the CA in --dir replace the old
ones; running processes read certificates, keys and token files again when
they change, so rotation needs no restart. For production, use your own PKI
with the same URI SANs.`

func runCerts(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("certs", certsSynopsis, stderr)
	dir := fs.String("dir", "thresher-certs", "directory to create the files in")
	var hosts listFlag
	fs.Var(&hosts, "hosts", "extra DNS names or IPs for the certificate, comma-separated")
	validity := fs.Duration("validity", 365*24*time.Hour, "validity of the certificates")
	clusterID := fs.String("cluster-id", "", "id of the new cluster: lower-case letters, digits, '-' and '.' (default: 16 random hex digits)")
	renew := fs.Bool("renew", false, "issue new role certificates with the CA already in --dir (rotation; running processes take them up without a restart)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *renew {
		if *clusterID != "" {
			return fmt.Errorf("%w: --renew keeps the CA's cluster id; drop --cluster-id", errUsage)
		}
		if err := security.RenewDevCerts(*dir, hosts, *validity); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "renewed the certificates of the coordinator, worker and client roles in %s\n", *dir)
		return err
	}
	if *clusterID == "" {
		*clusterID = identity.NewID()
	}
	if err := identity.Check(*clusterID); err != nil {
		return fmt.Errorf("%w: --cluster-id: %v", errUsage, err)
	}
	if err := checkOutDir("dir", *dir); err != nil {
		return err
	}
	if err := security.WriteDevCerts(*dir, *clusterID, hosts, *validity); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "wrote a development CA, the certificates of the coordinator, worker and client roles and a token file of cluster %s to %s\n", *clusterID, *dir)
	return err
}
