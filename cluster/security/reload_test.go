package security

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRotationWithoutRestart serves mutual TLS on 127.0.0.1 from one set of
// files, then writes new certificates of the same CA over the server's and
// the client's files: the next handshakes present the new certificates on
// both sides, with the same server and client configurations. A broken
// pair written over them leaves the last good one in use.
func TestRotationWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDevCerts(dir, "rotation", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	server := TLSFiles{Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server-key.pem"), CA: filepath.Join(dir, DevFiles.CA)}
	client := TLSFiles{Cert: filepath.Join(dir, "client.pem"), Key: filepath.Join(dir, "client-key.pem"), CA: server.CA}
	issue := func(f TLSFiles) *big.Int {
		t.Helper()
		return issueLeaf(t, dir, f.Cert, f.Key)
	}
	issue(server)
	issue(client)
	scfg, err := server.load(true)
	if err != nil {
		t.Fatal(err)
	}
	scfg.ClientAuth = tls.RequireAndVerifyClientCert
	ccfg, err := client.load(false)
	if err != nil {
		t.Fatal(err)
	}
	ccfg.ServerName = "localhost"

	lis, err := tls.Listen("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	clientSerials := make(chan *big.Int, 10)
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			tc := conn.(*tls.Conn)
			if err := tc.Handshake(); err == nil {
				clientSerials <- tc.ConnectionState().PeerCertificates[0].SerialNumber
			} else {
				clientSerials <- nil
			}
			conn.Close()
		}
	}()
	handshake := func() (server, client *big.Int) {
		t.Helper()
		conn, err := tls.Dial("tcp", lis.Addr().String(), ccfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber, <-clientSerials
	}

	s0, c0 := handshake()
	s1, c1 := issue(server), issue(client)
	if s1.Cmp(s0) == 0 || c1.Cmp(c0) == 0 {
		t.Fatal("the new certificates have the old serial numbers")
	}
	if gotS, gotC := handshake(); gotS.Cmp(s1) != 0 || gotC == nil || gotC.Cmp(c1) != 0 {
		t.Errorf("after rotation: server presented %v (want %v), client %v (want %v)", gotS, s1, gotC, c1)
	}
	if err := os.WriteFile(server.Cert, []byte("half-written"), 0o644); err != nil {
		t.Fatal(err)
	}
	if gotS, _ := handshake(); gotS.Cmp(s1) != 0 {
		t.Errorf("a broken certificate file: server presented %v, want the last good %v", gotS, s1)
	}
}

// issueLeaf writes a new certificate for localhost, signed by the CA in
// dir, and its key to certPath and keyPath, and returns its serial number.
func issueLeaf(t *testing.T, dir, certPath, keyPath string) *big.Int {
	t.Helper()
	caPair, err := tls.LoadX509KeyPair(filepath.Join(dir, DevFiles.CA), filepath.Join(dir, DevFiles.CAKey))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caPair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "rotated"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caPair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, keyPEM(key), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return tmpl.SerialNumber
}
