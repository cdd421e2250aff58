// Package thresherv1 holds the gRPC contracts of a thresher cluster,
// generated from thresher.proto by `make proto` (protoc-gen-go v1.36.12,
// protoc-gen-go-grpc v1.6.2). The generated files are committed so that a
// build needs no protoc.
package thresherv1
