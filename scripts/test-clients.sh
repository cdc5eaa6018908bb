#!/usr/bin/env bash
# The contract, proven from outside: starts a private redis-server and
# `faultline serve` (with an API key) on free ports, then
#   0. validates openapi/openapi.{json,yaml} (openapi-spec-validator);
#   1. generates a Python client (openapi-python-client) from the committed
#      openapi/openapi.json and runs tests/clients/python/flow.py with it;
#   2. generates TypeScript types (openapi-typescript), type-checks
#      tests/clients/typescript/flow.ts (openapi-fetch) and runs it;
#   3. runs Schemathesis over every operation (no 5xx, responses match the
#      spec), SCHEMATHESIS_MAX_EXAMPLES cases per operation (default 25).
# Tears everything down on exit. Called by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
bash scripts/ensure-client-tools.sh
cargo build -q --bin faultline

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
http_port=$(free_port)
key="client-flow-key-$RANDOM$RANDOM"
max_size=20000
REDIS_URL="redis://127.0.0.1:$redis_port/0" PORT="$http_port" FAULTLINE_API_KEYS="$key" \
  MAX_CONTENT_SIZE="$max_size" LOG_LEVEL=warn "${CARGO_TARGET_DIR:-target}/debug/faultline" serve >"$work/serve.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$http_port"
for _ in $(seq 1 150); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }

venv=tests/clients/.venv
echo "== The committed spec is valid OpenAPI (openapi-spec-validator)"
for f in openapi/openapi.json openapi/openapi.yaml; do
  "$venv/bin/openapi-spec-validator" "$f" | sed 's/^/  /'
done

echo "== Python client (openapi-python-client)"
"$venv/bin/openapi-python-client" generate --path openapi/openapi.json --meta none \
  --output-path "$work/python/faultline_client" >/dev/null
PYTHONPATH="$work/python" "$venv/bin/python" tests/clients/python/flow.py "$base" "$key" "$max_size"

echo "== TypeScript client (openapi-typescript + openapi-fetch)"
(
  cd tests/clients/typescript
  npx --no-install openapi-typescript ../../../openapi/openapi.json -o generated/schema.d.ts >/dev/null 2>&1
  npx --no-install tsc -p .
  node dist/flow.js "$base" "$key" "$max_size"
)

echo "== Schemathesis"
# The spec is OpenAPI 3.0, so each SSE message's shape is `x-itemSchema`;
# Schemathesis checks every event of a stream against OpenAPI 3.2's name.
sed 's/"x-itemSchema":/"itemSchema":/' openapi/openapi.json >"$work/openapi-stream-items.json"
"$venv/bin/schemathesis" --config-file tests/clients/schemathesis.toml run "$work/openapi-stream-items.json" --url "$base" \
  --header "Authorization: Bearer $key" --checks all --exclude-checks negative_data_rejection,use_after_free \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" --seed 1 --no-color \
  >"$work/schemathesis.log" 2>&1 || { cat "$work/schemathesis.log"; exit 1; }
grep -E "generated|passed|failed|Selected|Tested" "$work/schemathesis.log" | sed 's/^/  /'
