#!/usr/bin/env bash
# Installs Prometheus and promtool (Debian's `prometheus` package) when
# missing. The package's postinst may try to start a service: harmless here,
# the observability check starts its own server on a free port.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing prometheus (with promtool) with apt-get..." >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
else
  echo "prometheus/promtool are missing: install Prometheus 2.x and retry" >&2
  exit 1
fi
