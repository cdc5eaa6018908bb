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
