#!/usr/bin/env bash
# Installs redis-server (Redis 7+, for Functions) and redis-cli (the cluster
# script uses it) when either is missing.
# Debian/Ubuntu through apt-get; elsewhere it says what to install.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing redis-server with apt-get..." >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
else
  echo "redis-server is missing: install Redis 7 or newer (e.g. 'brew install redis') and retry" >&2
  exit 1
fi
