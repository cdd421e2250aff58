package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
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

	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/jobspec"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/security"
	"github.com/thresher/thresher/coordinator"
	"github.com/thresher/thresher/worker"
)

// commonFlags are shared by the coordinator and worker commands.
type commonFlags struct {
	etcd          listFlag
	listen        string
	advertise     string
	metricsListen string
	prefix        string
	logLevel      string
	logFormat     string
	tls           security.TLSFiles
	insecure      bool
	etcdTLS       security.TLSFiles
	etcdUser      string
	etcdPassword  string // file holding the password
}

func (f *commonFlags) register(fs *flag.FlagSet, listen, metrics string) {
	f.etcd = listFlag{"127.0.0.1:2379"}
	fs.Var(&f.etcd, "etcd", "etcd endpoints HOST:PORT, comma-separated")
	fs.StringVar(&f.listen, "listen", listen, "gRPC listen address HOST:PORT (port 0: any free port)")
	fs.StringVar(&f.advertise, "advertise", "", "address other processes use to reach this one (default: the address listened on)")
	fs.StringVar(&f.metricsListen, "metrics-listen", metrics, "HTTP address of /metrics, /healthz and /readyz (empty: none)")
	fs.StringVar(&f.prefix, "prefix", string(keys.Default), "etcd key prefix of the cluster")
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

func (f *commonFlags) etcdClient() (*clientv3.Client, error) {
	// Keepalive pings find an endpoint that stopped answering without
	// closing the connection (a partitioned or isolated member): without
	// them the client waits on it forever instead of using another member.
	// gRPC pings at most every 10 s.
	cfg := clientv3.Config{Endpoints: f.etcd, DialTimeout: 5 * time.Second, DialKeepAliveTime: 10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second, Logger: zap.NewNop(), Username: f.etcdUser}
	if f.etcdTLS.Enabled() {
		tc, err := f.etcdTLS.Config()
		if err != nil {
			return nil, fmt.Errorf("etcd TLS: %w", err)
		}
		cfg.TLS = tc
	}
	if f.etcdPassword != "" {
		raw, err := os.ReadFile(f.etcdPassword)
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
// and /readyz (ready() succeeds) until stop is called, and, when drain is not
// nil, /drain: it calls drain and answers once drain returns (a Kubernetes
// preStop hook, so that the pod is deregistered before it is sent SIGTERM).
// Stop shuts the server down gracefully and returns when the answers in
// flight, such as /drain's, are written (2 s at most).
func serveMetrics(addr string, reg *prometheus.Registry, ready, drain func(context.Context) error, log *slog.Logger) (string, func(), error) {
	if addr == "" {
		return "", func() {}, nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := ready(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	if drain != nil {
		mux.HandleFunc("/drain", func(w http.ResponseWriter, r *http.Request) {
			log.Info("drain requested", "remote", r.RemoteAddr)
			if err := drain(r.Context()); err != nil {
				http.Error(w, "drain: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "drained\n")
		})
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
Several coordinators may run; one leads, the others wait.

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
stop the metrics server, close the etcd client.`

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
	var serverOpts []grpc.ServerOption
	dialOpts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(security.DialLoopbackOnly)}
	if !f.insecure {
		if *tokenFile == "" {
			return fmt.Errorf("%w: --token-file is required with TLS", errUsage)
		}
		tokens, err := security.LoadTokens(*tokenFile)
		if err != nil {
			return err
		}
		server, err := f.tls.Server(false)
		if err != nil {
			return err
		}
		client, err := f.tls.Client(*workerName)
		if err != nil {
			return err
		}
		serverOpts = append(tokens.ServerOptions(), grpc.Creds(server))
		dialOpts = []grpc.DialOption{grpc.WithTransportCredentials(client)}
	}
	return f.serve(ctx, stderr, "coordinator", false, func(log *slog.Logger, cli *clientv3.Client, reg prometheus.Registerer) (service, error) {
		return coordinator.New(coordinator.Config{Listen: f.listen, Advertise: f.advertise, Etcd: cli,
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

// serve opens the log and the etcd client, builds the service with them and
// a registry, serves its metrics and runs it until ctx ends; the metrics
// server stops, its answers written, then the etcd client closes.
//
// With drainEndpoint, /drain on the metrics address ends Run as SIGTERM
// would and answers when Run has returned.
func (f *commonFlags) serve(ctx context.Context, stderr io.Writer, name string, drainEndpoint bool,
	build func(*slog.Logger, *clientv3.Client, prometheus.Registerer) (service, error)) error {
	log, err := f.logger(stderr)
	if err != nil {
		return err
	}
	cli, err := f.etcdClient()
	if err != nil {
		return err
	}
	defer cli.Close()
	reg := newRegistry()
	svc, err := build(log, cli, reg)
	if err != nil {
		return err
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	ran := make(chan struct{})
	var drain func(context.Context) error
	if drainEndpoint {
		drain = func(req context.Context) error {
			stopRun()
			select {
			case <-ran:
				return nil
			case <-req.Done():
				return req.Err()
			}
		}
	}
	maddr, stopMetrics, err := serveMetrics(f.metricsListen, reg, svc.Ready, drain, log)
	if err != nil {
		return err
	}
	// After Run returns (close(ran)), /drain's answer is written before
	// the process goes on to exit.
	defer stopMetrics()
	log.Info(name+" started", "address", svc.Addr(), "metrics", maddr, "etcd", strings.Join(f.etcd, ","))
	defer close(ran)
	return svc.Run(runCtx)
}

const workerSynopsis = `Runs a worker: it registers in etcd under a lease and executes the tasks the
leading coordinator sends.

Shutdown on SIGINT/SIGTERM, or a request to /drain on --metrics-listen (the
Kubernetes preStop hook; it answers when draining is over), drains: refuse
new tasks and tell the coordinator, let running tasks finish
(--drain-timeout), hand back the rest, delete the registration, stop the
gRPC server, stop the metrics server, close the etcd client.`

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f commonFlags
	fs := newFlagSet("worker", workerSynopsis, stderr)
	f.register(fs, "127.0.0.1:0", "127.0.0.1:0")
	id := fs.String("id", "", "worker id in etcd (default: host-pid)")
	slots := fs.Int("slots", 0, "tasks run at once (default: number of CPUs)")
	drain := fs.Duration("drain-timeout", 30*time.Second, "time running tasks get to finish at shutdown")
	leaseTTL := fs.Duration("lease-ttl", 5*time.Second, "registration lease: the coordinator requeues a dead worker's tasks this long after it dies")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *leaseTTL < time.Second {
		return fmt.Errorf("%w: --lease-ttl must be at least 1s, not %v", errUsage, *leaseTTL)
	}
	if err := f.security(); err != nil {
		return err
	}
	var serverOpts []grpc.ServerOption
	if !f.insecure {
		// Mutual TLS: only coordinators with a certificate of the cluster's
		// CA may send tasks.
		server, err := f.tls.Server(true)
		if err != nil {
			return err
		}
		serverOpts = []grpc.ServerOption{grpc.Creds(server)}
	}
	return f.serve(ctx, stderr, "worker", true, func(log *slog.Logger, cli *clientv3.Client, reg prometheus.Registerer) (service, error) {
		return worker.New(worker.Config{ID: *id, Listen: f.listen, Advertise: f.advertise, Etcd: cli,
			Prefix: keys.Prefix(f.prefix), Slots: *slots, DrainTimeout: *drain, LeaseTTL: *leaseTTL, Registerer: reg, Logger: log, Version: version,
			ServerOptions: serverOpts})
	})
}

const certsSynopsis = `Creates a development CA, one certificate it signs for every coordinator
and worker (server and client use; names localhost, 127.0.0.1, ::1,
thresher-coordinator, thresher-worker, coordinator and --hosts) and a file
with one random bearer token, in --dir:

  ca.pem ca-key.pem node.pem node-key.pem tokens.txt

Then: coordinator --tls-cert node.pem --tls-key node-key.pem --tls-ca ca.pem
--token-file tokens.txt; worker --tls-cert node.pem --tls-key node-key.pem
--tls-ca ca.pem; client --tls-ca ca.pem --tls-server-name thresher-coordinator
--token-file tokens.txt. For production, use your own PKI.`

func runCerts(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("certs", certsSynopsis, stderr)
	dir := fs.String("dir", "thresher-certs", "directory to create the files in")
	var hosts listFlag
	fs.Var(&hosts, "hosts", "extra DNS names or IPs for the certificate, comma-separated")
	validity := fs.Duration("validity", 365*24*time.Hour, "validity of the certificates")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkOutDir("dir", *dir); err != nil {
		return err
	}
	if err := security.WriteDevCerts(*dir, hosts, *validity); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "wrote a development CA, a node certificate and a token file to %s\n", *dir)
	return err
}
