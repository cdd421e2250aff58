#!/usr/bin/env bash
# Soak test: N small jobs, each on its own dataset (thresher simulate
# threshold with seed i: 30 units x 6 periods), one threshold, grid 10,
# B = 50, submitted by PARALLEL client processes at a time to one cluster on
# loopback (thresher etcd, a coordinator, WORKERS one-slot workers).
# The coordinator gets --retention 1m (expired jobs looked for every 5 s,
# history compacted every 30 s), etcd --defrag-interval 1m, and coordinator
# and workers a file:// blob store (--blob-url), when their --help offers them.
#
# Prints etcd's database size (etcd_mvcc_db_total_size_in_bytes) and the
# blob store's size every SAMPLE seconds, then jobs/s, the failures, the
# database size at the end and its maximum. Fails when a job fails, when the
# database ends at or above 64 MB, or when it ever exceeds 128 MB.
# Usage: scripts/soak.sh [N (default 100)]
#   environment: PARALLEL (default 4), WORKERS (default 2), SAMPLE (default 10),
#   JOB_TIMEOUT (seconds a job may take, default 600)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
par=${PARALLEL:-4}
workers=${WORKERS:-2}
sample=${SAMPLE:-10}
job_timeout=${JOB_TIMEOUT:-600}
case $n$par$workers$sample$job_timeout in *[!0-9]*) echo "usage: scripts/soak.sh [N]; PARALLEL, WORKERS, SAMPLE, JOB_TIMEOUT are integers" >&2; exit 2 ;; esac
name=soak
# shellcheck source=lib/cluster.sh
. scripts/lib/cluster.sh
cluster_init soak

etcd_flags=()
# Defragmenting every minute returns the compacted space to the file.
if "$bin" etcd --help 2>&1 | grep -q -- '--defrag-interval'; then
	etcd_flags+=(--defrag-interval 1m)
fi
start_etcd ${etcd_flags[@]+"${etcd_flags[@]}"}
coord_flags=() worker_flags=() blob=""
help=$("$bin" coordinator --help 2>&1 || true)
if grep -q -- '--retention' <<<"$help"; then
	# Expired jobs are found every 5 s and history is compacted every 30 s,
	# so that the database's live data stays near one minute of jobs.
	coord_flags+=(--retention 1m --janitor-interval 5s --compact-interval 30s)
fi
if grep -q -- '--blob-url' <<<"$help"; then
	blob=$dir/blob
	mkdir -p "$blob"
	coord_flags+=(--blob-url "file://$blob")
	worker_flags+=(--blob-url "file://$blob")
fi
start_coordinator ${coord_flags[@]+"${coord_flags[@]}"}
start_workers "$workers" soak ${worker_flags[@]+"${worker_flags[@]}"}
echo "soak: $n jobs, $par clients at a time, $workers workers; coordinator ${coord_flags[*]:-without --retention or --blob-url}"

dbsize() { curl -sf "http://$etcd/metrics" | awk '$1 == "etcd_mvcc_db_total_size_in_bytes" {printf "%d", $2}'; }
blobsize() { if [ -n "$blob" ]; then du -sb "$blob" | cut -f1; else echo 0; fi; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

# One job: its dataset, the run, its outcome in $dir/status.
job() {
	local i=$1
	local d=$dir/job-$i
	mkdir -p "$d"
	if "$bin" simulate threshold --units 30 --periods 6 --seed "$i" --out "$d" >/dev/null 2>"$d/err" &&
		timeout "$job_timeout" "$bin" xthreg --coordinator "$coordinator" --data "$d/threshold.csv" --id id --time t --depvar y \
			--indep z1,z2 --rx x1 --qx q --grid 10 --bs 50 --format json >"$d/out.json" 2>>"$d/err" &&
		grep -q '"stages"' "$d/out.json"; then
		echo ok >>"$dir/status"
		rm -rf "$d"
	else
		echo "fail $i" >>"$dir/status"
	fi
}
export -f job
export bin dir coordinator job_timeout

start=$(date +%s)
touch "$dir/status"
(
	while sleep "$sample"; do
		printf '%s\t%s\t%s\t%s\n' "$(($(date +%s) - start))" "$(wc -l <"$dir/status")" "$(dbsize)" "$(blobsize)" >>"$dir/sizes"
		tail -1 "$dir/sizes" | awk -F'\t' '{printf "soak: %5ds %7d jobs done  etcd db %7.1f MB  blob %7.1f MB\n", $1, $2, $3/1048576, $4/1048576}'
	done
) &
sampler=$!
pids+=("$sampler")
seq "$n" | xargs -P "$par" -I{} bash -c 'job {}'
end=$(date +%s)
kill "$sampler" 2>/dev/null || true
db=$(dbsize)
if [ -z "$db" ]; then
	echo "soak: FAIL: etcd's metrics (http://$etcd/metrics) did not answer" >&2
	exit 1
fi
printf '%s\t%s\t%s\t%s\n' "$((end - start))" "$(wc -l <"$dir/status")" "$db" "$(blobsize)" >>"$dir/sizes"
maxdb=$(cut -f3 "$dir/sizes" | sed 's/^$/0/' | sort -n | tail -1)
failed=$(grep -c '^fail' "$dir/status" || true)
done=$(grep -c '^ok' "$dir/status" || true)
secs=$((end - start))
echo "soak: $done of $n jobs succeeded in ${secs}s: $(awk -v n="$done" -v s="$secs" 'BEGIN {printf "%.2f", n / (s > 0 ? s : 1)}') jobs/s"
echo "soak: etcd db_total_size $(mb "$db") MB at the end, at most $(mb "$maxdb") MB (limits: < 64 MB at the end, never > 128 MB)"
if [ -n "$blob" ]; then
	echo "soak: blob store $(mb "$(blobsize)") MB at the end"
else
	echo "soak: no blob store (the coordinator has no --blob-url)"
fi
status=0
if [ "$failed" -gt 0 ]; then
	echo "soak: FAIL: $failed jobs failed; the first:" >&2
	first=$(grep -m1 '^fail' "$dir/status" | cut -d' ' -f2)
	cat "$dir/job-$first/err" >&2
	status=1
fi
if [ "$db" -ge $((64 << 20)) ]; then
	echo "soak: FAIL: etcd's database ends at $(mb "$db") MB, not under 64 MB" >&2
	status=1
fi
if [ "$maxdb" -gt $((128 << 20)) ]; then
	echo "soak: FAIL: etcd's database reached $(mb "$maxdb") MB, above 128 MB" >&2
	status=1
fi
exit "$status"
