#!/usr/bin/env bash
# Faultline's engine vs BullMQ, same workload, same machine, one run.
#
# Usage: scripts/bench-vs-bullmq.sh [N]        (default N=20000)
#
# Environment:
#   BULLMQ_DIR   the BullMQ peer harness (default ../shared/anchors/bullmq
#                relative to the repo); copied to a temp dir before npm install
#   SINGLE_N     N for the `single` variants (default: N)
#   BENCH_OUT    JSON-lines file the raw results are appended to
#                (default: a file in the temp dir, printed at the end)
#   BENCH_ARGS   extra arguments for Faultline's harness (e.g. "--shards 4")
#   BULLMQ_KEEP  1: also run BullMQ bulk keeping its finished jobs
#                (`--remove false`, right after its default run) and compare
#                Faultline, which keeps every job's snapshot, log and cache
#                entry for their TTLs, with that too
#
# Order: BullMQ bulk, Faultline bulk, BullMQ single, Faultline single, so a
# drift in machine load hits both systems alike. BullMQ gets a throw-away
# redis-server of its own (AOF off, no RDB); Faultline's harness starts its
# own the same way. Faultline is built (release) before anything is timed.
set -euo pipefail

n=${1:-20000}
single_n=${SINGLE_N:-$n}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bullmq_src=${BULLMQ_DIR:-$repo/../shared/anchors/bullmq}
work=$(mktemp -d "${TMPDIR:-/tmp}/faultline-vs-bullmq.XXXXXX")
out=${BENCH_OUT:-$work/results.jsonl}
redis_pid=""

cleanup() {
  if [[ -n $redis_pid ]] && kill -0 "$redis_pid" 2>/dev/null; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  # Keep the results file when it lives in the temp dir.
  find "$work" -mindepth 1 -maxdepth 1 ! -name results.jsonl -exec rm -rf {} + 2>/dev/null || true
}
trap cleanup EXIT

[[ $n =~ ^[0-9]+$ && $single_n =~ ^[0-9]+$ ]] || { echo "usage: $0 [N]  (N a positive integer)" >&2; exit 2; }
[[ -f $bullmq_src/bench-bullmq.mjs ]] || { echo "no BullMQ harness at $bullmq_src (set BULLMQ_DIR)" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "node and npm are needed for the BullMQ side (e.g. apt-get install nodejs npm)" >&2; exit 2; }
command -v cargo >/dev/null || { echo "cargo is needed (https://rustup.rs)" >&2; exit 2; }

# redis-server (Redis 7+), installed with apt-get when missing.
if ! command -v redis-server >/dev/null 2>&1; then
  bash "$repo/scripts/ensure-redis.sh" || exit 2
fi
echo "== $(redis-server --version)"
echo "== $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# Build Faultline's harness first, so compiling never overlaps a measurement.
echo "== building Faultline's bench harness (release)..."
(cd "$repo" && cargo bench --bench engine --no-run --quiet)

# BullMQ: a writable copy and its packages.
echo "== installing BullMQ's harness in $work/bullmq..."
cp -r "$bullmq_src" "$work/bullmq"
chmod -R u+w "$work/bullmq"
(cd "$work/bullmq" && npm install --no-audit --no-fund --loglevel=error >/dev/null)

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

start_redis() {
  port=$(free_port)
  mkdir -p "$work/redis"
  # Both systems get the same server, with Faultline's recommended stream
  # node size (README, "Redis settings"; BullMQ's one capped events stream
  # is not affected by it).
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --stream-node-max-bytes 1024 --dir "$work/redis" >/dev/null &
  redis_pid=$!
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "redis-server did not start on port $port" >&2; exit 1
}

stop_redis() {
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
}

bullmq() { # variant n [remove]
  start_redis
  echo "== BullMQ $1, N=$2, removeOnComplete ${3:-true} (redis on port $port)"
  (cd "$work/bullmq" && node bench-bullmq.mjs --variant "$1" --progress 3 --n "$2" --port "$port" \
    --remove "${3:-true}" --out "$out" --tag side-by-side)
  stop_redis
}

faultline() { # n args...
  local count=$1; shift
  echo "== Faultline $*, N=$count"
  # shellcheck disable=SC2086
  (cd "$repo" && cargo bench --bench engine --quiet -- --n "$count" "$@" --tag side-by-side --json "$out" ${BENCH_ARGS:-})
}

bullmq bulk "$n"
if [[ ${BULLMQ_KEEP:-0} == 1 ]]; then bullmq bulk "$n" false; fi
faultline "$n" --batch 1000
bullmq single "$single_n"
faultline "$single_n" --single --producers 50

# Side by side, from the JSON lines of this run (the last of each kind).
echo
node - "$out" <<'EOF'
const fs = require('fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
// BullMQ's default run deletes finished jobs; `keep` picks the run that kept them.
const last = (system, variant, keep = false) =>
  rows.filter((r) => r.system === system && r.variant === variant && (r.removeOnComplete === false) === keep).pop();
// Commands a BullMQ client sends (everything else in its commandstats runs
// inside its Lua scripts); the harness's own INFO/ECHO/CONFIG are left out.
const CLIENT = /^(evalsha|eval|evalsha_ro|eval_ro|fcall|fcall_ro|bzpopmin|bzpopmax|blmove|brpoplpush|blpop|brpop|multi|exec|ping|hello|select|client\|.*|script\|.*)$/;
const HARNESS = /^(info|echo|config\|.*|memory\|.*|quit|flushall)$/;
function bull(r) {
  if (!r) return null;
  let rt = 0, cmds = 0;
  for (const [k, v] of Object.entries(r.cmds_per_job)) {
    if (HARNESS.test(k)) continue;
    cmds += v;
    if (CLIENT.test(k)) rt += v;
  }
  return {
    jobs_per_s: r.jobs_per_s, rt, cmds,
    redis_us: (r.cpu_s.redis * 1e6) / r.n, client_us: (r.cpu_s.node * 1e6) / r.n,
    p50: r.lat_p50_ms, p99: r.lat_p99_ms, sub50: null, sub99: null, mem: r.bytes_per_job, n: r.n,
  };
}
function fl(r) {
  if (!r) return null;
  return {
    jobs_per_s: r.jobs_per_s, rt: r.round_trips_per_job, hot: r.hot_round_trips_per_job, cmds: r.commands_per_job,
    redis_us: r.redis_cpu_us_per_job, client_us: r.client_cpu_us_per_job,
    p50: r.lat_p50_ms, p99: r.lat_p99_ms, sub50: r.submit_p50_ms, sub99: r.submit_p99_ms, mem: r.bytes_per_job, n: r.n,
  };
}
const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const lines = [];
const metrics = [
  ['jobs/s end to end', 'jobs_per_s', 0, 'higher'],
  ['Redis round trips / job', 'rt', 3, 'lower'],
  ['Redis commands / job', 'cmds', 2, 'lower'],
  ['Redis CPU / job (us)', 'redis_us', 1, 'lower'],
  ['client CPU / job (us)', 'client_us', 1, 'lower'],
  ['queued->done p50 (ms)', 'p50', 0, 'lower'],
  ['queued->done p99 (ms)', 'p99', 0, 'lower'],
  ['submit p50 (ms)', 'sub50', 2, 'lower'],
  ['submit p99 (ms)', 'sub99', 2, 'lower'],
  ['Redis memory / job (B)', 'mem', 0, 'lower'],
];
const verdicts = [];
for (const variant of ['bulk', 'single']) {
  const b = bull(last('bullmq', variant));
  const f = fl(last('faultline', variant));
  if (!b || !f) { lines.push(`${variant}: missing results`); continue; }
  lines.push(`${variant.toUpperCase()}  (BullMQ N=${b.n}, Faultline N=${f.n})`);
  lines.push(`  ${'metric'.padEnd(26)}${'BullMQ'.padStart(10)}${'Faultline'.padStart(11)}${'F/B'.padStart(8)}`);
  for (const [name, key, d] of metrics) {
    const ratio = b[key] && f[key] !== null && f[key] !== undefined ? f[key] / b[key] : null;
    lines.push(`  ${name.padEnd(26)}${fmt(b[key], d).padStart(10)}${fmt(f[key], d).padStart(11)}${(ratio === null ? '-' : ratio.toFixed(2) + 'x').padStart(8)}`);
  }
  lines.push(`  (Faultline hot-path round trips / job, upkeep excluded: ${fmt(f.hot, 3)})`);
  const speed = f.jobs_per_s / b.jobs_per_s;
  verdicts.push(`${variant}: jobs/s ${speed.toFixed(2)}x BullMQ (target >= 2x): ${speed >= 2 ? 'PASS' : 'MISS'}`);
  verdicts.push(`${variant}: ${f.hot.toFixed(3)} hot-path round trips/job (target <= 5): ${f.hot <= 5 ? 'PASS' : 'MISS'}`);
  verdicts.push(`${variant}: Redis CPU/job ${(f.redis_us / b.redis_us).toFixed(2)}x BullMQ (target < 1x): ${f.redis_us < b.redis_us ? 'PASS' : 'MISS'}`);
  lines.push('');
}
const kept = bull(last('bullmq', 'bulk', true));
const bulk = fl(last('faultline', 'bulk'));
if (kept && bulk) {
  lines.push(`BULK against BullMQ keeping its finished jobs (removeOnComplete false, N=${kept.n})`);
  lines.push(`  ${'metric'.padEnd(26)}${'BullMQ'.padStart(10)}${'Faultline'.padStart(11)}${'F/B'.padStart(8)}`);
  for (const [name, key, d] of metrics) {
    const ratio = kept[key] && bulk[key] !== null && bulk[key] !== undefined ? bulk[key] / kept[key] : null;
    lines.push(`  ${name.padEnd(26)}${fmt(kept[key], d).padStart(10)}${fmt(bulk[key], d).padStart(11)}${(ratio === null ? '-' : ratio.toFixed(2) + 'x').padStart(8)}`);
  }
  lines.push('');
}
console.log(lines.join('\n'));
console.log(verdicts.join('\n'));
EOF
echo
echo "raw results (JSON lines): $out"
