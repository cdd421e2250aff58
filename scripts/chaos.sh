#!/usr/bin/env bash
# Chaos test: runs the acceptance job (Hansen data, 3 thresholds, exact grid,
# B = 2,000 per stage) ROUNDS times on a secured cluster of 3 etcd members,
# 2 coordinators and 4 workers, all separate processes, while it kills with
# SIGKILL and restarts random workers, the leading coordinator and an etcd
# member; every round's JSON must be byte-identical to an undisturbed run.
# Usage: scripts/chaos.sh [ROUNDS (default 10)] [SEED (default 1)]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
seed=${2:-1}
exec go test ./cmd/thresher -run '^TestChaos$' -count=1 -timeout 90m -v \
	-args -chaos.rounds="$rounds" -chaos.seed="$seed"
