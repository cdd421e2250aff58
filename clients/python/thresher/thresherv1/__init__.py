"""Stubs of thresher's gRPC API (proto/thresherv1/thresher.proto), generated
by `make proto-python` with Debian's python3-grpc-tools; do not edit."""
