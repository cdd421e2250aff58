package rpcmetrics

import (
	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
)

// handlingBuckets span a health check (milliseconds) to a client waiting
// for a long job or a worker's task stream (an hour).
var handlingBuckets = []float64{0.005, 0.025, 0.1, 0.5, 2.5, 10, 60, 300, 3600}

// Metrics records a gRPC server's calls.
type Metrics struct {
	m *grpcprom.ServerMetrics
}

// Register creates the metrics and registers them with reg (it panics,
// as prometheus.MustRegister, if they are registered there already).
func Register(reg prometheus.Registerer) *Metrics {
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets(handlingBuckets)))
	reg.MustRegister(m)
	return &Metrics{m: m}
}

// ServerOptions returns the interceptors that record every call. Put them
// before other interceptors, so that calls those refuse (a missing token)
// are counted too.
func (m *Metrics) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(m.m.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(m.m.StreamServerInterceptor()),
	}
}

// Initialize creates every method's series at zero, so that rates and
// alerts see a method before its first call. Call it once the services are
// registered on srv.
func (m *Metrics) Initialize(srv *grpc.Server) {
	m.m.InitializeMetrics(srv)
}
