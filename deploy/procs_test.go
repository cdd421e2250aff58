package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Helpers of the integration tests: the real binary and Prometheus run as
// processes on 127.0.0.1.

var (
	binOnce sync.Once
	binPath string
	binErr  error

	promOnce sync.Once
	promErr  error
	promOut  bytes.Buffer
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// thresherBinary builds cmd/thresher once per test run.
func thresherBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "thresher-deploy-bin-*")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "thresher")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/thresher").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// needPrometheus installs Debian's prometheus package when it is missing
// and we may (ensure-prometheus.sh), and skips the test when we may not.
func needPrometheus(t *testing.T) {
	t.Helper()
	promOnce.Do(func() {
		cmd := exec.Command("./ensure-prometheus.sh")
		cmd.Stdout, cmd.Stderr = &promOut, &promOut
		promErr = cmd.Run()
	})
	var exit *exec.ExitError
	switch {
	case promErr == nil:
	case errors.As(promErr, &exit) && exit.ExitCode() == 3:
		t.Skip("SKIPPED: prometheus/promtool are not installed and cannot be installed here (needs root and apt-get)")
	default:
		t.Fatalf("installing prometheus: %v\n%s", promErr, promOut.String())
	}
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
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error
}

// start runs a process until the test ends: then it gets SIGTERM (a clean
// shutdown: workers drain, coordinators resign) and, 10 s later, SIGKILL.
// Cleanups run in reverse order, so processes stop in reverse start order.
func start(t *testing.T, name, path string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(path, args...), out: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	// Plaintext gRPC is for loopback only; binaries that require TLS
	// accept it there with --insecure, older ones ignore the variable.
	p.cmd.Env = append(os.Environ(), "THRESHER_INSECURE=true")
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// exited reports whether the process has ended, and how.
func (p *proc) exited() (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	default:
		return false, nil
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitHTTP waits until GET url answers 200, failing early if p exits.
func waitHTTP(t *testing.T, p *proc, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if done, err := p.exited(); done {
			t.Fatalf("%s exited (%v) before %s answered:\n%s", p.name, err, url, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within %v:\n%s", url, timeout, p.out.String())
}

// localCluster is an etcd, a coordinator and a worker, each a process of
// the real binary, with their metrics endpoints.
type localCluster struct {
	bin                     string
	coordinator             string // gRPC address of the job API
	coordMetrics, wkMetrics string // HOST:PORT of /metrics
}

func startCluster(t *testing.T) *localCluster {
	t.Helper()
	bin := thresherBinary(t)
	c := &localCluster{bin: bin, coordinator: freeAddr(t), coordMetrics: freeAddr(t), wkMetrics: freeAddr(t)}
	etcdAddr := freeAddr(t)
	etcd := start(t, "etcd", bin, "etcd", "--data-dir", t.TempDir(), "--listen", etcdAddr)
	deadline := time.Now().Add(30 * time.Second)
	for !bytes.Contains([]byte(etcd.out.String()), []byte("etcd serving")) {
		if done, err := etcd.exited(); done || time.Now().After(deadline) {
			t.Fatalf("etcd did not start (%v):\n%s", err, etcd.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	co := start(t, "coordinator", bin, "coordinator", "--etcd", etcdAddr, "--listen", c.coordinator,
		"--metrics-listen", c.coordMetrics, "--session-ttl", "2s")
	// One slot: go test runs other packages' tests beside these.
	w := start(t, "worker", bin, "worker", "--etcd", etcdAddr, "--id", "deploy-test-worker", "--slots", "1",
		"--metrics-listen", c.wkMetrics, "--drain-timeout", "5s")
	// Ready: the coordinator reaches etcd; the worker is registered.
	waitHTTP(t, co, "http://"+c.coordMetrics+"/readyz", 30*time.Second)
	waitHTTP(t, w, "http://"+c.wkMetrics+"/readyz", 30*time.Second)
	return c
}

// submit starts `thresher xthreg` against the cluster: the Hansen model
// with three thresholds on the exact grid, bs replications per stage.
func (c *localCluster) submit(t *testing.T, bs int) *proc {
	t.Helper()
	return start(t, "xthreg", c.bin, "xthreg", "--data", "../testdata/hansen1999/invest.csv", "--depvar", "i",
		"--indep", "L.q,L.q^2,L.q^3,L.d,L.q*L.d", "--rx", "L.c", "--qx", "L.d", "--thnum", "3",
		"--grid", "all", "--trim", "0.01,0.01,0.05", "--bs", fmt.Sprint(bs), "--convention", "hansen",
		"--coordinator", c.coordinator)
}
