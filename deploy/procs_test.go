package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/thresher/thresher/internal/clustertest"
)

// Helpers of the integration tests: the real binary and Prometheus run as
// processes on 127.0.0.1.

var (
	promOnce sync.Once
	promErr  error
	promOut  bytes.Buffer
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	clustertest.RemoveBinary()
	os.Exit(code)
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
	case errors.As(promErr, &exit) && exit.ExitCode() == 3 && os.Getenv("THRESHER_REQUIRE_PROMETHEUS") != "":
		t.Fatalf("prometheus/promtool are missing and THRESHER_REQUIRE_PROMETHEUS is set:\n%s", promOut.String())
	case errors.As(promErr, &exit) && exit.ExitCode() == 3:
		t.Skip("SKIPPED: prometheus/promtool are not installed and cannot be installed here (needs root and apt-get)")
	default:
		t.Fatalf("installing prometheus: %v\n%s", promErr, promOut.String())
	}
}

type proc = clustertest.Proc

// start runs a process until the test ends (see clustertest.Start). Plaintext
// gRPC is for loopback only, where the binary accepts it with --insecure.
func start(t *testing.T, name, path string, args ...string) *proc {
	t.Helper()
	return clustertest.Start(t, name, path, []string{"THRESHER_INSECURE=true"}, args...)
}

var freeAddr = clustertest.FreeAddr

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
		if done, err := p.Exited(); done {
			t.Fatalf("%s exited (%v) before %s answered:\n%s", p.Name, err, url, p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within %v:\n%s", url, timeout, p.Output())
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
	if testing.Short() {
		t.Skip("process-level cluster test")
	}
	c := &localCluster{bin: clustertest.Binary(t), coordinator: freeAddr(t), coordMetrics: freeAddr(t), wkMetrics: freeAddr(t)}
	cl := clustertest.NewCluster(t, clustertest.Options{Env: []string{"THRESHER_INSECURE=true"}})
	co := cl.Coordinator(c.coordinator, "--metrics-listen", c.coordMetrics)
	// One slot: go test runs other packages' tests beside these.
	w := cl.WorkerNamed("deploy-test-worker", nil, "--metrics-listen", c.wkMetrics, "--drain-timeout", "5s")
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
