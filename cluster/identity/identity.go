package identity

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"

	"regexp"
	"slices"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/internal/ctxio"
)

// Scheme is the URI scheme of a cluster's id in a certificate.
const Scheme = "thresher"

// ErrOtherCluster is returned by Claim when the prefix holds another
// cluster's id.
var ErrOtherCluster = errors.New("the etcd prefix belongs to another cluster")

// validID is the form of a cluster id: what NewID makes, or a name an
// operator chose (letters, digits, '-', '.', up to 63 characters).
var validID = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$`)

// Check reports whether id is a valid cluster id.
func Check(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("cluster id %q: want lower-case letters, digits, '-' and '.', 1 to 63 characters", id)
	}
	return nil
}

// NewID returns a random cluster id of 16 hex digits.
func NewID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// URI is the URI SAN that names cluster id in a certificate:
// thresher://<id>.
func URI(id string) *url.URL { return &url.URL{Scheme: Scheme, Host: id} }

// FromCertificate returns the cluster id of a certificate's first
// thresher:// URI SAN, or "" when it has none.
func FromCertificate(cert *x509.Certificate) string {
	for _, u := range cert.URIs {
		if u.Scheme == Scheme {
			return u.Host
		}
	}
	return ""
}

// maxPEMBytes bounds a certificate file: a device or a FIFO given by
// mistake is refused there.
const maxPEMBytes = 1 << 20

// ReadCertificate reads the first certificate of a PEM file, of at most
// 1 MiB, stopping when ctx ends (a FIFO without a writer).
func ReadCertificate(ctx context.Context, path string) (*x509.Certificate, error) {
	raw, err := ctxio.ReadFile(ctx, path, maxPEMBytes)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("certificate: %s holds no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certificate: %s: %w", path, err)
	}
	return cert, nil
}

// Claim stores id under prefix if the prefix holds no id yet, in one
// transaction, and returns nil if the prefix now holds id. A prefix that
// holds another id gives ErrOtherCluster, with both ids in the message.
func Claim(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, id string) error {
	if err := Check(id); err != nil {
		return err
	}
	key := prefix.ClusterID()
	resp, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, id)).Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return fmt.Errorf("cluster id: claim %s: %w", key, err)
	}
	if resp.Succeeded {
		return nil
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 1 && string(kvs[0].Value) == id {
		return nil
	}
	held := ""
	if len(kvs) == 1 {
		held = string(kvs[0].Value)
	}
	return fmt.Errorf("%w: etcd prefix %s holds cluster id %q, not %q (this process's --cluster-id or certificate); "+
		"use the certificates of that cluster, or another --prefix", ErrOtherCluster, prefix, held, id)
}

// The roles a certificate of a cluster names: thresher://<id>/<role>.
const (
	// RoleCoordinator serves the Jobs API, leads and sends tasks.
	RoleCoordinator = "coordinator"
	// RoleWorker registers and executes tasks.
	RoleWorker = "worker"
	// RoleClient submits jobs; it serves nothing.
	RoleClient = "client"
)

// RoleURI is the URI SAN of a certificate of cluster id for role:
// thresher://<id>/<role>.
func RoleURI(id, role string) *url.URL { return &url.URL{Scheme: Scheme, Host: id, Path: "/" + role} }

// RoleOf returns the role of a certificate's first thresher:// URI SAN, or
// "" when it names none.
func RoleOf(cert *x509.Certificate) string {
	for _, u := range cert.URIs {
		if u.Scheme == Scheme {
			return strings.TrimPrefix(u.Path, "/")
		}
	}
	return ""
}

// CheckRole accepts a certificate of cluster id (any cluster when id is
// "") whose role is one of roles.
func CheckRole(cert *x509.Certificate, id string, roles ...string) error {
	got, role := FromCertificate(cert), RoleOf(cert)
	if id != "" && got != id {
		return fmt.Errorf("certificate %q is of cluster %q, not %q", cert.Subject.CommonName, got, id)
	}
	if !slices.Contains(roles, role) {
		return fmt.Errorf("certificate %q has role %q (URI SAN thresher://<cluster-id>/<role>); want %s",
			cert.Subject.CommonName, role, strings.Join(roles, " or "))
	}
	return nil
}
