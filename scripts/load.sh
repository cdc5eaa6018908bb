#!/usr/bin/env bash
# Load test (a manual tool, not CI): requests/s and p50/p99 latency for a
# cache-hit POST /artifacts/analyze, GET /jobs/{id} and unique submissions,
# at 32 and 256 concurrent connections, against a release build of
# `faultline serve` and a private redis-server on this machine. Afterwards it
# checks that no request failed and that every job drained (none left queued
# or running). Installs wrk, curl and python3 (apt-get) if missing.
#
#   bash scripts/load.sh            # DURATION=10 seconds per run, THREADS=2
#   FRESH=1 bash scripts/load.sh    # a new Redis and service for each run
#
# By default all six runs share one Redis, which grows with every job they
# create (about 2 KB per cache hit, whose snapshot names the event holding
# its result; a unique submission's job also holds its report), so a later
# run pays for the pages an earlier one filled; FRESH=1 measures each run on
# an empty server.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
FRESH=${FRESH:-0}
bash scripts/ensure-redis.sh
need=()
for tool in wrk curl python3; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  source scripts/lib/apt.sh
  apt_install "${need[@]}" || { echo "missing: ${need[*]}; install them and retry" >&2; exit 1; }
fi
source scripts/lib/rust.sh
ensure_rust
cargo build --release -q --bin faultline

work=$(mktemp -d)
pids=()
stop_stack() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
trap 'stop_stack; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A private Redis (with the README's recommended settings) and the service,
# then one analysed artifact whose content makes every later identical POST
# a hit. Sets $base, $job and $hit.
start_stack() {
  local dir redis_port http_port body
  dir=$(mktemp -d -p "$work")
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --stream-node-max-bytes 1024 --dir "$dir" >"$dir/redis.log" 2>&1 &
  pids+=($!)
  http_port=$(free_port)
  REDIS_URL="redis://127.0.0.1:$redis_port/0" PORT="$http_port" LOG_LEVEL=warn \
    ./target/release/faultline serve >"$dir/serve.log" 2>&1 &
  pids+=($!)
  base="http://127.0.0.1:$http_port"
  for _ in $(seq 1 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  hit="load cache hit $RANDOM"
  body=$(python3 -c 'import json,sys; print(json.dumps({"content": "openapi: 3.0.3\ninfo:\n  title: %s\n  version: '"'"'1'"'"'\npaths:\n  /users:\n    get:\n      responses:\n        '"'"'200'"'"':\n          description: ok\n" % sys.argv[1], "content_type": "openapi-yaml"}))' "$hit")
  job=$(curl -fsS -H 'content-type: application/json' -d "$body" "$base/artifacts/analyze" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
  for _ in $(seq 1 100); do
    curl -fsS "$base/jobs/$job" | grep -q '"status":"completed"' && break
    sleep 0.1
  done
}

# Jobs of the current stack in one status, counted through GET /jobs.
count() {
  python3 - "$base" "$1" <<'PY'
import json, sys, urllib.request
base, status, cursor, n = sys.argv[1], sys.argv[2], None, 0
while True:
    url = f"{base}/jobs?status={status}&limit=500" + (f"&cursor={cursor}" if cursor else "")
    page = json.load(urllib.request.urlopen(url))
    n += len(page["jobs"])
    cursor = page["next_cursor"]
    if not cursor:
        print(n)
        break
PY
}

# Every submission must finish: waits until no job of the current stack is
# queued or running (at most 300 s), then says how many there were.
drain() {
  local began left
  began=$(date +%s)
  while :; do
    left=$(( $(count queued) + $(count running) ))
    [ "$left" = 0 ] && break
    if [ $(( $(date +%s) - began )) -gt 300 ]; then
      echo "jobs still queued or running after 300 s: $left" >&2
      exit 1
    fi
    sleep 2
  done
  echo "all jobs drained $(( $(date +%s) - began )) s after the last run; total jobs: $(curl -fsS "$base/jobs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'); failed jobs: $(count failed)"
}

failed=0
[ "$FRESH" = 1 ] || start_stack
printf '%-8s %6s %10s %9s %9s %9s %7s %7s\n' scenario conns "req/s" "p50 ms" "p99 ms" requests errors non2xx
for mode in hit get unique; do
  for conns in 32 256; do
    [ "$FRESH" = 1 ] && start_stack
    line=$(MODE=$mode JOB_ID=$job HIT_CONTENT="$hit" wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" \
      -s scripts/load/wrk.lua "$base" | grep '^RESULT')
    eval "${line#RESULT }"
    printf '%-8s %6s %10s %9s %9s %9s %7s %7s\n' "$mode" "$conns" "$rps" "$p50_ms" "$p99_ms" "$requests" "$socket_errors" "$non_2xx"
    [ "$socket_errors" = 0 ] && [ "$non_2xx" = 0 ] || failed=1
    if [ "$FRESH" = 1 ]; then
      drain >&2
      stop_stack
    fi
  done
done
[ "$FRESH" = 1 ] || drain
[ "$failed" = 0 ] || { echo "some requests failed" >&2; exit 1; }
