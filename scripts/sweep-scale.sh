#!/usr/bin/env bash
# Sweeps at scale: one sweep of SPECS threshold models on Hansen's data
# (they differ by threshold variable, number of thresholds, grid, trim and
# seed; B = 50 per stage), run
#   1. in-process (thresher sweep, the default: etcd, a coordinator and one
#      worker per CPU in the process), then
#   2. on a cluster on loopback: thresher etcd, a coordinator and 3
#      one-slot workers, each a process.
# Each run must start the job once (a new leader would print "starting"
# again) and, on the cluster, lose no leadership session and no worker
# registration (the processes' thresher_*etcd_session_losses_total). Both
# JSON outputs must be identical, and CHECK of the results (evenly spaced)
# must equal their single runs with 'thresher xthreg'. Prints the times.
# Usage: scripts/sweep-scale.sh [SPECS (default 1000)] [CHECK (default 10)]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
check=${2:-10}
case $n$check in *[!0-9]*) echo "usage: scripts/sweep-scale.sh [SPECS] [CHECK]" >&2; exit 2 ;; esac
name=sweep-scale
# shellcheck source=lib/cluster.sh
. scripts/lib/cluster.sh
cluster_init sweep

data=$PWD/testdata/hansen1999/invest.csv
common=(--id id --time year --depvar i --indep 'L.q,L.q^2,L.q^3,L.d,L.q*L.d' --rx L.c --convention hansen --bs 50)
qxs=(L.d L.c L.q) grids=(20 50 100) trims=(0.01 0.05 0.1)
# model I: the options that distinguish model I, as name=value pairs.
model() {
	local i=$1
	echo "qx=${qxs[i % 3]} thnum=$((i / 3 % 2 + 1)) grid=${grids[i / 6 % 3]} trim=${trims[i / 18 % 3]} seed=$((i / 54 + 1))"
}
{
	echo "data: $data"
	echo "defaults: {depvar: i, indep: [L.q, L.q^2, L.q^3, L.d, L.q*L.d], rx: [L.c], convention: hansen, bs: 50}"
	echo "specs:"
	for ((i = 0; i < n; i++)); do
		echo "  - {label: m$i, $(model "$i" | sed 's/=/: /g; s/ \([a-z]*:\)/, \1/g')}"
	done
} >"$dir/sweep.yaml"

# run NAME ARGS...: the sweep with ARGS; its time in seconds on stdout.
run() {
	local name=$1
	shift
	local start end
	start=$(date +%s.%N)
	if ! "$bin" sweep --spec "$dir/sweep.yaml" --format json "$@" >"$dir/$name.json" 2>"$dir/$name.err"; then
		echo "sweep-scale: FAIL: the $name sweep failed:" >&2
		tail -5 "$dir/$name.err" >&2
		exit 1
	fi
	end=$(date +%s.%N)
	local starts
	starts=$(grep -c '^thresher: starting$' "$dir/$name.err" || true)
	if [ "$starts" -ne 1 ]; then
		echo "sweep-scale: FAIL: the $name job started $starts times (a leader was lost)" >&2
		exit 1
	fi
	awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}'
}

echo "sweep-scale: $n models, B = 50, on $(nproc) CPUs"
t=$(run in-process)
echo "sweep-scale: in-process: ${t}s"

start_etcd
start_coordinator
start_workers 3 sweep
t=$(run cluster --coordinator "$coordinator")
echo "sweep-scale: cluster of 3 workers: ${t}s"
losses=0
for m in "${metrics[@]}"; do
	l=$(curl -sf "http://$m/metrics" | awk '$1 ~ /^thresher_(worker_)?etcd_session_losses_total$/ {s += $2} END {print s + 0}')
	losses=$((losses + l))
done
if [ "$losses" -ne 0 ]; then
	echo "sweep-scale: FAIL: $losses leadership sessions or worker registrations lost on the cluster" >&2
	exit 1
fi
if ! cmp -s "$dir/in-process.json" "$dir/cluster.json"; then
	echo "sweep-scale: FAIL: the in-process and cluster results differ" >&2
	exit 1
fi

# Every (n / check)-th model alone, in-process, against the sweep's result.
step=$(((n + check - 1) / check))
for ((i = 0; i < n; i += step)); do
	flags=()
	for kv in $(model "$i"); do flags+=("--${kv%%=*}" "${kv#*=}"); done
	"$bin" xthreg --data "$data" "${common[@]}" "${flags[@]}" --format json >"$dir/single.json" 2>/dev/null
	if ! python3 - "$dir/cluster.json" "$dir/single.json" "m$i" <<-'EOF'; then
		import json, sys
		sweep = {r["label"]: r["result"] for r in json.load(open(sys.argv[1]))["results"]}
		sys.exit(0 if sweep[sys.argv[3]] == json.load(open(sys.argv[2])) else 1)
	EOF
		echo "sweep-scale: FAIL: model m$i ($(model "$i")) differs from its single run" >&2
		exit 1
	fi
done
echo "sweep-scale: both runs identical; models m0, m$step, ... equal their single runs; no leadership or registration lost"
