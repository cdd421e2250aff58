#!/usr/bin/env bash
# A local thresher cluster watched by a real Prometheus (`make demo`):
# etcd, a coordinator and two workers on loopback with the metrics ports
# that deploy/prometheus/prometheus.yml scrapes (9470, 9471, 9472), a
# Prometheus on 127.0.0.1:$PROM_PORT with the rules of rules.yml, and a long
# bootstrap job. Ctrl-C stops everything and removes the temporary data.
#
# Environment: BIN (default bin/thresher), PROM_PORT (9090), BS (bootstrap
# replications per stage, 20000), KEEP=0 stops when the job ends instead of
# keeping the cluster and Prometheus up for a look.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-bin/thresher}
PROM_PORT=${PROM_PORT:-9090}
BS=${BS:-20000}
ETCD=127.0.0.1:2379
# Everything listens on loopback, where plaintext gRPC is allowed: binaries
# that require TLS accept it with --insecure (read from this variable);
# older ones ignore it.
export THRESHER_INSECURE=true
COORD=127.0.0.1:7070

[ -x "$BIN" ] || make build
if ! deploy/ensure-prometheus.sh; then
	echo "demo: Prometheus is needed; install Debian's prometheus package and run again." >&2
	exit 1
fi

# listening HOST:PORT -> true when something accepts connections there.
listening() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

for addr in $ETCD $COORD 127.0.0.1:9470 127.0.0.1:9471 127.0.0.1:9472 127.0.0.1:$PROM_PORT; do
	if listening "$addr"; then
		echo "demo: $addr is already in use (another demo running?)" >&2
		exit 1
	fi
done

work=$(mktemp -d -t thresher-demo-XXXXXX)
pids=()
# Stop in reverse start order: Prometheus, the workers (they drain), the
# coordinator, then etcd, so that nobody loses its etcd mid-shutdown.
cleanup() {
	trap - EXIT INT TERM
	echo
	echo "demo: stopping (logs were in $work)"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for ADDR NAME: until ADDR accepts connections (at most 30 s).
wait_for() {
	for _ in $(seq 300); do
		listening "$1" && return 0
		sleep 0.1
	done
	echo "demo: $2 did not start; see $work/$2.log" >&2
	exit 1
}

"$BIN" etcd --data-dir "$work/etcd" --listen $ETCD >"$work/etcd.log" 2>&1 &
pids+=($!)
wait_for $ETCD etcd
"$BIN" coordinator --etcd $ETCD --listen $COORD --metrics-listen 127.0.0.1:9470 >"$work/coordinator.log" 2>&1 &
pids+=($!)
wait_for $COORD coordinator
for i in 1 2; do
	# One slot each: two workers then use two cores, and the dashboard
	# shows work moving between them.
	"$BIN" worker --etcd $ETCD --id "demo-worker-$i" --slots 1 --metrics-listen "127.0.0.1:947$i" \
		>"$work/worker-$i.log" 2>&1 &
	pids+=($!)
	wait_for "127.0.0.1:947$i" "worker-$i"
done
prometheus --config.file=deploy/prometheus/prometheus.yml --storage.tsdb.path="$work/prometheus" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_for "127.0.0.1:$PROM_PORT" prometheus

query='sum by (stage) (rate(thresher_replications_completed_total[30s]))'
cat <<EOF

  Prometheus:  http://127.0.0.1:$PROM_PORT
  Throughput:  http://127.0.0.1:$PROM_PORT/graph?g0.expr=$(printf %s "$query" | sed 's/ /%20/g; s/(/%28/g; s/)/%29/g; s/\[/%5B/g; s/\]/%5D/g')&g0.tab=0&g0.range_input=15m
               $query
  Recorded:    job:thresher_replications_completed:rate1m
  Alerts:      http://127.0.0.1:$PROM_PORT/alerts
  Metrics:     http://127.0.0.1:9470/metrics (coordinator), :9471 and :9472 (workers)

  Submitting a bootstrap job with $BS replications per stage; Ctrl-C stops everything.

EOF

"$BIN" xthreg --data testdata/hansen1999/invest.csv --depvar i --indep 'L.q,L.q^2,L.q^3,L.d,L.q*L.d' \
	--rx L.c --qx L.d --thnum 3 --grid all --trim 0.01,0.01,0.05 --bs "$BS" --convention hansen \
	--coordinator $COORD
if [ "${KEEP:-1}" = 1 ]; then
	echo "demo: job done; the cluster and Prometheus keep running; Ctrl-C to stop."
	while :; do sleep 3600; done
fi
