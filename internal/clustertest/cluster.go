package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Options configure a Cluster.
type Options struct {
	// Env is added to every process's environment.
	Env []string
	// CoordinatorArgs and WorkerArgs are added to every coordinator's and
	// worker's flags (e.g. TLS certificates and tokens).
	CoordinatorArgs, WorkerArgs []string
	// EtcdAddr, when set, is an etcd the cluster uses instead of starting
	// its own.
	EtcdAddr string
	// BlobURL is the blob store of every process the test starts
	// (THRESHER_BLOB_URL, set for the test); default a directory of the
	// test's.
	BlobURL string
}

// Cluster is etcd, coordinators and workers, each a process of the
// thresher binary on 127.0.0.1.
type Cluster struct {
	tb   testing.TB
	bin  string
	opts Options
	// EtcdAddr is the etcd client address; Etcd is the etcd process (nil
	// with Options.EtcdAddr).
	EtcdAddr string
	Etcd     *Proc
	etcdDir  string
	workers  int
}

// NewCluster starts etcd (unless opts names one) and sets the test's
// THRESHER_BLOB_URL; coordinators and workers are started with Coordinator
// and Worker.
func NewCluster(tb testing.TB, opts Options) *Cluster {
	tb.Helper()
	if opts.BlobURL == "" {
		opts.BlobURL = "file://" + tb.TempDir()
	}
	// In the environment rather than in the flags, so that coordinators
	// and workers a test starts by hand share the store too.
	tb.Setenv("THRESHER_BLOB_URL", opts.BlobURL)
	c := &Cluster{tb: tb, bin: Binary(tb), opts: opts, EtcdAddr: opts.EtcdAddr}
	if c.EtcdAddr == "" {
		c.EtcdAddr, c.etcdDir = FreeAddr(tb), tb.TempDir()
		c.StartEtcd()
	}
	return c
}

// Start runs the binary with args and the cluster's environment plus env
// until the test ends.
func (c *Cluster) Start(name string, env []string, args ...string) *Proc {
	c.tb.Helper()
	return Start(c.tb, name, c.bin, append(append([]string(nil), c.opts.Env...), env...), args...)
}

// StartEtcd starts the cluster's etcd, again after Etcd.Kill on the same
// data, and waits until it serves.
func (c *Cluster) StartEtcd() {
	c.tb.Helper()
	c.Etcd = c.Start("etcd", nil, "etcd", "--data-dir", c.etcdDir, "--listen", c.EtcdAddr)
	c.Etcd.WaitFor(c.tb, "etcd serving", 30*time.Second)
}

// Coordinator starts a coordinator on addr (again, after Kill, to restart
// it) and waits until it serves. Args are added to its flags, after the
// cluster's: a flag given again overrides the cluster's.
func (c *Cluster) Coordinator(addr string, args ...string) *Proc {
	c.tb.Helper()
	flags := append([]string{"coordinator", "--etcd", c.EtcdAddr, "--listen", addr, "--metrics-listen", "127.0.0.1:0",
		"--session-ttl", "2s"}, c.opts.CoordinatorArgs...)
	p := c.Start("coordinator "+addr, nil, append(flags, args...)...)
	p.WaitFor(c.tb, `coordinator started`, 30*time.Second)
	return p
}

// Worker starts the next worker, w1, w2, ..., with one slot and waits until
// it is registered. Env is added to its environment and args to its flags,
// after the cluster's: a flag given again overrides the cluster's.
func (c *Cluster) Worker(env []string, args ...string) *Proc {
	c.tb.Helper()
	c.workers++
	return c.WorkerNamed(fmt.Sprintf("w%d", c.workers), env, args...)
}

// WorkerNamed starts a worker with the given id (e.g. to restart a killed
// one) and a control socket, and waits until it is registered.
func (c *Cluster) WorkerNamed(id string, env []string, args ...string) *Proc {
	c.tb.Helper()
	flags := append([]string{"worker", "--etcd", c.EtcdAddr, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
		"--slots", "1", "--id", id, "--control-socket", ControlSocket(c.tb, id)}, c.opts.WorkerArgs...)
	p := c.Start("worker "+id, env, append(flags, args...)...)
	p.WaitFor(c.tb, `worker registered`, time.Minute)
	return p
}

// ControlSocket returns a path for the control socket of a worker named
// name, in a directory removed when the test ends. The directory is made
// under the system's temporary directory, not the test's, which may be too
// long for a Unix socket's address (108 bytes).
func ControlSocket(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "thresher-ctl-*")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, name+".sock")
}

// Drain drains a worker with 'thresher worker drain' on its control socket,
// as the Kubernetes preStop hook does, and returns the command's output,
// given once the worker has handed back its work and deregistered.
func Drain(tb testing.TB, w *Proc) (string, error) {
	tb.Helper()
	socket := w.WaitFor(tb, `worker started.*control=(\S+)`, 10*time.Second)
	out, err := exec.Command(Binary(tb), "worker", "drain", "--control-socket", socket).CombinedOutput()
	return string(out), err
}
