#!/usr/bin/env bash
# Installs Prometheus and promtool (Debian's `prometheus` package) when
# missing. The package's postinst may try to start a service: harmless here,
# the observability check starts its own server on a free port.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  exit 0
fi
source "$(dirname "$0")/lib/apt.sh"
apt_install --no-install-recommends prometheus || {
  echo "prometheus/promtool are missing: install Prometheus 2.x and retry" >&2
  exit 1
}
