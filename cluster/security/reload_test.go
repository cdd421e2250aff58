package security

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRotationWithoutRestart serves mutual TLS on 127.0.0.1 from the files
// of 'thresher certs', then renews them (RenewDevCerts: new certificates of
// the same CA): the next handshakes present the new certificates on both
// sides, with the same server and client configurations. A broken
// certificate written over them leaves the last good one in use.
func TestRotationWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDevCerts(dir, "rotation", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	files := func(role string) TLSFiles {
		cert, key := DevCert(role)
		return TLSFiles{Cert: filepath.Join(dir, cert), Key: filepath.Join(dir, key), CA: filepath.Join(dir, DevFiles.CA)}
	}
	server, client := files("coordinator"), files("client")
	serialOf := func(f TLSFiles) *big.Int {
		t.Helper()
		pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return cert.SerialNumber
	}
	scfg, err := server.load(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	scfg.ClientAuth = tls.RequireAndVerifyClientCert
	ccfg, err := client.load(context.Background(), false)
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
	if s0.Cmp(serialOf(server)) != 0 || c0 == nil || c0.Cmp(serialOf(client)) != 0 {
		t.Fatal("the first handshake did not present the files' certificates")
	}
	if err := RenewDevCerts(dir, nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	s1, c1 := serialOf(server), serialOf(client)
	if s1.Cmp(s0) == 0 || c1.Cmp(c0) == 0 {
		t.Fatal("the renewed certificates have the old serial numbers")
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
