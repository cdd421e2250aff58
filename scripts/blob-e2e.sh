#!/usr/bin/env bash
# Data plane end to end: one job on a BYTES-byte dataset (default 200 MB)
# through an in-process cluster whose datasets and results live in an
# S3-protocol server on 127.0.0.1 (gofakes3), compared byte for byte with
# the default in-process run; etcd's database must grow by less than 1 MB.
# Prints the dataset size, each run's time and etcd's growth.
# Usage: scripts/blob-e2e.sh [BYTES (default 200000000)]
set -euo pipefail
cd "$(dirname "$0")/.."
THRESHER_S3_DATASET_BYTES=${1:-200000000} exec go test ./inprocess -run '^TestS3DataPlane$' -count=1 -timeout 60m -v
