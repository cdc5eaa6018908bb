#!/usr/bin/env bash
# Soak test (a manual tool, not CI): unique submissions at a steady RATE for
# DURATION seconds against a release build of `faultline serve` with short
# lifetimes (TTL seconds for jobs, logs and cache entries), then a quiet
# wait past them. Every 15 s it prints Redis's memory and key count and the
# service's RSS and open file descriptors: under a steady load all four
# level off, and after the wait Redis is back near where it started. Fails
# when a submission failed, the service logged an error, or a key outlived
# its lifetime.
#
#   bash scripts/soak.sh                        # RATE=200/s, DURATION=600, TTL=60
#   RATE=500 DURATION=1800 TTL=120 bash scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-200}
DURATION=${DURATION:-600}
TTL=${TTL:-60}
bash scripts/ensure-redis.sh
source scripts/lib/rust.sh
ensure_rust
cargo build --release -q --bin faultline
bin="${CARGO_TARGET_DIR:-target}/release/faultline"

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --stream-node-max-bytes 1024 --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
http_port=$(free_port)
REDIS_URL="redis://127.0.0.1:$redis_port/0" PORT="$http_port" LOG_LEVEL=warn LOG_FORMAT=json \
  JOB_EXPIRATION="$TTL" EVENT_RETENTION="$TTL" CACHE_EXPIRATION="$TTL" \
  "$bin" serve >"$work/serve.log" 2>&1 &
service=$!
pids+=("$service")
base="http://127.0.0.1:$http_port"
for _ in $(seq 1 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== soak: $RATE submissions/s for $DURATION s, lifetimes $TTL s, then $((TTL * 2 + 30)) s quiet"
python3 scripts/soak/soak.py "$base" "$redis_port" "$service" "$RATE" "$DURATION" "$((TTL * 2 + 30))"
if grep -qE '"level":"ERROR"|panicked' "$work/serve.log"; then
  echo "the service logged errors:" >&2
  grep -E '"level":"ERROR"|panicked' "$work/serve.log" | head -20 >&2
  exit 1
fi
