#!/usr/bin/env bash
# Runs the whole test suite: unit tests, the analysis rule fixtures, and the
# engine's integration tests, each against a private redis-server it starts
# itself on a free loopback port; then the observability checks (alert
# rules, dashboards, a live Prometheus: scripts/test-observability.sh).
# Installs redis-server (and prometheus, npm packages) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --lib --bins --tests --no-fail-fast "$@"
else
  cargo test --workspace --lib --bins --tests --no-fail-fast "$@"
fi
bash scripts/test-observability.sh
