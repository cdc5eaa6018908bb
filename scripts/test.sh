#!/usr/bin/env bash
# Runs the whole test suite: unit tests, the analysis rule fixtures, and the
# engine's integration tests, each against a private redis-server it starts
# itself on a free loopback port; then the web UI's browser flows
# (scripts/test-ui.sh, SKIP_UI_TESTS=1 skips them) and the generated clients
# (scripts/test-clients.sh). Installs what each needs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --lib --bins --tests --no-fail-fast "$@"
else
  cargo test --workspace --lib --bins --tests --no-fail-fast "$@"
fi
if [ "${SKIP_UI_TESTS:-0}" != "1" ]; then
  bash scripts/test-ui.sh
fi
# The committed spec from outside: generated Python and TypeScript clients and
# Schemathesis against a running server (SKIP_CLIENT_TESTS=1 skips them).
if [ "${SKIP_CLIENT_TESTS:-0}" != "1" ]; then
  bash scripts/test-clients.sh
fi
