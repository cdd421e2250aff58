#!/usr/bin/env bash
# Cluster benchmarks reported in the README:
#   1. scaling: replication throughput of a long bootstrap job on 1 worker and
#      on 2 workers (each a separate process with GOMAXPROCS=1 and one slot),
#      with a real etcd and coordinator on loopback;
#   2. dispatch: no-op tasks per second from the scheduler to 32 workers over
#      real gRPC streams (go test -bench DispatchNoop ./coordinator).
# Usage: scripts/bench-cluster.sh [replications per stage, default 3000]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3000}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/thresher" ./cmd/thresher
bin=$work/thresher

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((20000 + RANDOM % 20000)); }

# run_job N: start etcd, a coordinator and N workers, time the job, stop all.
run_job() {
	local n=$1 etcd coord
	etcd=127.0.0.1:$(free_port)
	coord=127.0.0.1:$(free_port)
	"$bin" etcd --data-dir "$work/etcd-$n" --listen "$etcd" >"$work/etcd-$n.log" 2>&1 &
	pids+=($!)
	sleep 1
	"$bin" coordinator --insecure --etcd "$etcd" --listen "$coord" --metrics-listen "" --log-level warn 2>"$work/coord-$n.log" &
	pids+=($!)
	for i in $(seq 1 "$n"); do
		GOMAXPROCS=1 "$bin" worker --insecure --listen 127.0.0.1:0 --etcd "$etcd" --slots 1 --id "w$i" --metrics-listen "" --log-level warn 2>"$work/worker-$n-$i.log" &
		pids+=($!)
	done
	sleep 2
	local start end
	start=$(date +%s.%N)
	"$bin" xthreg --coordinator "$coord" --data testdata/hansen1999/invest.csv --depvar i \
		--indep 'L.q,L.q^2,L.q^3,L.d,L.q*L.d' --rx L.c --qx L.d --thnum 3 --grid all \
		--trim 0.01,0.01,0.05 --bs "$reps" --convention hansen --format json >"$work/result-$n.json" 2>/dev/null
	end=$(date +%s.%N)
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pids=()
	echo "$start $end" | awk -v r="$reps" '{printf "%.3f %.1f\n", $2-$1, 3*r/($2-$1)}'
}

read -r t1 rate1 < <(run_job 1)
read -r t2 rate2 < <(run_job 2)
cmp -s "$work/result-1.json" "$work/result-2.json" && same=true || same=false
echo "scaling: job of 3 x $reps replications (Hansen data, exact grid)"
echo "  1 worker : ${t1} s, ${rate1} replications/s"
echo "  2 workers: ${t2} s, ${rate2} replications/s"
awk -v a="$rate1" -v b="$rate2" 'BEGIN {printf "  speed-up : %.2fx\n", b/a}'
echo "  identical JSON: $same"
echo "dispatch: no-op tasks to 32 workers"
go test ./coordinator -run '^$' -bench DispatchNoop -benchtime 3x | grep -E 'tasks/s'
