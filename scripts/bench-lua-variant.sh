#!/usr/bin/env bash
# Measures what a change to the Lua library would save before it is ported:
# runs the engine bench against a private Redis whose `faultline` library
# is built from a modified copy of `migrations-lua/`, alternating with the
# library as committed, and prints Redis CPU per job for each run.
#
# Usage: scripts/bench-lua-variant.sh VARIANT_DIR [RUNS] [N] [-- harness args]
#   VARIANT_DIR  a copy of migrations-lua/ (lib/ and the numbered files),
#                edited; it may drop behaviour the bench does not check
#                (an ablation), since only this script ever loads it
#   RUNS         alternating pairs (default 3)    N  jobs per run (default 40000)
#
# The variant is loaded with FUNCTION LOAD REPLACE and answers `fl_version`
# with the committed version and checksum, so the harness's migrate keeps
# it. Redis runs as the harness's own would (AOF off, no RDB,
# RECOMMENDED_ARGS) on port BENCH_PORT (default 6398).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
variant=${1:?usage: $0 VARIANT_DIR [RUNS] [N] [-- harness args]}
variant=$(cd "$variant" && pwd)
runs=${2:-3}
n=${3:-40000}
shift $(($# < 3 ? $# : 3))
[[ ${1:-} == -- ]] && shift
port=${BENCH_PORT:-6398}
work=$(mktemp -d "${TMPDIR:-/tmp}/faultline-lua-variant.XXXXXX")
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

[[ -d $variant/lib && -f $variant/lib/util.lua ]] || { echo "$variant is not a copy of migrations-lua/" >&2; exit 2; }
command -v redis-server >/dev/null || bash "$repo/scripts/ensure-redis.sh"

echo "== building the bench harness (release)..."
harness=$(cd "$repo" && cargo bench --bench engine --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*engine[^"]*\)".*/\1/p' | tail -1)
[[ -x $harness ]] || { echo "could not build the engine bench" >&2; exit 1; }

# The library text exactly as src/engine/library.rs assembles it.
assemble() {
  local dir=$1 version=$2
  printf '#!lua name=faultline\n'
  for f in lib/util.lua lib/fold.lua $(cd "$dir" && ls [0-9][0-9][0-9]_*.lua); do
    printf '\n-- ===== %s =====\n' "$f"; cat "$dir/$f"; printf '\n'
  done
  printf "\nredis.register_function{function_name='fl_version', callback=function() return '%s' end, flags={'no-writes'}}\n" "$version"
}

start_redis() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  sleep 0.3
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --stream-node-max-bytes 1024 --dir "$work" --daemonize yes --logfile "$work/redis.log"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start on port $port" >&2; exit 1
}

# The committed library's version string, as its migrate leaves it.
start_redis
"$harness" --n 10 --redis-url "redis://127.0.0.1:$port" >/dev/null
version=$(redis-cli -p "$port" FCALL_RO fl_version 0)

run() {
  local dir=$1
  shift
  start_redis
  assemble "$dir" "$version" > "$work/lib.lua"
  redis-cli -p "$port" -x FUNCTION LOAD REPLACE < "$work/lib.lua" >/dev/null
  "$harness" --n "$n" --redis-url "redis://127.0.0.1:$port" "$@" 2>&1 |
    sed -n 's/.*Redis CPU \/ job *\([0-9.]*\) us.*/\1/p'
}

declare -a base var
for i in $(seq "$runs"); do
  base+=("$(run "$repo/migrations-lua" "$@")")
  var+=("$(run "$variant" "$@")")
  echo "run $i: committed ${base[-1]} us/job, variant ${var[-1]} us/job"
done
mean() { printf '%s\n' "$@" | awk '{s+=$1} END{printf "%.1f", s/NR}'; }
echo "Redis CPU / job, mean of $runs: committed $(mean "${base[@]}") us, variant $(mean "${var[@]}") us (N=$n)"
