package security

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/thresher/thresher/cluster/identity"
)

// TestPeerRoles calls a real gRPC server on 127.0.0.1 with each pairing of
// the roles 'thresher certs' issues: a server's certificate must name the
// role its client expects (a worker's cannot serve the Jobs API, a
// client's cannot serve as a worker), and a mutual-TLS server accepts only
// the client role it names (a worker takes tasks only from a coordinator's
// certificate of its cluster).
func TestPeerRoles(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDevCerts(dir, "roles", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := WriteDevCerts(other, "other", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	files := func(role string) TLSFiles {
		cert, key := DevCert(role)
		return TLSFiles{Cert: filepath.Join(dir, cert), Key: filepath.Join(dir, key), CA: filepath.Join(dir, DevFiles.CA)}
	}
	const coord, worker, client = identity.RoleCoordinator, identity.RoleWorker, identity.RoleClient
	cases := []struct {
		name        string
		serverRole  string
		serverWants Peer // of its clients
		clientRole  string
		clientWants Peer // of the server
		ok          bool
	}{
		{"client to a coordinator (Jobs API)", coord, Peer{}, "", Peer{Role: coord}, true},
		{"client to a worker's certificate (Jobs API)", worker, Peer{}, "", Peer{Role: coord}, false},
		{"coordinator to a worker", worker, Peer{"roles", coord}, coord, Peer{"roles", worker}, true},
		{"coordinator to a client's certificate as a worker", client, Peer{"roles", coord}, coord, Peer{"roles", worker}, false},
		{"client's certificate to a worker", worker, Peer{"roles", coord}, client, Peer{"roles", worker}, false},
		{"worker's certificate to a worker", worker, Peer{"roles", coord}, worker, Peer{"roles", worker}, false},
		{"coordinator of another cluster id", worker, Peer{"other", coord}, coord, Peer{"roles", worker}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			creds, err := files(c.serverRole).Server(context.Background(), c.serverWants)
			if err != nil {
				t.Fatal(err)
			}
			srv := grpc.NewServer(grpc.Creds(creds))
			healthpb.RegisterHealthServer(srv, health.NewServer())
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(lis)
			defer srv.Stop()
			cf := TLSFiles{CA: filepath.Join(dir, DevFiles.CA)}
			if c.clientRole != "" {
				cf = files(c.clientRole)
			}
			ccreds, err := cf.Client(context.Background(), "localhost", c.clientWants)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(ccreds))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
			if (err == nil) != c.ok {
				t.Errorf("call: %v; want success %v", err, c.ok)
			}
		})
	}
}
