package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/security"
	"github.com/thresher/thresher/internal/clustertest"
)

// The end-to-end tests run the real binary as separate processes: an etcd,
// coordinators, workers and the submitting client, on 127.0.0.1, and kill
// them with SIGKILL. They check that the job's JSON is byte-identical to the
// in-process default's, whatever happens.

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	clustertest.RemoveBinary()
	os.Exit(code)
}

type proc = clustertest.Proc

// startProc runs the thresher binary until the test ends.
func startProc(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return clustertest.Start(t, name, clustertest.Binary(t), nil, args...)
}

var freePort = clustertest.FreeAddr

// e2eJob is the acceptance job: the Hansen model with 3 thresholds on the
// exact grid, B = 2,000 per stage, fixed seed.
func e2eJob(extra ...string) []string {
	return append([]string{"xthreg", "--data", investCSV, "--depvar", "i", "--indep", "L.q,L.q^2,L.q^3,L.d,L.q*L.d",
		"--rx", "L.c", "--qx", "L.d", "--thnum", "3", "--grid", "all", "--trim", "0.01,0.01,0.05", "--bs", "2000",
		"--convention", "hansen", "--seed", "11", "--format", "json"}, extra...)
}

var (
	referenceOnce sync.Once
	referenceJSON string
)

// reference is the job's output with the in-process default.
func reference(t *testing.T) string {
	t.Helper()
	referenceOnce.Do(func() {
		p := startProc(t, "in-process", e2eJob()...)
		if err := p.Wait(5 * time.Minute); err != nil {
			t.Fatalf("in-process run: %v\n%s", err, p.Stderr.String())
		}
		referenceJSON = p.Stdout.String()
	})
	if referenceJSON == "" {
		t.Fatal("no reference result")
	}
	return referenceJSON
}

// cluster is an etcd, coordinators and workers as processes, secured with
// TLS, mutual TLS between coordinators and workers, and a bearer token.
type cluster struct {
	*clustertest.Cluster
	t     *testing.T
	certs string
}

func newCluster(t *testing.T) *cluster { return newClusterOn(t, "") }

// newClusterWithCoordinator starts a cluster and a coordinator of it on a
// free address, and returns the cluster, the address and the coordinator.
func newClusterWithCoordinator(t *testing.T) (*cluster, string, *proc) {
	c := newCluster(t)
	addr := freePort(t)
	return c, addr, c.coordinator(addr)
}

// newClusterOn starts a cluster on the etcd at etcdAddr, or on its own etcd
// when etcdAddr is empty.
func newClusterOn(t *testing.T, etcdAddr string) *cluster {
	certs := makeCerts(t)
	return &cluster{t: t, certs: certs, Cluster: clustertest.NewCluster(t, clustertest.Options{EtcdAddr: etcdAddr,
		CoordinatorArgs: append([]string{"--token-file", filepath.Join(certs, "tokens.txt")}, tlsFlags(certs, "coordinator")...),
		WorkerArgs:      tlsFlags(certs, "worker")})}
}

// makeCerts runs 'thresher certs' with args into a new directory: a new
// CA, of a new cluster unless args give its --cluster-id.
func makeCerts(t *testing.T, args ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	if out, err := exec.Command(clustertest.Binary(t), append([]string{"certs", "--dir", dir}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("certs: %v\n%s", err, out)
	}
	return dir
}

// tlsFlags are the TLS flags of a coordinator or worker with the
// certificates in dir.
func tlsFlags(dir, role string) []string {
	return []string{"--tls-cert", filepath.Join(dir, role+".pem"), "--tls-key", filepath.Join(dir, role+"-key.pem"),
		"--tls-ca", filepath.Join(dir, "ca.pem")}
}

// clientFlags are a client's flags for the cluster, with a token file.
func (c *cluster) clientFlags(tokenFile string) []string {
	return []string{"--tls-ca", filepath.Join(c.certs, "ca.pem"), "--tls-server-name", "thresher-coordinator",
		"--token-file", tokenFile}
}

// id is the cluster id of the cluster's certificates.
func (c *cluster) id() string {
	c.t.Helper()
	cert, err := identity.ReadCertificate(context.Background(), filepath.Join(c.certs, "ca.pem"))
	id := ""
	if err == nil {
		id = identity.FromCertificate(cert)
	}
	if id == "" {
		c.t.Fatalf("cluster id of %s: %q, %v", c.certs, id, err)
	}
	return id
}

// coordinator starts a coordinator on addr and waits until it serves.
func (c *cluster) coordinator(addr string) *proc { return c.Coordinator(addr) }

// worker starts a worker with one slot and waits until it is registered.
func (c *cluster) worker() *proc { return c.Worker(nil) }

// workerWithCerts starts a worker presenting the certificates in dir, with
// extra environment variables.
func (c *cluster) workerWithCerts(dir string, env []string) *proc {
	return c.Worker(env, tlsFlags(dir, "worker")...)
}

// submit starts the client of the job against coordinators.
func (c *cluster) submit(coordinators ...string) *proc {
	return c.submitWithToken(filepath.Join(c.certs, "tokens.txt"), coordinators...)
}

func (c *cluster) submitWithToken(tokenFile string, coordinators ...string) *proc {
	return startProc(c.t, "client", e2eJob(c.remoteFlags(tokenFile, coordinators...)...)...)
}

// remoteFlags are a client's flags that submit its job to coordinators,
// with a token file.
func (c *cluster) remoteFlags(tokenFile string, coordinators ...string) []string {
	return append([]string{"--coordinator", strings.Join(coordinators, ",")}, c.clientFlags(tokenFile)...)
}

// result waits for the client and returns its stdout.
func (c *cluster) result(client *proc) string {
	c.t.Helper()
	if err := client.Wait(5 * time.Minute); err != nil {
		c.t.Fatalf("client: %v\n%s", err, client.Stderr.String())
	}
	return client.Stdout.String()
}

func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("JSON differs from the in-process default (%d vs %d bytes)", len(got), len(want))
	}
}

func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end cluster test")
	}
}

// waitProgress waits until the client reports bootstrap progress, so that
// a failure injected next happens mid-job.
func waitProgress(t *testing.T, client *proc) {
	client.WaitFor(t, `bootstrap .*[1-9][0-9]*/2000`, 2*time.Minute)
}

// stillRunning fails the test when the job already printed its result: the
// failure just injected would have tested nothing.
func stillRunning(t *testing.T, client *proc) {
	t.Helper()
	if client.Stdout.String() != "" {
		t.Fatal("the job finished before the failure was injected; make it longer")
	}
}

func TestE2EOneAndFourWorkers(t *testing.T) {
	skipShort(t)
	want := reference(t)
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c, addr, _ := newClusterWithCoordinator(t)
			for i := 0; i < n; i++ {
				c.worker()
			}
			sameJSON(t, c.result(c.submit(addr)), want)
		})
	}
}

// TestE2EWorkerKilledAndLateJoiner kills one of four workers with SIGKILL
// mid-stage and starts a fifth during the job.
func TestE2EWorkerKilledAndLateJoiner(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c, addr, _ := newClusterWithCoordinator(t)
	var ws []*proc
	for i := 0; i < 4; i++ {
		ws = append(ws, c.worker())
	}
	client := c.submit(addr)
	waitProgress(t, client)
	ws[1].Kill()
	stillRunning(t, client)
	c.worker()
	sameJSON(t, c.result(client), want)
}

// TestE2EWorkerDrained drains one of two workers mid-stage with 'thresher
// worker drain' on its control socket, as the Kubernetes preStop hook does: the request answers once the worker
// has handed back its work and deregistered, the process exits cleanly, and
// the job's result is unchanged.
func TestE2EWorkerDrained(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c, addr, _ := newClusterWithCoordinator(t)
	w := c.worker()
	c.worker()
	client := c.submit(addr)
	waitProgress(t, client)
	if out, err := clustertest.Drain(t, w); err != nil || out != "drained\n" {
		t.Fatalf("thresher worker drain: %v %q", err, out)
	}
	stillRunning(t, client)
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdAddr}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if got, err := cli.Get(context.Background(), keys.Default.Worker("w1")); err != nil || got.Count != 0 {
		t.Errorf("after the drain the worker is still registered (%v)", err)
	}
	if err := w.Wait(10 * time.Second); err != nil {
		t.Errorf("drained worker: %v\n%s", err, w.Output())
	}
	if !strings.Contains(w.Output(), "worker draining") {
		t.Errorf("the worker did not log its drain:\n%s", w.Output())
	}
	sameJSON(t, c.result(client), want)
}

// TestE2ECoordinatorKilledAndRestarted kills the coordinator with SIGKILL
// mid-job and starts it again on the same address; the client re-attaches.
func TestE2ECoordinatorKilledAndRestarted(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c, addr, co := newClusterWithCoordinator(t)
	c.worker()
	c.worker()
	client := c.submit(addr)
	waitProgress(t, client)
	co.Kill()
	stillRunning(t, client)
	time.Sleep(500 * time.Millisecond)
	c.coordinator(addr)
	sameJSON(t, c.result(client), want)
}

// TestE2ECoordinatorReplacedByStandby kills the leading coordinator; the
// standby takes over and the client, which knows both, moves to it.
func TestE2ECoordinatorReplacedByStandby(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c := newCluster(t)
	first, second := freePort(t), freePort(t)
	leader := c.coordinator(first)
	leader.WaitFor(t, `leading`, 30*time.Second)
	standby := c.coordinator(second)
	c.worker()
	c.worker()
	client := c.submit(first, second)
	waitProgress(t, client)
	leader.Kill()
	stillRunning(t, client)
	standby.WaitFor(t, `leading`, 30*time.Second)
	sameJSON(t, c.result(client), want)
}

// TestE2EEtcdRestart stops etcd mid-job and starts it again with the same
// data: the job is delayed, nothing is lost.
func TestE2EEtcdRestart(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c, addr, _ := newClusterWithCoordinator(t)
	c.worker()
	c.worker()
	client := c.submit(addr)
	waitProgress(t, client)
	c.Etcd.Kill()
	stillRunning(t, client)
	time.Sleep(time.Second)
	c.StartEtcd()
	sameJSON(t, c.result(client), want)
}

// TestE2EClientWithoutValidToken checks that the job API refuses a client
// without a token and one with a wrong token.
func TestE2EClientWithoutValidToken(t *testing.T) {
	skipShort(t)
	c, addr, co := newClusterWithCoordinator(t)
	wrong := filepath.Join(t.TempDir(), "wrong.txt")
	if err := os.WriteFile(wrong, []byte("not-the-cluster-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"no token":    e2eJob("--coordinator", addr, "--tls-ca", filepath.Join(c.certs, "ca.pem"), "--tls-server-name", "thresher-coordinator"),
		"wrong token": e2eJob(append([]string{"--coordinator", addr}, c.clientFlags(wrong)...)...),
	} {
		client := startProc(t, "client "+name, args...)
		client.Wait(time.Minute)
		if code := client.Cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(client.Stderr.String(), "a valid bearer token is required: give the job API's token with --token-file") {
			t.Errorf("%s: exit %d, stderr %q", name, code, client.Stderr.String())
		}
	}
	// No token, valid or not, reaches the coordinator's log or metrics.
	metrics := co.WaitFor(t, `coordinator started.*metrics=(\S+)`, time.Second)
	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	exposed, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	valid, err := os.ReadFile(filepath.Join(c.certs, "tokens.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{"not-the-cluster-token-0123456789"}
	for _, line := range strings.Split(string(valid), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			tokens = append(tokens, line)
		}
	}
	if len(tokens) != 2 {
		t.Fatalf("tokens.txt holds %d tokens, want 1", len(tokens)-1)
	}
	for _, token := range tokens {
		if strings.Contains(co.Output(), token) || strings.Contains(string(exposed), token) {
			t.Errorf("a token appears in the coordinator's log or metrics")
		}
	}
}

// TestE2EWorkerWithoutValidCertificate registers a worker whose certificate
// another CA signed (for the same cluster id, which it would be refused
// for otherwise): the coordinator never gives it a task (the job waits
// and says so) until a worker of the cluster joins.
func TestE2EWorkerWithoutValidCertificate(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c, addr, _ := newClusterWithCoordinator(t)
	c.workerWithCerts(makeCerts(t, "--cluster-id", c.id()), nil)
	client := c.submit(addr)
	client.WaitFor(t, `waiting for workers: 1 registered, none reachable`, time.Minute)
	time.Sleep(2 * time.Second)
	if strings.Contains(client.Stderr.String(), "bootstrap") {
		t.Fatalf("the job progressed with only a worker of another CA:\n%s", client.Stderr.String())
	}
	c.worker()
	sameJSON(t, c.result(client), want)
}

// TestE2ENoWorkersYet submits a job to a cluster without workers: the job
// waits and says so, then runs when a worker registers.
func TestE2ENoWorkersYet(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c, addr, _ := newClusterWithCoordinator(t)
	client := c.submit(addr)
	client.WaitFor(t, `waiting for workers: none registered`, time.Minute)
	c.worker()
	sameJSON(t, c.result(client), want)
}

// TestE2EEtcdTLSAndAuth runs a job on a cluster whose etcd serves clients
// over TLS, requires client certificates and has authentication enabled:
// the coordinator and the worker connect with --etcd-cacert, --etcd-cert,
// --etcd-key, --etcd-user and --etcd-password-file, and the result equals
// the in-process run's. A coordinator without the password is refused by
// etcd (when it claims the prefix for its cluster id) and exits, never
// leading.
func TestE2EEtcdTLSAndAuth(t *testing.T) {
	skipShort(t)
	certs := makeCerts(t)
	etcdAddr := freePort(t)
	etcd := startProc(t, "etcd", append([]string{"etcd", "--data-dir", t.TempDir(), "--listen", etcdAddr}, tlsFlags(certs, "coordinator")...)...)
	etcd.WaitFor(t, "etcd serving", 30*time.Second)

	tlsFiles := security.TLSFiles{Cert: filepath.Join(certs, "client.pem"), Key: filepath.Join(certs, "client-key.pem"), CA: filepath.Join(certs, "ca.pem")}
	tc, err := tlsFiles.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{etcdAddr}, TLS: tc, Logger: zap.NewNop(), DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	const password = "etcd-root-password-for-the-test"
	if _, err := cli.UserAdd(ctx, "root", password); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "etcd-password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	etcdFlags := []string{"--etcd", etcdAddr, "--etcd-cacert", tlsFiles.CA, "--etcd-cert", tlsFiles.Cert,
		"--etcd-key", tlsFiles.Key, "--etcd-user", "root"}

	// Without the password etcd refuses the coordinator.
	denied := startProc(t, "coordinator without password", append(append([]string{"coordinator", "--listen", freePort(t),
		"--metrics-listen", "127.0.0.1:0", "--token-file", filepath.Join(certs, "tokens.txt")}, etcdFlags...), tlsFlags(certs, "coordinator")...)...)
	denied.Wait(time.Minute)
	if code := denied.Cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(denied.Stderr.String(), "etcdserver: permission denied") {
		t.Errorf("coordinator without the etcd password: exit %d; want exit 1 and etcd's refusal", code)
	}
	if strings.Contains(denied.Output(), "leading") {
		t.Error("a coordinator without the etcd password took the lead")
	}

	etcdFlags = append(etcdFlags, "--etcd-password-file", pwFile)
	addr := freePort(t)
	startProc(t, "coordinator", append(append([]string{"coordinator", "--listen", addr, "--metrics-listen", "127.0.0.1:0",
		"--session-ttl", "2s", "--token-file", filepath.Join(certs, "tokens.txt")}, etcdFlags...), tlsFlags(certs, "coordinator")...)...).
		WaitFor(t, "leading", 30*time.Second)
	startProc(t, "worker", append(append([]string{"worker", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
		"--slots", "1", "--id", "w1"}, etcdFlags...), tlsFlags(certs, "worker")...)...).
		WaitFor(t, "worker registered", 30*time.Second)

	local := startProc(t, "in-process", e2eJob("--bs", "100")...)
	c := &cluster{t: t, certs: certs}
	client := startProc(t, "client", append(e2eJob("--bs", "100", "--coordinator", addr), c.clientFlags(filepath.Join(certs, "tokens.txt"))...)...)
	sameJSON(t, c.result(client), c.result(local))
}
