#!/usr/bin/env bash
# Size study of robust threshold inference and of the refined bootstrap
# (docs/threshold-model.md §11.4): 500 Monte Carlo replications of panels with
# n = 100 units and T = 10 periods, B = 199 bootstrap replications of the
# tested stage, grid of 100 points, trim 0.1, in both conventions:
#   het  no threshold, Var(e | x) = 0.25 + x^2: the robust test (--vce cluster)
#        and, for contrast, the default test;
#   iid  no threshold, homoskedastic errors: the robust test;
#   two  two thresholds (slope changes of EFFECT at q = 0.3 and 0.7): the
#        stage-3 test with and without --bootstrap-refine;
#   one  one threshold (slope change EFFECT at q = 0.5), Var(e | x) = 0.25 + x^2:
#        the coverage of the 95% confidence set, Hansen's and eta^2-scaled.
# Usage: scripts/robust-size.sh [Monte Carlo replications, default 500] [EFFECT, default 0.5]
# Runs niced; about 2 CPU-minutes (4 minutes of wall time, shared) on the machine the README names.
set -euo pipefail
cd "$(dirname "$0")/.."
mc=${1:-500}
effect=${2:-0.5}
bin=$(mktemp -d)/robustmc
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./scripts/robustmc
for conv in xthreg hansen; do
	nice "$bin" -design het -convention "$conv" -vce cluster -mc "$mc"
	nice "$bin" -design het -convention "$conv" -vce conventional -mc "$mc"
	nice "$bin" -design iid -convention "$conv" -vce cluster -mc "$mc"
	nice "$bin" -design two -convention "$conv" -vce conventional -refine -effect "$effect" -mc "$mc"
	nice "$bin" -design two -convention "$conv" -vce conventional -effect "$effect" -mc "$mc"
	nice "$bin" -design one -convention "$conv" -vce conventional -effect "$effect" -mc "$mc"
	nice "$bin" -design one -convention "$conv" -vce cluster -effect "$effect" -mc "$mc"
done
