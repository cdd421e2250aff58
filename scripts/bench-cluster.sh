#!/usr/bin/env bash
# Cluster benchmarks reported in the README:
#   1. scaling: the replication throughput of a long bootstrap job on 1 worker
#      and on 2 workers (each a process with GOMAXPROCS=1 and one slot), with
#      a real etcd and coordinator on loopback (TestScaling: wall time, and
#      the steady rate read from the coordinator's metrics between 10% and 90%
#      of the replications);
#   2. dispatch: no-op tasks per second from the scheduler to 32 workers over
#      real gRPC streams (BenchmarkDispatchNoop).
# Usage: scripts/bench-cluster.sh [replications per stage, default 10000] [grid, default all]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-10000}
grid=${2:-all}
go test ./cmd/thresher -run '^TestScaling$' -count=1 -v -timeout 60m \
	-args -scaling.reps="$reps" -scaling.grid="$grid" | grep -E 'scaling|worker|speed-up|FAIL|^ok'
echo "dispatch: no-op tasks to 32 workers"
go test ./coordinator -run '^$' -bench DispatchNoop -benchtime 3x | grep -E 'tasks/s'
