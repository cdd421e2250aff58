package security

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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

// DevFiles are the files WriteDevCerts creates in its directory.
var DevFiles = struct{ CA, CAKey, Cert, Key, Tokens string }{"ca.pem", "ca-key.pem", "node.pem", "node-key.pem", "tokens.txt"}

// WriteDevCerts creates, in dir, a development CA of the cluster clusterID,
// one certificate signed by it for every coordinator and worker (server and
// client use; SANs: localhost, 127.0.0.1, ::1, thresher-coordinator,
// thresher-worker, coordinator and the given hosts, names or IPs) and a
// file with one random bearer token. The CA and the certificate carry the
// cluster's id as the URI SAN thresher://<id> (package identity), and the
// CA's subject names it. Keys are ECDSA P-256 and written with mode 0600.
// Existing files are not overwritten.
func WriteDevCerts(dir, clusterID string, hosts []string, validity time.Duration) error {
	if err := identity.Check(clusterID); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, f := range []string{DevFiles.CA, DevFiles.CAKey, DevFiles.Cert, DevFiles.Key, DevFiles.Tokens} {
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
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "thresher node"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		URIs:        []*url.URL{identity.URI(clusterID)},
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
		return err
	}
	token := make([]byte, 32)
	rand.Read(token)
	writes := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{DevFiles.CA, pemBlock("CERTIFICATE", caDER), 0o644},
		{DevFiles.CAKey, keyPEM(caKey), 0o600},
		{DevFiles.Cert, pemBlock("CERTIFICATE", der), 0o644},
		{DevFiles.Key, keyPEM(key), 0o600},
		{DevFiles.Tokens, []byte("# bearer tokens of the job API, one per line\n" + base64.RawURLEncoding.EncodeToString(token) + "\n"), 0o600},
	}
	for _, w := range writes {
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
