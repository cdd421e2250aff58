package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/thresher/thresher/cluster/security"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// TestE2EUnauthenticatedDrainRefused tries to stop a worker of a TLS
// cluster as any pod or user could (issue 18): /drain and the profiles on
// its metrics port, a Work stream over plaintext, over TLS without a client
// certificate and with one another CA signed, and its control socket as
// another user would see it. Each is refused, the worker stays registered,
// and it then runs a job alone. A worker started with --pprof serves the
// profiles.
func TestE2EUnauthenticatedDrainRefused(t *testing.T) {
	skipShort(t)
	c, addr, _ := newClusterWithCoordinator(t)
	w := c.worker()
	metrics := w.WaitFor(t, `worker started.*metrics=(\S+)`, 10*time.Second)
	grpcAddr := w.WaitFor(t, `worker started.*address=(\S+)`, 10*time.Second)
	socket := w.WaitFor(t, `worker started.*control=(\S+)`, 10*time.Second)

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, path := range []string{"/drain", "/debug/pprof/", "/quitquitquit"} {
			req, _ := http.NewRequest(method, "http://"+metrics+path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s on the metrics port: %s, want 404 or 405", method, path, resp.Status)
			}
		}
	}

	otherCA := makeCerts(t)
	ca := filepath.Join(c.certs, "ca.pem")
	credentials := map[string]security.TLSFiles{
		"TLS without a client certificate": {CA: ca},
		"a coordinator's certificate of another CA": {CA: ca, Cert: filepath.Join(otherCA, "coordinator.pem"),
			Key: filepath.Join(otherCA, "coordinator-key.pem")},
		"a client's certificate of the cluster": {CA: ca, Cert: filepath.Join(c.certs, "client.pem"),
			Key: filepath.Join(c.certs, "client-key.pem")},
	}
	dials := map[string]grpc.DialOption{"plaintext": grpc.WithTransportCredentials(insecure.NewCredentials())}
	for name, files := range credentials {
		creds, err := files.Client(context.Background(), "thresher-worker", security.Peer{})
		if err != nil {
			t.Fatal(err)
		}
		dials[name] = grpc.WithTransportCredentials(creds)
	}
	for name, dial := range dials {
		conn, err := grpc.NewClient(grpcAddr, dial)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		stream, err := pb.NewWorkerClient(conn).Work(ctx)
		if err == nil {
			_, err = stream.Recv()
		}
		if err == nil {
			t.Errorf("%s: the worker accepted a Work stream", name)
		}
		cancel()
		conn.Close()
	}

	fi, err := os.Stat(socket)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("control socket %s: %v, %v; want a socket of mode 0600", socket, fi.Mode(), err)
	}

	if err := w.Wait(2 * time.Second); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("the worker stopped:\n%s", w.Output())
	}
	runQuickJob(t, c, c.remoteFlags(filepath.Join(c.certs, "tokens.txt"), addr)...)

	// With --pprof, and only then, the profiles are served.
	profiled := c.Worker(nil, "--pprof")
	resp, err := http.Get("http://" + profiled.WaitFor(t, `worker started.*metrics=(\S+)`, 10*time.Second) + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/debug/pprof/ with --pprof: %s", resp.Status)
	}
}
