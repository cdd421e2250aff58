#!/bin/sh
# Makes sure Debian's packages for testing a client package are installed:
#   clients/ensure-deps.sh python   python3-pandas python3-matplotlib python3-pytest python3-grpcio python3-protobuf
#   clients/ensure-deps.sh r        r-base-core r-cran-testthat r-cran-jsonlite r-cran-generics
# Used by `make test-python` and `make test-r`, as deploy/ensure-prometheus.sh
# is by `make promtool-check`.
#
# Exit status: 0 installed (already or now), 3 missing and not installable
# here (not root or no apt-get: callers skip with a message), 2 a usage
# mistake, anything else a failed installation.
set -eu

case "${1:-}" in
python)
	packages="python3-pandas python3-matplotlib python3-pytest python3-grpcio python3-protobuf"
	present() { /usr/bin/python3 -c 'import pandas, matplotlib, pytest, grpc, google.protobuf' >/dev/null 2>&1; }
	;;
r)
	packages="r-base-core r-cran-testthat r-cran-jsonlite r-cran-generics"
	present() {
		/usr/bin/Rscript -e 'for (p in c("testthat", "jsonlite", "generics")) if (!requireNamespace(p, quietly = TRUE)) quit(status = 1)' >/dev/null 2>&1
	}
	;;
*)
	echo "usage: clients/ensure-deps.sh python|r" >&2
	exit 2
	;;
esac

if present; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "the $1 client's test dependencies are missing and cannot be installed here (needs root and apt-get):" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends $packages" >&2
	exit 3
fi
echo "installing Debian's packages for the $1 client: $packages..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q --no-install-recommends $packages >&2
present
