# shellcheck shell=bash
# A cluster of processes on loopback for the scripts that start one
# (soak.sh, sweep-scale.sh): thresher etcd, a coordinator and one-slot
# workers, in plaintext (--insecure), logging into a temporary directory.
# Source it from the repository's root with name set to the script's name
# (it starts the messages), then call cluster_init first.

# cluster_init TAG: builds bin/thresher and sets bin; dir, a temporary
# directory thresher-TAG.*; pids, the processes to stop; both are cleaned
# up at exit.
cluster_init() {
	make build >/dev/null
	bin=$PWD/bin/thresher
	dir=$(mktemp -d "${TMPDIR:-/tmp}/thresher-$1.XXXXXX")
	pids=()
	trap cluster_cleanup EXIT
}

# cluster_cleanup stops the processes in pids and removes dir.
cluster_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}

# address LOG REGEX: the first HOST:PORT that REGEX finds in LOG (10 s at most).
address() {
	for _ in $(seq 100); do
		if a=$(grep -oE "$2" "$1" | head -1 | grep -oE '127\.0\.0\.1:[0-9]+'); then
			echo "$a"
			return
		fi
		sleep 0.1
	done
	echo "$name: no address in $1:" >&2
	cat "$1" >&2
	exit 1
}

# start_etcd [FLAGS...]: thresher etcd with FLAGS; sets etcd, its address.
start_etcd() {
	"$bin" etcd --data-dir "$dir/etcd" --listen 127.0.0.1:0 "$@" >"$dir/etcd.log" 2>&1 &
	pids+=($!)
	etcd=$(address "$dir/etcd.log" 'serving on 127\.0\.0\.1:[0-9]+')
}

# start_coordinator [FLAGS...]: a coordinator on etcd with FLAGS; sets
# coordinator, its address, and metrics, its metrics address.
start_coordinator() {
	"$bin" coordinator --insecure --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --etcd "$etcd" "$@" \
		>"$dir/coordinator.log" 2>&1 &
	pids+=($!)
	coordinator=$(address "$dir/coordinator.log" 'started" address=127\.0\.0\.1:[0-9]+')
	metrics=("$(address "$dir/coordinator.log" 'metrics=127\.0\.0\.1:[0-9]+')")
}

# start_workers N ID [FLAGS...]: N one-slot workers on etcd, ID-1 to ID-N,
# with FLAGS; adds their metrics addresses to metrics.
start_workers() {
	local n=$1 id=$2 i
	shift 2
	for i in $(seq "$n"); do
		"$bin" worker --insecure --etcd "$etcd" --slots 1 --id "$id-$i" "$@" >"$dir/worker-$i.log" 2>&1 &
		pids+=($!)
		metrics+=("$(address "$dir/worker-$i.log" 'metrics=127\.0\.0\.1:[0-9]+')")
	done
}
