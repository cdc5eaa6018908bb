#!/usr/bin/env bash
# End-to-end tests of the web UI in headless Chromium (tests/ui/). Installs
# chromium and playwright-core when missing, starts a private redis-server
# and `faultline api` on free loopback ports (the flows start a worker
# themselves), runs the flows, tears everything down. Screenshots land in
# test-output/ui/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
bash scripts/ensure-chromium.sh
cargo build -q --bin faultline
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# A copy of the binary just built (CARGO_TARGET_DIR may be shared with other
# builds that would replace it mid-run).
cp "${CARGO_TARGET_DIR:-$PWD/target}/debug/faultline" "$WORK/faultline"
BIN="$WORK/faultline"
REDIS_PORT="$(free_port)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
  >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
API_PORT="$(free_port)"
HOST=127.0.0.1 PORT="$API_PORT" LOG_LEVEL=warn "$BIN" api >"$WORK/api.log" 2>&1 &
PIDS+=($!)
# A second API on the same Redis whose reads need a key (the key prompt flow).
export UI_KEY="ui-e2e-key-$(date +%s%N)"
LOCKED_PORT="$(free_port)"
HOST=127.0.0.1 PORT="$LOCKED_PORT" LOG_LEVEL=warn FAULTLINE_API_KEYS="$UI_KEY" FAULTLINE_AUTH_READS=true \
  "$BIN" api >"$WORK/api-locked.log" 2>&1 &
PIDS+=($!)
export BASE="http://127.0.0.1:$API_PORT" BASE_LOCKED="http://127.0.0.1:$LOCKED_PORT" FAULTLINE_BIN="$BIN"
ready() { node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1/readyz"; }
for base in "$BASE" "$BASE_LOCKED"; do
  for _ in $(seq 1 150); do ready "$base" && break; sleep 0.2; done
  ready "$base" || { cat "$WORK"/api*.log; echo "faultline api did not start at $base" >&2; exit 1; }
done
mkdir -p test-output/ui
SHOTS="$PWD/test-output/ui" node --test --test-concurrency=1 tests/ui/ || { tail -50 "$WORK/api.log"; exit 1; }
