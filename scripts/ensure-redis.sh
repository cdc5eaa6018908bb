#!/usr/bin/env bash
# Installs redis-server (Redis 7+, for Functions) and redis-cli (the cluster
# script uses it) when either is missing.
# Debian/Ubuntu through apt-get; elsewhere it says what to install.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi
source "$(dirname "$0")/lib/apt.sh"
apt_install redis-server redis-tools || {
  echo "redis-server is missing: install Redis 7 or newer (e.g. 'brew install redis') and retry" >&2
  exit 1
}
# The package also starts a system Redis on localhost:6379 without AOF,
# which `faultline serve` would then use instead of starting its private,
# persistent one. Installed here only for its binary: stop that service.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "stopping and disabling the packaged redis-server service (faultline serve starts its own with AOF)" >&2
  $sudo systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
