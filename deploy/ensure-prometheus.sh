#!/bin/sh
# Makes sure Debian's prometheus package (prometheus + promtool) is installed.
# Used by `make promtool-check`, `make demo` and the integration tests.
#
# Exit status: 0 installed (already or now), 3 missing and not installable
# here (not root or no apt-get: callers skip with a message), anything else
# a failed installation.
set -eu

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "prometheus/promtool not found and cannot install them here (needs root and apt-get):" >&2
	echo "  apt-get update && apt-get install -y prometheus" >&2
	exit 3
fi
echo "installing Debian's prometheus package (prometheus, promtool)..." >&2
# No recommends: node-exporter and friends are not needed. DEBIAN_FRONTEND
# keeps apt from asking questions; the package's attempt to start a system
# service fails harmlessly where there is no init system.
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends prometheus >&2
command -v prometheus >/dev/null && command -v promtool >/dev/null
