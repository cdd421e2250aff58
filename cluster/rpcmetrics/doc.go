// Package rpcmetrics counts the calls a gRPC server handles, for
// Prometheus: grpc_server_started_total, grpc_server_handled_total (by
// grpc_code), grpc_server_msg_received_total, grpc_server_msg_sent_total
// and the grpc_server_handling_seconds histogram, each by grpc_type,
// grpc_service and grpc_method (go-grpc-middleware's Prometheus provider).
// The coordinator and the worker use it for their servers.
package rpcmetrics
