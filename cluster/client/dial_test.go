package client_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/cluster/security"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// serve runs a gRPC server of the Jobs API implemented by jobs on
// 127.0.0.1 until the test ends and returns its address.
func serve(t *testing.T, jobs pb.JobsServer, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	pb.RegisterJobsServer(srv, jobs)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// devCerts writes a development CA and certificates and returns the coordinator's
// files.
func devCerts(t *testing.T) security.TLSFiles {
	t.Helper()
	dir := t.TempDir()
	if err := security.WriteDevCerts(dir, "test", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	return security.TLSFiles{CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "coordinator.pem"), Key: filepath.Join(dir, "coordinator-key.pem")}
}

// TestFirstConnectionErrors connects with each TLS mistake to a real
// server and checks that Submit fails with its cause well before the
// dial timeout (a minute), where it used to retry for 5 minutes.
func TestFirstConnectionErrors(t *testing.T) {
	cluster, other := devCerts(t), devCerts(t)
	serverCreds, err := cluster.Server(security.Peer{})
	if err != nil {
		t.Fatal(err)
	}
	tlsAddr := serve(t, pb.UnimplementedJobsServer{}, grpc.Creds(serverCreds))
	dir := filepath.Dir(cluster.CA)
	workerCreds, err := security.TLSFiles{CA: cluster.CA, Cert: filepath.Join(dir, "worker.pem"), Key: filepath.Join(dir, "worker-key.pem")}.
		Server(security.Peer{})
	if err != nil {
		t.Fatal(err)
	}
	workerAddr := serve(t, pb.UnimplementedJobsServer{}, grpc.Creds(workerCreds))
	plainAddr := serve(t, pb.UnimplementedJobsServer{})
	refused := func() string {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer lis.Close()
		return lis.Addr().String()
	}()
	trusting := func(ca security.TLSFiles, name string) grpc.DialOption {
		creds, err := security.TLSFiles{CA: ca.CA}.Client(name, security.Peer{Role: identity.RoleCoordinator})
		if err != nil {
			t.Fatal(err)
		}
		return grpc.WithTransportCredentials(creds)
	}
	plaintext := grpc.WithTransportCredentials(insecure.NewCredentials())
	cases := []struct {
		name    string
		addr    string
		dial    grpc.DialOption
		timeout time.Duration
		want    error
		text    string // in the message
	}{
		{"the cluster's CA", tlsAddr, trusting(cluster, "thresher-coordinator"), time.Minute, nil, "not implemented"},
		{"another CA", tlsAddr, trusting(other, "thresher-coordinator"), time.Minute, client.ErrUnknownAuthority, ""},
		{"a server name not in the certificate", tlsAddr, trusting(cluster, "wrong.example"), time.Minute, client.ErrServerName, "not wrong.example"},
		{"TLS to a plaintext server", plainAddr, trusting(cluster, "thresher-coordinator"), time.Minute, client.ErrNotTLS, ""},
		{"plaintext to a TLS server", tlsAddr, plaintext, time.Minute, client.ErrNoPreface, "server preface"},
		{"a worker's certificate", workerAddr, trusting(cluster, "thresher-coordinator"), time.Minute, client.ErrRole,
			`has role "worker" (URI SAN thresher://<cluster-id>/<role>)`},
		{"nothing listening", refused, plaintext, 300 * time.Millisecond, client.ErrDial, "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, err := client.New([]string{c.addr}, c.dial)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			cl.DialTimeout = c.timeout
			start := time.Now()
			err = cl.Submit(context.Background(), "job", &pb.JobSpec{})
			took := time.Since(start)
			if c.want == nil {
				if err == nil || !strings.Contains(err.Error(), c.text) {
					t.Fatalf("error %v, want the server's answer", err)
				}
				return
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line with %q and %q", err, c.want, c.text)
			}
			if c.want != client.ErrDial && took >= c.timeout {
				t.Errorf("failed after %v, not before the dial timeout %v", took, c.timeout)
			}
			t.Logf("%v after %v", err, took)
		})
	}
}
