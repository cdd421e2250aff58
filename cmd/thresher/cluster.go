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
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/keys"
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
}

func (f *commonFlags) register(fs *flag.FlagSet, listen, metrics string) {
	f.etcd = listFlag{"127.0.0.1:2379"}
	fs.Var(&f.etcd, "etcd", "etcd endpoints HOST:PORT, comma-separated")
	fs.StringVar(&f.listen, "listen", listen, "gRPC listen address HOST:PORT (port 0: any free port)")
	fs.StringVar(&f.advertise, "advertise", "", "address other processes use to reach this one (default: the address listened on)")
	fs.StringVar(&f.metricsListen, "metrics-listen", metrics, "HTTP address of /metrics, /healthz and /readyz (empty: none)")
	fs.StringVar(&f.prefix, "prefix", string(keys.Default), "etcd key prefix of the cluster")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
}

func (f *commonFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q", errUsage, f.logLevel)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), nil
}

func (f *commonFlags) etcdClient() (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: f.etcd, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("etcd client: %w", err)
	}
	return cli, nil
}

// newRegistry returns a registry with the Go and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// serveMetrics serves /metrics, /healthz (liveness: the process answers)
// and /readyz (ready() succeeds) until ctx ends.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, ready func(context.Context) error, log *slog.Logger) (string, error) {
	if addr == "" {
		return "", nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("metrics listen: %w", err)
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
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	})
	return lis.Addr().String(), nil
}

const etcdSynopsis = `Runs a standalone single-member etcd server (embedded) for a local cluster.
Stop it with SIGINT or SIGTERM; its data stay in --data-dir.`

func runEtcd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("etcd", etcdSynopsis, stderr)
	dataDir := fs.String("data-dir", "thresher-etcd", "data directory")
	listen := fs.String("listen", "127.0.0.1:2379", "client address HOST:PORT (port 0: any free port)")
	name := fs.String("name", "thresher", "member name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	srv, err := etcdserver.Start(ctx, etcdserver.Config{Name: *name, DataDir: *dataDir, Listen: *listen})
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

Shutdown on SIGINT/SIGTERM: stop leading (finished tasks are already in etcd),
resign so that a standby takes over at once, let open API calls finish (5 s),
stop the metrics server, close the etcd client.`

func runCoordinator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f commonFlags
	fs := newFlagSet("coordinator", coordinatorSynopsis, stderr)
	f.register(fs, "127.0.0.1:7070", "127.0.0.1:9470")
	taskTarget := fs.Duration("task-target", time.Second, "duration a bootstrap task should take")
	sessionTTL := fs.Duration("session-ttl", 5*time.Second, "leadership lease: a standby takes over this long after the leader dies")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
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
	co, err := coordinator.New(coordinator.Config{Listen: f.listen, Advertise: f.advertise, Etcd: cli,
		Prefix: keys.Prefix(f.prefix), TaskTarget: *taskTarget, SessionTTL: *sessionTTL, Registerer: reg, Logger: log})
	if err != nil {
		return err
	}
	metricsCtx, stopMetrics := context.WithCancel(context.Background())
	defer stopMetrics()
	maddr, err := serveMetrics(metricsCtx, f.metricsListen, reg, co.Ready, log)
	if err != nil {
		return err
	}
	log.Info("coordinator started", "address", co.Addr(), "metrics", maddr, "etcd", strings.Join(f.etcd, ","))
	return co.Run(ctx)
}

const workerSynopsis = `Runs a worker: it registers in etcd under a lease and executes the tasks the
leading coordinator sends.

Shutdown on SIGINT/SIGTERM drains: refuse new tasks and tell the coordinator,
let running tasks finish (--drain-timeout), hand back the rest, delete the
registration, stop the gRPC server, stop the metrics server, close the etcd
client.`

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f commonFlags
	fs := newFlagSet("worker", workerSynopsis, stderr)
	f.register(fs, "127.0.0.1:0", "127.0.0.1:0")
	id := fs.String("id", "", "worker id in etcd (default: host-pid)")
	slots := fs.Int("slots", 0, "tasks run at once (default: number of CPUs)")
	drain := fs.Duration("drain-timeout", 30*time.Second, "time running tasks get to finish at shutdown")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
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
	w, err := worker.New(worker.Config{ID: *id, Listen: f.listen, Advertise: f.advertise, Etcd: cli,
		Prefix: keys.Prefix(f.prefix), Slots: *slots, DrainTimeout: *drain, Registerer: reg, Logger: log, Version: version})
	if err != nil {
		return err
	}
	metricsCtx, stopMetrics := context.WithCancel(context.Background())
	defer stopMetrics()
	maddr, err := serveMetrics(metricsCtx, f.metricsListen, reg, func(context.Context) error { return w.Ready() }, log)
	if err != nil {
		return err
	}
	log.Info("worker started", "id", w.ID(), "address", w.Addr(), "metrics", maddr)
	return w.Run(ctx)
}
