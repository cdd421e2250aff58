package security

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	"google.golang.org/grpc/credentials"

	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/internal/ctxio"
)

// TLSFiles names a PEM certificate, its key and the CA bundle that signs the
// cluster's certificates.
type TLSFiles struct {
	Cert, Key, CA string
}

// Enabled reports whether any file is set.
func (f TLSFiles) Enabled() bool { return f.Cert != "" || f.Key != "" || f.CA != "" }

// maxFileBytes bounds a certificate, key, CA bundle or token file: a
// device or a FIFO given by mistake is refused there.
const maxFileBytes = 1 << 20

// readFile reads a small file of the cluster's security, stopping when ctx
// ends (a FIFO without a writer).
func readFile(ctx context.Context, path string) ([]byte, error) {
	return ctxio.ReadFile(ctx, path, maxFileBytes)
}

func (f TLSFiles) load(ctx context.Context, needPair bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.Cert != "" || f.Key != "" {
		// Served from the files at every handshake: rotation without
		// restart (keyPair).
		pair, err := loadKeyPair(ctx, f.Cert, f.Key)
		if err != nil {
			return nil, err
		}
		cfg.GetCertificate = func(h *tls.ClientHelloInfo) (*tls.Certificate, error) { return pair.get(h.Context()) }
		cfg.GetClientCertificate = func(r *tls.CertificateRequestInfo) (*tls.Certificate, error) { return pair.get(r.Context()) }
	} else if needPair {
		return nil, errors.New("tls: a certificate and its key are required")
	}
	if f.CA != "" {
		pem, err := readFile(ctx, f.CA)
		if err != nil {
			return nil, fmt.Errorf("tls: CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls: CA bundle %s holds no PEM certificate", f.CA)
		}
		cfg.RootCAs, cfg.ClientCAs = pool, pool
	}
	return cfg, nil
}

// Peer is what a TLS peer's certificate must name (package identity): its
// cluster (any when ClusterID is empty) and its Role. The zero Peer checks
// nothing beyond the CA.
type Peer struct {
	ClusterID, Role string
}

// verify makes cfg refuse a peer whose leaf certificate is not of p.
func (p Peer) verify(cfg *tls.Config) {
	if p.Role == "" {
		return
	}
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("tls: the peer presented no certificate; want role %s", p.Role)
		}
		if err := identity.CheckRole(cs.PeerCertificates[0], p.ClusterID, p.Role); err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		return nil
	}
}

// Server returns server credentials. With a peer role, clients must present
// a certificate signed by the CA and naming that role (mutual TLS);
// without one, clients present none (they authenticate with tokens).
// Reading the files stops when ctx ends.
func (f TLSFiles) Server(ctx context.Context, peer Peer) (credentials.TransportCredentials, error) {
	cfg, err := f.load(ctx, true)
	if err != nil {
		return nil, err
	}
	if peer.Role != "" {
		if cfg.ClientCAs == nil {
			return nil, errors.New("tls: mutual TLS needs a CA bundle to verify clients")
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		peer.verify(cfg)
	}
	return credentials.NewTLS(cfg), nil
}

// Client returns client credentials that verify the server against the CA
// (or the system roots when none is set) under serverName (empty: the
// host dialled) and, with a peer role, that its certificate names it,
// presenting the certificate when one is set. Reading the files stops when
// ctx ends.
func (f TLSFiles) Client(ctx context.Context, serverName string, peer Peer) (credentials.TransportCredentials, error) {
	cfg, err := f.load(ctx, false)
	if err != nil {
		return nil, err
	}
	cfg.ServerName = serverName
	peer.verify(cfg)
	return credentials.NewTLS(cfg), nil
}

// IsLoopback reports whether a HOST:PORT address names a loopback interface
// (127.0.0.0/8, ::1 or localhost). An empty host, which listens everywhere,
// is not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DialLoopbackOnly dials addr only if it is a loopback address: the
// dialer of plaintext connections, so that an insecure process never sends
// unencrypted traffic off the machine, whatever address a peer registered.
func DialLoopbackOnly(ctx context.Context, addr string) (net.Conn, error) {
	if !IsLoopback(addr) {
		return nil, fmt.Errorf("refusing a plaintext connection to %q: without TLS only loopback addresses are dialled", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// Config returns a client tls.Config (for clients that are not gRPC, such
// as the etcd client), reading the files until ctx ends.
func (f TLSFiles) Config(ctx context.Context) (*tls.Config, error) { return f.load(ctx, false) }
