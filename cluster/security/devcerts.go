package security

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/internal/outfile"
)

// Names every development certificate carries besides the hosts given:
// clients and coordinators verify coordinators and workers under these
// names (--tls-server-name), so pod IPs need not be known in advance.
var devNames = []string{"localhost", "thresher-coordinator", "thresher-worker", "coordinator"}

// DevFiles are the files WriteDevCerts creates in its directory besides
// each role's certificate and key (DevCert).
var DevFiles = struct{ CA, CAKey, Tokens string }{"ca.pem", "ca-key.pem", "tokens.txt"}

// DevRoles are the roles WriteDevCerts issues a certificate for.
var DevRoles = []string{identity.RoleCoordinator, identity.RoleWorker, identity.RoleClient}

// DevCert returns the file names of the certificate and key of a role:
// worker.pem and worker-key.pem.
func DevCert(role string) (cert, key string) { return role + ".pem", role + "-key.pem" }

// WriteDevCerts creates, in dir, a development CA of the cluster clusterID,
// one certificate it signs for each role (DevRoles: every coordinator,
// every worker, clients; SANs: localhost, 127.0.0.1, ::1,
// thresher-coordinator, thresher-worker, coordinator and the given hosts,
// names or IPs) and a file with one random bearer token. The CA carries the
// cluster's id as the URI SAN thresher://<id>, each certificate its role
// too, thresher://<id>/<role> (package identity); the CA's subject names
// the cluster. Keys are ECDSA P-256 and written with mode 0600. Existing
// files are not overwritten.
func WriteDevCerts(dir, clusterID string, hosts []string, validity time.Duration) error {
	if err := identity.Check(clusterID); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	names := []string{DevFiles.CA, DevFiles.CAKey, DevFiles.Tokens}
	for _, role := range DevRoles {
		cert, key := DevCert(role)
		names = append(names, cert, key)
	}
	for _, f := range names {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("certs: %s exists; remove it or choose another directory", filepath.Join(dir, f))
		}
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "thresher development CA", OrganizationalUnit: []string{"cluster " + clusterID}},
		URIs:      []*url.URL{identity.URI(clusterID)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validity),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	token := make([]byte, 32)
	rand.Read(token)
	writes := []devFile{
		{DevFiles.CA, pemBlock("CERTIFICATE", caDER), 0o644},
		{DevFiles.CAKey, keyPEM(caKey), 0o600},
		{DevFiles.Tokens, []byte("# bearer tokens of the job API, one per line: name:token, name:token:admin, or a token alone (named default)\n" + base64.RawURLEncoding.EncodeToString(token) + "\n"), 0o600},
	}
	roles, err := roleCerts(ca, caKey, clusterID, hosts, validity)
	if err != nil {
		return err
	}
	return writeDevFiles(dir, append(writes, roles...))
}

// RenewDevCerts issues new certificates for every role with the CA of a
// directory WriteDevCerts made, for the same cluster, and replaces the
// role files (each atomically; a process that reads a certificate and a
// key that do not match keeps its last good pair). The CA and the tokens
// stay.
func RenewDevCerts(dir string, hosts []string, validity time.Duration) error {
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, DevFiles.CA), filepath.Join(dir, DevFiles.CAKey))
	if err != nil {
		return fmt.Errorf("certs: the CA of %s: %w", dir, err)
	}
	ca, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return fmt.Errorf("certs: the CA of %s: %w", dir, err)
	}
	caKey, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return fmt.Errorf("certs: the CA key of %s is not ECDSA", dir)
	}
	clusterID := identity.FromCertificate(ca)
	if err := identity.Check(clusterID); err != nil {
		return fmt.Errorf("certs: the CA of %s names no cluster: %w", dir, err)
	}
	roles, err := roleCerts(ca, caKey, clusterID, hosts, validity)
	if err != nil {
		return err
	}
	return writeDevFiles(dir, roles)
}

// devFile is a file of a development CA's directory.
type devFile struct {
	name string
	data []byte
	mode os.FileMode
}

// roleCerts issues a certificate and key for each of DevRoles, signed by
// ca: keys before certificates, so that a process reading them in between
// sees a mismatch it ignores rather than an old key for a new certificate.
func roleCerts(ca *x509.Certificate, caKey *ecdsa.PrivateKey, clusterID string, hosts []string, validity time.Duration) ([]devFile, error) {
	now := time.Now()
	var files []devFile
	for _, role := range DevRoles {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(), Subject: pkix.Name{CommonName: "thresher " + role, OrganizationalUnit: []string{"cluster " + clusterID}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validity),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
			URIs:        []*url.URL{identity.RoleURI(clusterID, role)},
		}
		for _, h := range append(append([]string{}, devNames...), hosts...) {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else if h != "" {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		cert, keyFile := DevCert(role)
		files = append(files, devFile{keyFile, keyPEM(key), 0o600}, devFile{cert, pemBlock("CERTIFICATE", der), 0o644})
	}
	return files, nil
}

// writeDevFiles writes files into dir, each replaced atomically.
func writeDevFiles(dir string, files []devFile) error {
	for _, w := range files {
		if err := outfile.Write(context.Background(), filepath.Join(dir, w.name), w.data, w.mode); err != nil {
			return err
		}
	}
	return nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

func keyPEM(k *ecdsa.PrivateKey) []byte {
	der, _ := x509.MarshalECPrivateKey(k)
	return pemBlock("EC PRIVATE KEY", der)
}
