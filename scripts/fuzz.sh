#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 60) on the
# nightly toolchain, seeding each corpus from fuzz/seeds/<target>/. Prints
# executions per target; a crash leaves its input in fuzz/artifacts/<target>/
# and makes the script exit 1 after the remaining targets have run.
# Not part of CI (scripts/test.sh runs the proptest versions instead).
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 30 secrets # 30 s, only the named targets
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
shift || true

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build

mkdir -p logs
failed=()
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  if [ -d "seeds/$t" ]; then cp -n "seeds/$t"/* "corpus/$t/" 2>/dev/null || true; fi
  echo "== $t: ${secs}s"
  if cargo +nightly fuzz run "$t" "corpus/$t" -- \
      -max_total_time="$secs" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"logs/$t.log" 2>&1; then
    status=ok
  else
    status=CRASH
    failed+=("$t")
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*')
  summary+=("$(printf '%-16s %-6s %10s execs  cov %s  corpus %s files' "$t" "$status" "${runs:-?}" "${cov:-?}" "$(ls "corpus/$t" | wc -l)")")
  if [ "$status" = CRASH ]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "logs/$t.log" | head -5 || true
  fi
done

echo
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashes in: ${failed[*]} (inputs in fuzz/artifacts/, logs in fuzz/logs/)"
  exit 1
fi
