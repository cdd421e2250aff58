package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests run the real binary as separate processes: an etcd,
// coordinators, workers and the submitting client, on 127.0.0.1, and kill
// them with SIGKILL. They check that the job's JSON is byte-identical to the
// in-process default's, whatever happens.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds cmd/thresher once per test run.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "thresher-e2e-*")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "thresher")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// syncBuffer collects a process's output for concurrent reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan error
}

func startProc(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return startProcEnv(t, name, nil, args...)
}

// startProcEnv starts the binary with extra environment variables.
func startProcEnv(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(binary(t), args...), stdout: &syncBuffer{}, stderr: &syncBuffer{},
		done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, p.stderr.String())
		}
	})
	return p
}

// waitFor waits until the process's stderr matches re and returns the first
// submatch (or the whole match).
func (p *proc) waitFor(t *testing.T, re string, timeout time.Duration) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := rx.FindStringSubmatch(p.stderr.String()); m != nil {
			return m[len(m)-1]
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s exited (%v) before printing %q:\n%s", p.name, err, re, p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%s did not print %q within %v:\n%s", p.name, re, timeout, p.stderr.String())
	return ""
}

func (p *proc) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.done <- nil
}

// wait waits for the process to exit and returns its error.
func (p *proc) wait(timeout time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(timeout):
		return fmt.Errorf("%s still running after %v", p.name, timeout)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

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
		if err := p.wait(5 * time.Minute); err != nil {
			t.Fatalf("in-process run: %v\n%s", err, p.stderr.String())
		}
		referenceJSON = p.stdout.String()
	})
	if referenceJSON == "" {
		t.Fatal("no reference result")
	}
	return referenceJSON
}

// cluster is an etcd, coordinators and workers as processes, secured with
// TLS, mutual TLS between coordinators and workers, and a bearer token.
type cluster struct {
	t        *testing.T
	etcdAddr string
	etcdDir  string
	certs    string
	etcd     *proc
	workers  int
}

func newCluster(t *testing.T) *cluster {
	c := &cluster{t: t, etcdAddr: freePort(t), etcdDir: t.TempDir(), certs: makeCerts(t)}
	c.startEtcd()
	return c
}

// makeCerts runs 'thresher certs' into a new directory.
func makeCerts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	if out, err := exec.Command(binary(t), "certs", "--dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("certs: %v\n%s", err, out)
	}
	return dir
}

// tlsFlags are the TLS flags of a coordinator or worker with the
// certificates in dir.
func tlsFlags(dir string) []string {
	return []string{"--tls-cert", filepath.Join(dir, "node.pem"), "--tls-key", filepath.Join(dir, "node-key.pem"),
		"--tls-ca", filepath.Join(dir, "ca.pem")}
}

// clientFlags are a client's flags for the cluster, with a token file.
func (c *cluster) clientFlags(tokenFile string) []string {
	return []string{"--tls-ca", filepath.Join(c.certs, "ca.pem"), "--tls-server-name", "thresher-coordinator",
		"--token-file", tokenFile}
}

func (c *cluster) startEtcd() {
	c.etcd = startProc(c.t, "etcd", "etcd", "--data-dir", c.etcdDir, "--listen", c.etcdAddr)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(c.etcd.stdout.String(), "etcd serving") {
		if time.Now().After(deadline) {
			c.t.Fatalf("etcd did not start:\n%s", c.etcd.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// coordinator starts a coordinator on addr and waits until it serves.
func (c *cluster) coordinator(addr string) *proc {
	p := startProc(c.t, "coordinator "+addr, append([]string{"coordinator", "--etcd", c.etcdAddr, "--listen", addr,
		"--metrics-listen", "127.0.0.1:0", "--session-ttl", "2s", "--token-file", filepath.Join(c.certs, "tokens.txt")},
		tlsFlags(c.certs)...)...)
	p.waitFor(c.t, `coordinator started`, 30*time.Second)
	return p
}

// worker starts a worker with one slot and waits until it is registered.
func (c *cluster) worker() *proc { return c.workerWithCerts(c.certs, nil) }

// workerWithCerts starts a worker presenting the certificates in dir, with
// extra environment variables.
func (c *cluster) workerWithCerts(dir string, env []string) *proc {
	c.workers++
	p := startProcEnv(c.t, fmt.Sprintf("worker %d", c.workers), env, append([]string{"worker", "--etcd", c.etcdAddr,
		"--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--slots", "1", "--id", fmt.Sprintf("w%d", c.workers)},
		tlsFlags(dir)...)...)
	p.waitFor(c.t, `worker registered`, 30*time.Second)
	return p
}

// submit starts the client of the job against coordinators.
func (c *cluster) submit(coordinators ...string) *proc {
	return c.submitWithToken(filepath.Join(c.certs, "tokens.txt"), coordinators...)
}

func (c *cluster) submitWithToken(tokenFile string, coordinators ...string) *proc {
	return startProc(c.t, "client", e2eJob(append([]string{"--coordinator", strings.Join(coordinators, ",")},
		c.clientFlags(tokenFile)...)...)...)
}

// result waits for the client and returns its stdout.
func (c *cluster) result(client *proc) string {
	c.t.Helper()
	if err := client.wait(5 * time.Minute); err != nil {
		c.t.Fatalf("client: %v\n%s", err, client.stderr.String())
	}
	return client.stdout.String()
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
	client.waitFor(t, `bootstrap .*[1-9][0-9]*/2000`, 2*time.Minute)
}

// stillRunning fails the test when the job already printed its result: the
// failure just injected would have tested nothing.
func stillRunning(t *testing.T, client *proc) {
	t.Helper()
	if client.stdout.String() != "" {
		t.Fatal("the job finished before the failure was injected; make it longer")
	}
}

func TestE2EOneAndFourWorkers(t *testing.T) {
	skipShort(t)
	want := reference(t)
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c := newCluster(t)
			addr := freePort(t)
			c.coordinator(addr)
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
	c := newCluster(t)
	addr := freePort(t)
	c.coordinator(addr)
	var ws []*proc
	for i := 0; i < 4; i++ {
		ws = append(ws, c.worker())
	}
	client := c.submit(addr)
	waitProgress(t, client)
	ws[1].kill(t)
	stillRunning(t, client)
	c.worker()
	sameJSON(t, c.result(client), want)
}

// TestE2ECoordinatorKilledAndRestarted kills the coordinator with SIGKILL
// mid-job and starts it again on the same address; the client re-attaches.
func TestE2ECoordinatorKilledAndRestarted(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c := newCluster(t)
	addr := freePort(t)
	co := c.coordinator(addr)
	c.worker()
	c.worker()
	client := c.submit(addr)
	waitProgress(t, client)
	co.kill(t)
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
	leader.waitFor(t, `leading`, 30*time.Second)
	standby := c.coordinator(second)
	c.worker()
	c.worker()
	client := c.submit(first, second)
	waitProgress(t, client)
	leader.kill(t)
	stillRunning(t, client)
	standby.waitFor(t, `leading`, 30*time.Second)
	sameJSON(t, c.result(client), want)
}

// TestE2EEtcdRestart stops etcd mid-job and starts it again with the same
// data: the job is delayed, nothing is lost.
func TestE2EEtcdRestart(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c := newCluster(t)
	addr := freePort(t)
	c.coordinator(addr)
	c.worker()
	c.worker()
	client := c.submit(addr)
	waitProgress(t, client)
	c.etcd.kill(t)
	stillRunning(t, client)
	time.Sleep(time.Second)
	c.startEtcd()
	sameJSON(t, c.result(client), want)
}

// TestE2EClientWithoutValidToken checks that the job API refuses a client
// without a token and one with a wrong token.
func TestE2EClientWithoutValidToken(t *testing.T) {
	skipShort(t)
	c := newCluster(t)
	addr := freePort(t)
	c.coordinator(addr)
	wrong := filepath.Join(t.TempDir(), "wrong.txt")
	if err := os.WriteFile(wrong, []byte("not-the-cluster-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"no token":    e2eJob("--coordinator", addr, "--tls-ca", filepath.Join(c.certs, "ca.pem"), "--tls-server-name", "thresher-coordinator"),
		"wrong token": e2eJob(append([]string{"--coordinator", addr}, c.clientFlags(wrong)...)...),
	} {
		client := startProc(t, "client "+name, args...)
		client.wait(time.Minute)
		if code := client.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(client.stderr.String(), "a valid bearer token is required") {
			t.Errorf("%s: exit %d, stderr %q", name, code, client.stderr.String())
		}
	}
}

// TestE2EWorkerWithoutValidCertificate registers a worker whose certificate
// another CA signed: the coordinator never gives it a task (the job waits
// and says so) until a worker of the cluster joins.
func TestE2EWorkerWithoutValidCertificate(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c := newCluster(t)
	addr := freePort(t)
	c.coordinator(addr)
	c.workerWithCerts(makeCerts(t), nil)
	client := c.submit(addr)
	client.waitFor(t, `waiting for workers: 1 registered, none reachable`, time.Minute)
	time.Sleep(2 * time.Second)
	if strings.Contains(client.stderr.String(), "bootstrap") {
		t.Fatalf("the job progressed with only a worker of another CA:\n%s", client.stderr.String())
	}
	c.worker()
	sameJSON(t, c.result(client), want)
}

// TestE2ENoWorkersYet submits a job to a cluster without workers: the job
// waits and says so, then runs when a worker registers.
func TestE2ENoWorkersYet(t *testing.T) {
	skipShort(t)
	want := reference(t)
	c := newCluster(t)
	addr := freePort(t)
	c.coordinator(addr)
	client := c.submit(addr)
	client.waitFor(t, `waiting for workers: none registered`, time.Minute)
	c.worker()
	sameJSON(t, c.result(client), want)
}
