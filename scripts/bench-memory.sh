#!/usr/bin/env bash
# Peak memory of the default in-process `thresher xthreg` (issue 11):
#
#  1. Hansen's (1999) data replicated to ROWS rows (default 5,100,000, about
#     220 MB), grid 10, no bootstrap: prints the file size, the peak RSS and
#     their ratio (the issue's goal is at most 3).
#  2. A file of 80 rows and 10^6 columns with a model naming a column it
#     lacks: prints the peak RSS and the length of the error message.
#
#   scripts/bench-memory.sh [ROWS]       (BIN=bin/thresher, WORKERS=2)
#
# The CSV files are generated into a temporary directory, removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${1:-5100000}
BIN=${BIN:-bin/thresher}
WORKERS=${WORKERS:-2}

if [ ! -x /usr/bin/time ]; then
	apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
[ -x "$BIN" ] || make build >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# peak_mb FILE: the peak RSS in MB recorded by /usr/bin/time -v in FILE.
peak_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 * 1024 / 1e6 }' "$1"; }

# 1. Copy k of invest.csv's 565 firms gets ids k*1000+id, so every copy is a
# balanced 15-period panel like the original (5,100,000 rows = 340,000 firms).
csv=$tmp/invest-large.csv
awk -v rows="$ROWS" -F, '
	NR == 1 { header = $0; next }
	{ line[n++] = $0 }
	END {
		print header
		for (k = 0; out < rows; k++)
			for (r = 0; r < n && out < rows; r++) {
				split(line[r], f, ",")
				printf "%d", k * 1000 + f[1]
				for (j = 2; j <= 6; j++) printf ",%s", f[j]
				printf "\n"
				out++
			}
	}' testdata/hansen1999/invest.csv >"$csv"
size=$(stat -c %s "$csv")
if ! /usr/bin/time -v "$BIN" xthreg --data "$csv" --workers "$WORKERS" \
	--id id --time year --depvar i --indep 'L.q,L.q^2,L.q^3,L.d,L.q*L.d' --rx L.c --qx L.d \
	--thnum 1 --grid 10 --bs 0 --convention hansen --format json >"$tmp/result.json" 2>"$tmp/time.txt"; then
	cat "$tmp/time.txt" >&2
	exit 1
fi
peak=$(peak_mb "$tmp/time.txt")
awk -v s="$size" -v p="$peak" -v rows="$ROWS" 'BEGIN {
	printf "large: %d rows, file %.1f MB, peak RSS %.1f MB, peak / file = %.2f\n", rows, s / 1e6, p, p * 1e6 / s
}'
rm "$csv"

# 2. 80 rows of id, year and 10^6 columns v0, v1, ...
wide=$tmp/wide.csv
awk 'BEGIN {
	n = 1000000
	printf "id,year"; for (j = 0; j < n; j++) printf ",v%d", j; printf "\n"
	for (r = 0; r < 80; r++) {
		printf "%d,%d", r % 8, 2000 + int(r / 8); for (j = 0; j < n; j++) printf ",%d", (r + j) % 10; printf "\n"
	}
}' >"$wide"
/usr/bin/time -v "$BIN" xthreg --data "$wide" --workers "$WORKERS" --depvar v0 --rx v1 --qx nope \
	>/dev/null 2>"$tmp/time.txt" || true
msg=$(grep -m1 'unknown column' "$tmp/time.txt" || true)
echo "wide: 80 rows x 1,000,002 columns, file $(awk -v s="$(stat -c %s "$wide")" 'BEGIN { printf "%.1f", s / 1e6 }') MB, peak RSS $(peak_mb "$tmp/time.txt") MB, error message ${#msg} bytes"
echo "  $msg"
