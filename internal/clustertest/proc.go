package clustertest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Binary builds cmd/thresher once per test binary and returns its path.
func Binary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "thresher-test-bin-*")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "thresher")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/thresher/thresher/cmd/thresher").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// RemoveBinary deletes the binary Binary built; call it from TestMain.
func RemoveBinary() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
}

// Buffer collects a process's output for concurrent reads.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Proc is a running process.
type Proc struct {
	Name           string
	Cmd            *exec.Cmd
	Stdout, Stderr *Buffer
	done           chan error
}

// Start runs path with args and extra environment variables until the test
// ends; then the process gets SIGTERM (a clean shutdown: workers drain,
// coordinators resign) and, 10 s later, SIGKILL. Cleanups run in reverse
// order, so processes stop in reverse start order. A failed test logs the
// process's output.
func Start(tb testing.TB, name, path string, env []string, args ...string) *Proc {
	tb.Helper()
	p := &Proc{Name: name, Cmd: exec.Command(path, args...), Stdout: &Buffer{}, Stderr: &Buffer{}, done: make(chan error, 1)}
	p.Cmd.Stdout, p.Cmd.Stderr = p.Stdout, p.Stderr
	if env != nil {
		p.Cmd.Env = append(os.Environ(), env...)
	}
	if err := p.Cmd.Start(); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	go func() { p.done <- p.Cmd.Wait() }()
	tb.Cleanup(func() {
		p.Cmd.Process.Signal(syscall.SIGTERM)
		if err := p.Wait(10 * time.Second); err != nil && p.Cmd.ProcessState == nil {
			p.Cmd.Process.Kill()
			<-p.done
		}
		if tb.Failed() {
			tb.Logf("%s output:\n%s", name, p.Output())
		}
	})
	return p
}

// Output returns what the process wrote to stdout and then stderr.
func (p *Proc) Output() string { return p.Stdout.String() + p.Stderr.String() }

// Exited reports whether the process has ended, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	default:
		return false, nil
	}
}

// Wait waits for the process to end and returns its error.
func (p *Proc) Wait(timeout time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(timeout):
		return fmt.Errorf("%s still running after %v", p.Name, timeout)
	}
}

// Kill ends the process with SIGKILL and waits for it.
func (p *Proc) Kill() {
	p.Cmd.Process.Signal(syscall.SIGKILL)
	p.Wait(time.Minute)
}

// WaitFor waits until the process's output matches re and returns the last
// submatch (or the whole match); it fails the test when the process ends or
// the time runs out first.
func (p *Proc) WaitFor(tb testing.TB, re string, timeout time.Duration) string {
	tb.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := rx.FindStringSubmatch(p.Output()); m != nil {
			return m[len(m)-1]
		}
		if done, err := p.Exited(); done {
			tb.Fatalf("%s exited (%v) before printing %q:\n%s", p.Name, err, re, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("%s did not print %q within %v:\n%s", p.Name, re, timeout, p.Output())
	return ""
}

// FreeAddr returns a free 127.0.0.1 address.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
