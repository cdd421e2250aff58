#!/usr/bin/env bash
# Load test: JOBS concurrent jobs, each from its own client process, on one
# secured cluster (etcd, a coordinator, 3 workers); every job must end with
# the result of its run alone, and etcd must hold each job exactly once.
# Prints the throughput and the slowest job.
# Usage: scripts/load.sh [JOBS (default 50)]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-50}
exec go test ./cmd/thresher -run '^TestLoad$' -count=1 -timeout 60m -v \
	-args -load.jobs="$jobs"
