#!/usr/bin/env bash
# Cluster benchmarks reported in the README:
#   1. scaling: the replication throughput of a long bootstrap job on 1 worker
#      and on 2 workers (each a process with GOMAXPROCS=1 and one slot), with
#      a real etcd and coordinator on loopback (TestScaling: wall time, and
#      the steady rate read from the coordinator's metrics between 10% and 90%
#      of the replications), in ROUNDS rounds of one run on each, with the
#      medians over rounds;
#   2. dispatch: no-op tasks per second from the scheduler to 32 workers over
#      real gRPC streams (BenchmarkDispatchNoop);
#   3. coordinator efficiency: the share of worker time kept busy with tasks
#      that sleep 1 s, on 1 to 64 workers (BenchmarkSimulatedCost).
# Usage: scripts/bench-cluster.sh [replications per stage, default 10000] [grid, default all] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-10000}
grid=${2:-all}
rounds=${3:-3}
go test ./cmd/thresher -run '^TestScaling$' -count=1 -v -timeout 120m \
	-args -scaling.reps="$reps" -scaling.grid="$grid" -scaling.rounds="$rounds" | grep -E 'scaling|round|median|best|FAIL|^ok'
echo "dispatch: no-op tasks to 32 workers"
go test ./coordinator -run '^$' -bench DispatchNoop -benchtime 3x | grep -E 'tasks/s'
echo "simulated cost: share of worker time busy, 1-second tasks"
go test ./inprocess -run '^$' -bench SimulatedCost -benchtime 1x | grep -E 'busy%|FAIL'
