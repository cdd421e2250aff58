package etcdserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/storage"
	"go.uber.org/zap"

	"github.com/thresher/thresher/cluster/security"
)

// Config configures an embedded etcd member.
type Config struct {
	// Name of the member; default "thresher".
	Name string
	// PeerListen is the peer address HOST:PORT (default: the client host,
	// any free port). A member of a multi-member cluster needs a fixed one.
	PeerListen string
	// InitialCluster lists the members as name=http://host:port,...; empty
	// starts a single-member cluster. InitialClusterState is "new" (default)
	// or "existing".
	InitialCluster      string
	InitialClusterState string
	// DataDir holds the member's data; a restart with the same directory
	// keeps every key.
	DataDir string
	// Listen is the client address HOST:PORT; port 0 picks a free port.
	Listen string
	// ClientTLS, when its certificate and key are set, serves clients over
	// TLS (https); with a CA as well, clients must present a certificate
	// that CA signed. Peer traffic is unchanged.
	ClientTLS security.TLSFiles
	// BackendBytes is the quota of the member's database (default
	// DefaultBackendBytes); the member maps 10% more of address space for
	// it, and Start fails with ErrAddressSpace when that does not fit under
	// the process's ulimit -v.
	BackendBytes int64
	// DefragInterval, when positive, defragments the member's database this
	// often, returning the space of deleted and compacted keys to the file
	// system (and below the quota).
	DefragInterval time.Duration
	// Fast shortens heartbeats and elections (10 ms / 100 ms) for tests and
	// the in-process cluster.
	Fast bool
	// Logger receives etcd's log; nil discards it (fatal errors still
	// reach Err and Start's error).
	Logger *zap.Logger
}

// DefaultBackendBytes is the default database quota: 1 GiB, mapped as
// 1.1 GiB. (etcd's own default quota of 2 GiB maps 10 GiB, which fails
// under the address-space limits of common batch systems.)
const DefaultBackendBytes = 1 << 30

// Server is a running embedded etcd.
type Server struct {
	etcd      *embed.Etcd
	endpoint  string
	closeOnce sync.Once
	stop      chan struct{}
	defrags   sync.WaitGroup
}

// Start starts the server and waits until it serves clients.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("etcd: a data directory is required")
	}
	if cfg.Name == "" {
		cfg.Name = "thresher"
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("etcd: listen address %q: %w", cfg.Listen, err)
	}
	scheme := "http"
	if cfg.ClientTLS.Enabled() {
		if cfg.ClientTLS.Cert == "" || cfg.ClientTLS.Key == "" {
			return nil, errors.New("etcd: client TLS needs a certificate and a key")
		}
		// etcd reads the files by path at every handshake, without a
		// bound or a way to stop: a FIFO would hang it, a device fill
		// memory.
		for _, path := range []string{cfg.ClientTLS.Cert, cfg.ClientTLS.Key, cfg.ClientTLS.CA} {
			if fi, err := os.Stat(path); path != "" && err == nil && !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("etcd: client TLS: %s is not a regular file (etcd reads it again at every handshake)", path)
			}
		}
		scheme = "https"
	}
	client, err := url.Parse(scheme + "://" + cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("etcd: listen address %q: %w", cfg.Listen, err)
	}
	peerAddr := cfg.PeerListen
	if peerAddr == "" {
		peerAddr = net.JoinHostPort(host, "0")
	}
	peer, err := url.Parse("http://" + peerAddr)
	if err != nil {
		return nil, fmt.Errorf("etcd: peer address %q: %w", peerAddr, err)
	}
	ec := embed.NewConfig()
	ec.Name = cfg.Name
	ec.Dir = cfg.DataDir
	ec.ListenClientUrls = []url.URL{*client}
	ec.AdvertiseClientUrls = []url.URL{*client}
	ec.ListenPeerUrls = []url.URL{*peer}
	ec.AdvertisePeerUrls = []url.URL{*peer}
	ec.InitialCluster = ec.InitialClusterFromName(cfg.Name)
	if cfg.InitialCluster != "" {
		ec.InitialCluster = cfg.InitialCluster
	}
	if cfg.InitialClusterState != "" {
		ec.ClusterState = cfg.InitialClusterState
	}
	if scheme == "https" {
		ec.ClientTLSInfo = transport.TLSInfo{CertFile: cfg.ClientTLS.Cert, KeyFile: cfg.ClientTLS.Key,
			TrustedCAFile: cfg.ClientTLS.CA, ClientCertAuth: cfg.ClientTLS.CA != ""}
	}
	ec.MaxRequestBytes = 8 << 20
	if ec.QuotaBackendBytes, err = backendQuota(cfg.BackendBytes); err != nil {
		return nil, err
	}
	if cfg.Fast {
		ec.TickMs, ec.ElectionMs = 10, 100
	}
	logger := cfg.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(logger)
	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("etcd: start: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcd: %w", err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, errors.New("etcd: not ready after 60 s")
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	s := &Server{etcd: e, endpoint: e.Clients[0].Addr().String(), stop: make(chan struct{})}
	if cfg.DefragInterval > 0 {
		s.defrags.Add(1)
		go s.defragment(cfg.DefragInterval, logger)
	}
	return s, nil
}

// defragment defragments the database every interval until Close.
func (s *Server) defragment(interval time.Duration, log *zap.Logger) {
	defer s.defrags.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if err := s.etcd.Server.Defragment(); err != nil {
			log.Warn("scheduled defragmentation failed", zap.Error(err))
		}
	}
}

// backendQuota returns the quota to give etcd for a requested one, after
// checking that its map fits in the address space.
func backendQuota(bytes int64) (int64, error) {
	switch {
	case bytes == 0:
		bytes = DefaultBackendBytes
	case bytes < 0:
		return 0, fmt.Errorf("etcd: negative backend quota %d", bytes)
	case bytes == storage.DefaultQuotaBytes:
		// etcd maps 10 GiB for exactly its default quota; one page less
		// maps 10% more than the quota, as for any other.
		bytes -= 4096
	}
	if err := checkAddressSpace(uint64(bytes + bytes/10)); err != nil {
		return 0, fmt.Errorf("etcd: %w", err)
	}
	return bytes, nil
}

// Endpoint returns the client address HOST:PORT actually listened on.
func (s *Server) Endpoint() string { return s.endpoint }

// Err reports a fatal server error.
func (s *Server) Err() <-chan error { return s.etcd.Err() }

// Close stops the scheduled defragmentation and the server; further calls
// do nothing (embed.Etcd.Close panics when called twice).
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.defrags.Wait()
		s.etcd.Close()
	})
}
