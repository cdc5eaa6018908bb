#!/usr/bin/env bash
# Runs the whole test suite: unit tests, the analysis rule fixtures, and the
# engine's integration tests, each against a private redis-server it starts
# itself on a free loopback port; then the engine's integration tests again,
# each against a private 6-node Redis Cluster (scripts/redis-cluster.sh); then
# the observability checks (alert rules, dashboards, a live Prometheus:
# scripts/test-observability.sh), the web UI's browser flows (scripts/test-ui.sh,
# SKIP_UI_TESTS=1 skips them) and the generated clients (scripts/test-clients.sh).
# Installs what each needs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
source scripts/lib/rust.sh
ensure_rust

# Single-server only: restarting one Redis, one server's memory and keyspace,
# the plain-connection fold check, and tests that involve no Redis topology.
# `cluster::` tests start their own cluster in the first pass; `debug_cli::`
# runs the binary with a single-server REDIS_URL; `embedded::` runs it with
# none (its own private redis-server).
single_only='recovery|retention|fold_equivalence|contract|cluster|debug_cli|redis_tls|embedded'
rc=0
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --lib --bins --tests --no-fail-fast "$@" || rc=$?
  echo "== the engine suite on Redis Cluster" >&2
  FAULTLINE_TEST_TOPOLOGY=cluster cargo nextest run --test engine --no-fail-fast \
    -E "not test(/^($single_only)::/)" "$@" || rc=$?
else
  cargo test --workspace --lib --bins --tests --no-fail-fast "$@" || rc=$?
  echo "== the engine suite on Redis Cluster" >&2
  skips=()
  for m in ${single_only//|/ }; do skips+=(--skip "$m::"); done
  FAULTLINE_TEST_TOPOLOGY=cluster cargo test --test engine --no-fail-fast -- "${skips[@]}" "$@" || rc=$?
fi
bash scripts/test-observability.sh || rc=$?
if [ "${SKIP_UI_TESTS:-0}" != "1" ]; then
  bash scripts/test-ui.sh || rc=$?
fi
# The committed spec from outside: generated Python and TypeScript clients and
# Schemathesis against a running server (SKIP_CLIENT_TESTS=1 skips them).
if [ "${SKIP_CLIENT_TESTS:-0}" != "1" ]; then
  bash scripts/test-clients.sh || rc=$?
fi
exit $rc
