package rpcmetrics

import (
	"context"
	"net"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestServerCountsCalls serves the gRPC health service on 127.0.0.1 and
// checks the counts of a successful and a failing call, and that methods
// never called exist at zero.
func TestServerCountsCalls(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := Register(reg)
	srv := grpc.NewServer(m.ServerOptions()...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	m.Initialize(srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)
	if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "nonexistent"}); err == nil {
		t.Fatal("checking an unknown service succeeded")
	}
	for _, c := range []struct {
		method, code string
		want         float64
	}{
		{"Check", "OK", 1},
		{"Check", "NotFound", 1},
		{"Check", "Internal", 0},
		{"Watch", "OK", 0},
	} {
		if got := handled(t, reg, c.method, c.code); got != c.want {
			t.Errorf("grpc_server_handled_total{grpc_method=%q, grpc_code=%q} = %v, want %v", c.method, c.code, got, c.want)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(mfs, func(mf *dto.MetricFamily) bool { return mf.GetName() == "grpc_server_handling_seconds" }) {
		t.Error("no grpc_server_handling_seconds histogram")
	}
}

// handled returns a grpc_server_handled_total series of the health
// service; -1 if it does not exist.
func handled(t *testing.T, reg *prometheus.Registry, method, code string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "grpc_server_handled_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["grpc_service"] == "grpc.health.v1.Health" && labels["grpc_method"] == method && labels["grpc_code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}
