#!/usr/bin/env bash
# Starts Faultline (API + workers) on http://127.0.0.1:${PORT:-8080}.
# Installs redis-server if missing; without REDIS_URL, Faultline uses a Redis
# on localhost:6379 or starts a private one with AOF under .faultline/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
source scripts/lib/rust.sh
ensure_rust
cargo build --release --bin faultline
exec ./target/release/faultline serve "$@"
