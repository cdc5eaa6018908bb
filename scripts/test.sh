#!/usr/bin/env bash
# Runs the whole test suite: unit tests, the analysis rule fixtures, and the
# engine's integration tests, each against a private redis-server it starts
# itself on a free loopback port; then the web UI's browser flows
# (scripts/test-ui.sh, skipped with FAULTLINE_SKIP_UI_TESTS=1). Installs
# redis-server, chromium and playwright-core if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --lib --bins --tests --no-fail-fast "$@"
else
  cargo test --workspace --lib --bins --tests --no-fail-fast "$@"
fi
if [ "${FAULTLINE_SKIP_UI_TESTS:-0}" != "1" ]; then
  bash scripts/test-ui.sh
fi
