package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// The worker's control socket: draining a worker is a request on a Unix
// socket that only the worker's user may open (mode 0600), never on a
// network port, so that no other pod or user can stop a worker. `thresher
// worker drain` (the Kubernetes preStop hook, run inside the pod) sends it.

// controlSocketUsage is the usage of --control-socket, one meaning on both
// sides.
const controlSocketUsage = "Unix socket of the worker's control requests (drain), mode 0600 (empty: none)"

// serveControl serves POST /drain on a Unix socket at path until stop is
// called: it calls drain and answers once drain returns. A socket left by
// a worker that died is replaced; one another process serves is refused,
// and so is any other file at path.
func serveControl(path string, drain func(context.Context) error, log *slog.Logger) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	lis, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		lis.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /drain", func(w http.ResponseWriter, r *http.Request) {
		log.Info("drain requested", "from", "control socket")
		if err := drain(r.Context()); err != nil {
			http.Error(w, "drain: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "drained\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("control socket", "err", err)
		}
	}()
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx) // also removes the socket file
	}, nil
}

// removeStaleSocket removes a socket at path that nobody serves.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%w: --control-socket %s exists and is no socket", errUsage, path)
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return fmt.Errorf("control socket %s: another process serves it", path)
	}
	return os.Remove(path)
}

const workerDrainSynopsis = `Drains the worker serving --control-socket on this machine (the Kubernetes
preStop hook runs it inside the worker's pod): the worker refuses new tasks,
lets running ones finish (its --drain-timeout), hands back the rest,
deregisters and exits. Answers "drained" when that is done; exit status 1
if the worker cannot be reached or the drain fails.`

func runWorkerDrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("worker drain", workerDrainSynopsis, stderr)
	socket := fs.String("control-socket", "", controlSocketUsage)
	wait := fs.Duration("timeout", 2*time.Minute, "longest wait for the drain to end")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *socket == "" {
		return fmt.Errorf("%w: --control-socket is required", errUsage)
	}
	ctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", *socket)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://worker/drain", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("drain through %s: %w", *socket, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("drain through %s: %w", *socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("drain through %s: %s", *socket, strings.TrimSpace(string(body)))
	}
	_, err = stdout.Write(body)
	return err
}
