#!/usr/bin/env bash
# Partition test: places 3 etcd members, 2 coordinators, 4 workers and the
# client each in its own network namespace (veth pairs to bridges in a hub
# namespace; TLS from 'thresher certs'): etcd, coordinators and client on
# 10.77.0.0/24, the workers on 10.77.1.0/24 behind a router namespace, so
# every packet between a worker and another node crosses the router (the
# addresses exist only inside the namespaces). It runs the Hansen job
# (HANSEN_ARGS of the Makefile, B = $PARTITION_BS, default 5000) undisturbed,
# and then, ROUNDS times, each case:
#   a) the leading coordinator cut off from every etcd member (its streams to
#      workers and the client stay): it must stop leading before the standby
#      starts, and the standby finishes the job;
#   b) a worker cut off from both coordinators but not from etcd;
#   c) one etcd member of three isolated from everyone;
#   d) 200 ms delay and 5% loss on every worker link, each direction: the
#      router sends everything it forwards through scripts/linkimpair (a TUN
#      interface in user space; this kernel has no netem qdisc) by policy
#      routing, and the script checks that a TCP connect from each worker
#      takes at least the 400 ms round trip (skipped, saying so, without
#      /dev/net/tun).
# A cut is a blackhole route on both sides: packets vanish, as in a real
# partition. Every case must end with JSON byte-identical to the undisturbed
# run, no result conflict (coordinator metric thresher_tasks_total
# {outcome="conflict"}), within $PARTITION_BOUND seconds (default 120); the
# script prints recovery times and the leaders' requeue/duplicate counters.
# Everything (processes, namespaces, files) is removed on exit, also on
# failure or Ctrl-C. Needs root and 'ip netns'; exits 0 with SKIP otherwise.
# Usage: scripts/partition.sh [ROUNDS (default 1)]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
bs=${PARTITION_BS:-5000}
bound=${PARTITION_BOUND:-120}
ttl=2

skip() {
	echo "partition.sh: SKIP: $*"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "no 'ip' command (iproute2)"

p=pt$$ # prefix of every namespace and interface name
tmp=$(mktemp -d /tmp/thresher-partition.XXXXXX)
nslist=()
pids=()
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# In reverse start order (etcd last, so the others can leave it cleanly),
	# 5 s each to exit.
	local i pid
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		pid=${pids[i]}
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null && sleep 0.1 || break; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	for ns in "${nslist[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	if [ "$rc" != 0 ]; then
		echo "partition.sh: FAILED (exit $rc); last lines of every log:" >&2
		for f in "$tmp"/*.log; do [ -e "$f" ] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "${p}probe" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "${p}probe"

bin=$tmp/thresher
nice go build -o "$bin" ./cmd/thresher
impair=$tmp/linkimpair
nice go build -o "$impair" ./scripts/linkimpair

inns() { # inns NODE CMD...: runs CMD in NODE's namespace
	local n=$1
	shift
	ip netns exec "${p}$n" "$@"
}

# Network: hub namespace with bridges br0 (10.77.0.0/24) and br1 (the
# workers, 10.77.1.0/24); node N gets namespace ${p}N; the router rt has
# eth0 on br0 (10.77.0.254) and eth1 on br1 (10.77.1.254) and forwards.
ip netns add "${p}hub"
nslist+=("${p}hub")
for br in br0 br1; do
	ip -n "${p}hub" link add "$br" type bridge
	ip -n "${p}hub" link set "$br" up
done
declare -A addr
namespace() { # namespace NODE
	ip netns add "${p}$1"
	nslist=("${p}$1" "${nslist[@]}")
	inns "$1" ip link set lo up
}
attach() { # attach NODE IFACE BRIDGE ADDRESS: a veth from IFACE in NODE's namespace to BRIDGE
	ip link add "${p}$1${2#eth}" netns "${p}hub" type veth peer name "$2" netns "${p}$1"
	ip -n "${p}hub" link set "${p}$1${2#eth}" master "$3" up
	inns "$1" ip addr add "$4/24" dev "$2"
	inns "$1" ip link set "$2" up
}
node() { # node NAME ADDRESS BRIDGE GATEWAY: eth0 on BRIDGE, the other subnet through GATEWAY
	namespace "$1"
	attach "$1" eth0 "$3" "$2"
	inns "$1" ip route add "10.77.0.0/23" via "$4" # the own /24 on eth0 is more specific
	addr[$1]=$2
}
namespace rt
attach rt eth0 br0 10.77.0.254
attach rt eth1 br1 10.77.1.254
# rp_filter off: packets linkimpair writes back come in on tun0 (case d).
inns rt sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward; for c in all default; do echo 0 >/proc/sys/net/ipv4/conf/$c/rp_filter; done'
etcds=(e1 e2 e3)
coords=(c1 c2)
workers=(w1 w2 w3 w4)
for i in 1 2 3; do node "e$i" "10.77.0.$i" br0 10.77.0.254; done
for i in 1 2; do node "c$i" "10.77.0.$((10 + i))" br0 10.77.0.254; done
for i in 1 2 3 4; do node "w$i" "10.77.1.$((20 + i))" br1 10.77.1.254; done
node cli 10.77.0.30 br0 10.77.0.254

start() { # start NODE ARGS...: runs the binary in NODE's namespace, logging to NODE.log
	local n=$1
	shift
	# Not through inns: a backgrounded function is a subshell, and its pid
	# is not the binary's ('ip netns exec' execs the binary).
	ip netns exec "${p}$n" "$bin" "$@" >>"$tmp/$n.log" 2>&1 &
	pids+=($!)
}
waitlog() { # waitlog NODE REGEX SECONDS
	local end=$((SECONDS + $3))
	until grep -qE "$2" "$tmp/$1.log" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || { echo "$1 did not log /$2/ within $3 s" >&2; return 1; }
		sleep 0.1
	done
}
now() { date +%s.%N; }
logtime() { # logtime NODE REGEX: the time= of NODE's last log line matching REGEX, in seconds
	date -d "$(grep -E "$2" "$tmp/$1.log" | tail -n 1 | sed -E 's/^time=([^ ]+) .*/\1/')" +%s.%N
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Cuts: blackhole routes on both sides.
cut() { # cut NODE PEER...
	local n=$1 m
	shift
	for m in "$@"; do
		inns "$n" ip route add blackhole "${addr[$m]}/32"
		inns "$m" ip route add blackhole "${addr[$n]}/32"
	done
}
heal() { # heal NODE PEER...
	local n=$1 m
	shift
	for m in "$@"; do
		inns "$n" ip route del blackhole "${addr[$m]}/32"
		inns "$m" ip route del blackhole "${addr[$n]}/32"
	done
}

hosts=$(for n in "${!addr[@]}"; do printf '%s,' "${addr[$n]}"; done)
"$bin" certs --dir "$tmp/certs" --hosts "${hosts%,}" >/dev/null
# Each role presents its own certificate (thresher certs: the role is in it).
role_tls() { echo --tls-cert "$tmp/certs/$1.pem" --tls-key "$tmp/certs/$1-key.pem" --tls-ca "$tmp/certs/ca.pem"; }
read -ra coordinator_tls <<<"$(role_tls coordinator)"
read -ra worker_tls <<<"$(role_tls worker)"

initial=$(for i in 1 2 3; do printf 'e%s=http://%s:2380,' "$i" "${addr[e$i]}"; done)
for i in 1 2 3; do
	start "e$i" etcd --name "e$i" --data-dir "$tmp/data-e$i" --listen "${addr[e$i]}:2379" \
		--peer-listen "${addr[e$i]}:2380" --initial-cluster "${initial%,}"
done
for i in 1 2 3; do waitlog "e$i" "etcd serving" 60; done
endpoints=$(for i in 1 2 3; do printf '%s:2379,' "${addr[e$i]}"; done)
endpoints=${endpoints%,}

for c in "${coords[@]}"; do
	start "$c" coordinator --etcd "$endpoints" --listen "${addr[$c]}:7070" --metrics-listen "${addr[$c]}:9090" \
		--session-ttl "${ttl}s" --token-file "$tmp/certs/tokens.txt" "${coordinator_tls[@]}"
	waitlog "$c" "coordinator started" 60
done
for w in "${workers[@]}"; do
	start "$w" worker --etcd "$endpoints" --listen "${addr[$w]}:7071" --metrics-listen "${addr[$w]}:9091" \
		--slots 1 --id "$w" "${worker_tls[@]}"
	waitlog "$w" "worker registered" 60
done

hansen=(--data testdata/hansen1999/invest.csv --id id --time year --depvar i
	--indep 'L.q,L.q^2,L.q^3,L.d,L.q*L.d' --rx L.c --qx L.d --thnum 3 --grid 400
	--trim 0.01,0.01,0.05 --convention hansen --bs "$bs" --format json)
client=(--coordinator "${addr[c1]}:7070,${addr[c2]}:7070" --tls-ca "$tmp/certs/ca.pem"
	--tls-server-name thresher-coordinator --token-file "$tmp/certs/tokens.txt")

metric() { # metric COORD SERIES: the series' value, 0 when absent or unreachable
	inns "$1" curl -s --max-time 2 "http://${addr[$1]}:9090/metrics" 2>/dev/null |
		awk -v s="$2" '$1 == s { v = $2 } END { print v + 0 }'
}
leader() {
	local c
	for c in "${coords[@]}"; do
		[ "$(metric "$c" thresher_coordinator_leader)" = 1 ] && { echo "$c"; return; }
	done
	return 1
}
outcome() { # outcome OUTCOME: the sum over coordinators of thresher_tasks_total{outcome=...}
	local c s=0
	for c in "${coords[@]}"; do s=$((s + $(metric "$c" "thresher_tasks_total{outcome=\"$1\"}"))); done
	echo "$s"
}

job=0
submit() { # submit: starts the job from the client namespace; sets jobpid, jobout, jobstart
	job=$((job + 1))
	jobout=$tmp/job$job.json
	jobstart=$(now)
	ip netns exec "${p}cli" "$bin" xthreg "${hansen[@]}" "${client[@]}" >"$jobout" 2>"$tmp/job$job.log" &
	jobpid=$!
	pids+=("$jobpid")
}
waitprogress() { # waits until the job reports bootstrap progress, so a cut happens mid-job
	local end=$((SECONDS + 60))
	until grep -sqE "bootstrap .*[1-9][0-9]*/$bs" "$tmp/job$job.log"; do
		[ "$SECONDS" -lt "$end" ] || { echo "job $job shows no progress" >&2; return 1; }
		sleep 0.1
	done
}
running() { # running CASE: fails when the job ended before the disturbance began
	kill -0 "$jobpid" 2>/dev/null || { echo "$1: the job ended before the disturbance; raise PARTITION_BS" >&2; return 1; }
}
finish() { # finish CASE: waits for the job within the bound, compares its JSON; sets took
	local end=$((SECONDS + bound))
	while kill -0 "$jobpid" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || { echo "$1: the job did not finish within $bound s" >&2; return 1; }
		sleep 0.2
	done
	wait "$jobpid" || { echo "$1: the client failed:" >&2; cat "$tmp/job$job.log" >&2; return 1; }
	took=$(elapsed "$jobstart" "$(now)")
	# Also when the machine stalled this shell past the bound while the job ended.
	awk -v t="$took" -v b="$bound" 'BEGIN { exit !(t <= b) }' ||
		{ echo "$1: the job took $took s, over the bound of $bound s" >&2; return 1; }
	cmp -s "$jobout" "$tmp/reference.json" || { echo "$1: the JSON differs from the undisturbed run" >&2; return 1; }
}
counters() { echo "totals since start: requeued=$(outcome requeued) duplicate=$(outcome duplicate) conflict=$(outcome conflict)"; }
check() { # check CASE CONFLICTS_BEFORE: no duplicate result may differ from the first
	[ "$(outcome conflict)" = "$2" ] || { echo "$1: conflicting results for a slot" >&2; return 1; }
}

echo "partition.sh: 3 etcd, 2 coordinators, 4 workers in namespaces ${p}*; B = $bs, bound $bound s, session TTL $ttl s"
nice "$bin" xthreg "${hansen[@]}" >"$tmp/reference.json"
submit
finish undisturbed
cp "$jobout" "$tmp/reference.json"
echo "undisturbed: ${took} s (same JSON as the in-process run)"

tun=yes
[ -c /dev/net/tun ] || tun=no

for round in $(seq "$rounds"); do
	# a) The leader loses etcd; it keeps its streams to workers and client.
	c0=$(outcome conflict)
	old=$(leader)
	new=$([ "$old" = c1 ] && echo c2 || echo c1)
	lost0=$(grep -c "leadership session lost" "$tmp/$old.log" || true)
	lead0=$(grep -c "msg=leading" "$tmp/$new.log" || true)
	submit
	waitprogress
	t0=$(now)
	cut "$old" "${etcds[@]}"
	running a
	tlost="" tlead=""
	end=$((SECONDS + bound))
	while [ -z "$tlead" ] || [ -z "$tlost" ]; do
		[ "$SECONDS" -lt "$end" ] || { echo "a: no takeover within $bound s" >&2; exit 1; }
		if [ -z "$tlost" ] && [ "$(grep -c "leadership session lost" "$tmp/$old.log")" -gt "$lost0" ]; then tlost=$(now); fi
		if [ -z "$tlead" ] && [ "$(grep -c "msg=leading" "$tmp/$new.log")" -gt "$lead0" ]; then
			tlead=$(now)
		fi
		sleep 0.05
	done
	# The log times order the events exactly: the old leader logs its loss
	# after its scheduler and job runners have returned.
	tlost=$(logtime "$old" "leadership session lost")
	tlead=$(logtime "$new" "msg=leading")
	awk -v a="$tlost" -v b="$tlead" 'BEGIN { exit !(a < b) }' ||
		{ echo "a: $new started leading before $old stopped" >&2; exit 1; }
	finish a
	heal "$old" "${etcds[@]}"
	check a "$c0"
	echo "round $round a) leader $old cut from etcd: it stopped leading after $(elapsed "$t0" "$tlost") s, $new leads after $(elapsed "$t0" "$tlead") s ($(elapsed "$tlost" "$tlead") s later); job ${took} s; $(counters)"

	# b) A worker loses both coordinators but keeps etcd.
	c0=$(outcome conflict)
	r0=$(outcome requeued)
	submit
	waitprogress
	t0=$(now)
	cut w1 "${coords[@]}"
	running b
	trq=""
	while kill -0 "$jobpid" 2>/dev/null && [ -z "$trq" ]; do
		[ "$(outcome requeued)" -gt "$r0" ] && trq=$(now)
		sleep 0.1
	done
	finish b
	heal w1 "${coords[@]}"
	check b "$c0"
	requeue="never (w1 held no task)"
	[ -z "$trq" ] || requeue="after $(elapsed "$t0" "$trq") s"
	echo "round $round b) worker w1 cut from the coordinators: its task requeued $requeue; job ${took} s; $(counters)"

	# c) One etcd member isolated from everyone.
	c0=$(outcome conflict)
	victim=e$(((round - 1) % 3 + 1))
	others=()
	for n in "${!addr[@]}"; do [ "$n" = "$victim" ] || others+=("$n"); done
	submit
	waitprogress
	cut "$victim" "${others[@]}"
	running c
	finish c
	heal "$victim" "${others[@]}"
	check c "$c0"
	echo "round $round c) etcd member $victim isolated: job ${took} s; leader $(leader); $(counters)"

	# d) 200 ms delay and 5% loss on every worker link, each direction: the
	# router sends every packet it forwards (all there is between a worker
	# and another node) through linkimpair's tun0 (table 100); what
	# linkimpair writes back comes in on tun0 and follows the main table.
	if [ "$tun" = no ]; then
		echo "round $round d) SKIP: no /dev/net/tun for the user-space delaying link"
		continue
	fi
	c0=$(outcome conflict)
	ip netns exec "${p}rt" "$impair" -dev tun0 -delay 200ms -loss 0.05 -seed "$round" >"$tmp/impair$round.log" 2>&1 &
	impairpid=$!
	pids+=("$impairpid")
	waitlog "impair$round" "tun0 ready" 30
	inns rt ip link set tun0 up
	inns rt ip route add default dev tun0 table 100
	inns rt ip rule add iif eth0 lookup 100
	inns rt ip rule add iif eth1 lookup 100
	# A TCP connect from each worker to a coordinator takes one round trip.
	rtts=$(for w in "${workers[@]}"; do
		inns "$w" curl -s -o /dev/null --max-time 30 -w '%{time_connect}\n' "http://${addr[c1]}:9090/metrics"
	done | sort -n | awk 'NR == 1 { min = $1 } { max = $1 } END { printf "%.2f %.2f", min, max }')
	read -r rttmin rttmax <<<"$rtts"
	awk -v t="$rttmin" 'BEGIN { exit !(t >= 0.4) }' ||
		{ echo "d: a worker connected in $rttmin s, less than the 0.4 s round trip" >&2; exit 1; }
	submit
	finish d
	kill -0 "$impairpid" 2>/dev/null || { echo "d: linkimpair ended during the job" >&2; exit 1; }
	inns rt ip rule del iif eth1 lookup 100
	inns rt ip rule del iif eth0 lookup 100
	sleep 0.5 # what linkimpair holds leaves before it stops
	kill -TERM "$impairpid"
	wait "$impairpid" || { echo "d: linkimpair failed" >&2; exit 1; }
	check d "$c0"
	echo "round $round d) 200 ms delay, 5% loss on worker links: TCP connect from the workers $rttmin-$rttmax s; job ${took} s; $(counters)"
	echo "    linkimpair (seed $round): $(sed -nE 's/^linkimpair: tun0: (received .*)/\1/p' "$tmp/impair$round.log")"
done
echo "partition.sh: PASS ($rounds round(s))"
