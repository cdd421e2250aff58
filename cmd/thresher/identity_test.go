package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/internal/clustertest"
)

// runQuickJob runs quickJob with 20 bootstrap replications and a client's
// flags and checks that it prints a JSON result.
func runQuickJob(t *testing.T, c *cluster, clientFlags ...string) {
	t.Helper()
	client := startProc(t, "client", quickJob(append([]string{"--bs", "20"}, clientFlags...)...)...)
	if out := c.result(client); len(out) == 0 || out[0] != '{' {
		t.Errorf("the job printed %.80q", out)
	}
}

// TestE2EClusterIdentity points a coordinator and a worker with the
// certificates of another cluster at a running cluster's etcd and prefix:
// each exits with status 1 and the documented error naming both ids. Under
// its own prefix, the second cluster runs beside the first on the same
// etcd, and each runs a job.
func TestE2EClusterIdentity(t *testing.T) {
	skipShort(t)
	c := newCluster(t)
	addrA, addrB := freePort(t), freePort(t)
	c.coordinator(addrA)
	c.worker()
	other := makeCerts(t)
	otherID := (&cluster{t: t, certs: other}).id()

	stray := map[string][]string{
		"coordinator": append([]string{"coordinator", "--etcd", c.EtcdAddr, "--listen", addrB, "--metrics-listen", "",
			"--token-file", filepath.Join(other, "tokens.txt")}, tlsFlags(other, "coordinator")...),
		"worker": append([]string{"worker", "--etcd", c.EtcdAddr, "--listen", "127.0.0.1:0", "--metrics-listen", ""}, tlsFlags(other, "worker")...),
	}
	for name, args := range stray {
		p := startProc(t, "stray "+name, args...)
		p.Wait(time.Minute)
		stderr := p.Stderr.String()
		want := "the etcd prefix belongs to another cluster: etcd prefix /thresher holds cluster id \"" + c.id() + "\", not \"" + otherID + "\""
		if code := p.Cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("stray %s: exit %d, stderr %q; want exit 1 and %q", name, code, stderr, want)
		}
	}

	b := []string{"--prefix", "/thresher-b", "--token-file", filepath.Join(other, "tokens.txt")}
	c.Coordinator(addrB, append(tlsFlags(other, "coordinator"), b...)...)
	c.Worker(nil, append(tlsFlags(other, "worker"), "--prefix", "/thresher-b")...)
	runQuickJob(t, c, c.remoteFlags(filepath.Join(c.certs, "tokens.txt"), addrA)...)
	runQuickJob(t, c, "--coordinator", addrB, "--tls-ca", filepath.Join(other, "ca.pem"), "--tls-server-name", "thresher-coordinator",
		"--token-file", filepath.Join(other, "tokens.txt"))
}

// TestE2ERolesInCertificates starts a coordinator and workers with the
// certificate of another role: each exits with status 2 naming the role
// it needs. (Peers' checks: cluster/security TestPeerRoles and
// TestE2EUnauthenticatedDrainRefused.)
func TestE2ERolesInCertificates(t *testing.T) {
	skipShort(t)
	c := newCluster(t)
	cases := map[string][]string{
		"coordinator with a worker's certificate": append([]string{"coordinator", "--etcd", c.EtcdAddr, "--listen", freePort(t),
			"--metrics-listen", "", "--token-file", filepath.Join(c.certs, "tokens.txt")}, tlsFlags(c.certs, "worker")...),
		"worker with a client's certificate": append([]string{"worker", "--etcd", c.EtcdAddr, "--listen", "127.0.0.1:0",
			"--metrics-listen", ""}, tlsFlags(c.certs, "client")...),
		"worker with a coordinator's certificate": append([]string{"worker", "--etcd", c.EtcdAddr, "--listen", "127.0.0.1:0",
			"--metrics-listen", ""}, tlsFlags(c.certs, "coordinator")...),
	}
	for name, args := range cases {
		p := startProc(t, name, args...)
		p.Wait(time.Minute)
		want := "want " + args[0]
		if code := p.Cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(p.Stderr.String(), want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", name, code, p.Stderr.String(), want)
		}
	}
}

// TestE2ERotationWithoutRestart renews the certificates of a running
// cluster with 'thresher certs --renew' and adds a token to its token file:
// the coordinator presents its new certificate at the next connection, and
// a job submitted with the new token runs on the same processes.
func TestE2ERotationWithoutRestart(t *testing.T) {
	skipShort(t)
	c, addr, _ := newClusterWithCoordinator(t)
	c.worker()
	served := func() *big.Int {
		t.Helper()
		pool := x509.NewCertPool()
		ca, err := os.ReadFile(filepath.Join(c.certs, "ca.pem"))
		if err != nil || !pool.AppendCertsFromPEM(ca) {
			t.Fatalf("CA: %v", err)
		}
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "thresher-coordinator", NextProtos: []string{"h2"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber
	}
	before := served()
	if out, err := exec.Command(clustertest.Binary(t), "certs", "--dir", c.certs, "--renew").CombinedOutput(); err != nil {
		t.Fatalf("certs --renew: %v\n%s", err, out)
	}
	cert, err := identity.ReadCertificate(context.Background(), filepath.Join(c.certs, "coordinator.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if after := served(); after.Cmp(before) == 0 || after.Cmp(cert.SerialNumber) != 0 {
		t.Errorf("after --renew the coordinator presents %v; want the new %v (was %v)", after, cert.SerialNumber, before)
	}
	newToken := filepath.Join(t.TempDir(), "new-token.txt")
	const token = "a-token-added-while-running-0123456789"
	f, err := os.OpenFile(filepath.Join(c.certs, "tokens.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.WriteFile(newToken, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runQuickJob(t, c, c.remoteFlags(newToken, addr)...)
}
