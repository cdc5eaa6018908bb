#!/usr/bin/env bash
# Benchmark `faultline analyze` against Spectral (spectral:oas) and Redocly
# (`redocly lint`, telemetry off) on the same files, side by side.
#
# Usage: bench/analyze-vs-linters.sh CORPUS_DIR [FAULTLINE_BIN]
#
#   CORPUS_DIR     folder of artifacts (searched recursively). OpenAPI files
#                  (a top-level `openapi`/`swagger` key) are run through all
#                  three tools; other files through Faultline only.
#   FAULTLINE_BIN  default target/release/faultline (build it first with
#                  `cargo build --release`).
#
# Environment:
#   BENCH_TOOLS_DIR   where the linters are installed with npm when missing
#                     (default: $TMPDIR/faultline-bench-tools, reused across runs)
#   BENCH_TIMEOUT     seconds allowed per tool and file (default 300)
#   BENCH_LARGEST     how many of the largest files to list individually (default 5)
#   BENCH_SKIP        space-separated tools to skip, e.g. "spectral"
#
# Each run is timed with a nanosecond wall clock and its peak RSS measured
# with GNU time (`/usr/bin/time -f %M`). A linter exiting non-zero because it
# found problems still counts as a completed run; a crash or timeout is
# reported as such and left out of the throughput figures.
set -euo pipefail

corpus=${1:?usage: $0 CORPUS_DIR [FAULTLINE_BIN]}
faultline=${2:-target/release/faultline}
tools_dir=${BENCH_TOOLS_DIR:-${TMPDIR:-/tmp}/faultline-bench-tools}
timeout_s=${BENCH_TIMEOUT:-300}
largest=${BENCH_LARGEST:-5}
skip=" ${BENCH_SKIP:-} "

[[ -d $corpus ]] || { echo "no such folder: $corpus" >&2; exit 2; }
[[ -x $faultline ]] || { echo "no Faultline binary at $faultline (cargo build --release?)" >&2; exit 2; }

need_time() {
  [[ -x /usr/bin/time ]] && return
  echo "installing GNU time with apt-get..." >&2
  apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
}

need_linters() {
  local bin=$tools_dir/node_modules/.bin
  if [[ ! -x $bin/spectral || ! -x $bin/redocly ]]; then
    command -v npm >/dev/null || { echo "npm is needed to install the linters" >&2; exit 2; }
    echo "installing @stoplight/spectral-cli and @redocly/cli into $tools_dir..." >&2
    mkdir -p "$tools_dir"
    npm install --prefix "$tools_dir" --no-audit --no-fund --loglevel=error \
      @stoplight/spectral-cli @redocly/cli >&2
  fi
  # spectral:oas as a ruleset file, since Spectral wants a file to extend from.
  printf 'extends: ["spectral:oas"]\n' >"$work/spectral.yaml"
}

# A top-level YAML key, or a JSON key anywhere (minified and generated JSON
# specs put `swagger` after megabytes of definitions).
is_openapi() {
  grep -Eq -m1 '^("|'"'"')?(openapi|swagger)("|'"'"')?[[:space:]]*:|"(openapi|swagger)"[[:space:]]*:' "$1"
}

# run TOOL FILE CMD...: appends "tool<TAB>file<TAB>bytes<TAB>seconds<TAB>rss_kb<TAB>status" to results.
run() {
  local tool=$1 file=$2; shift 2
  local bytes start end rc status
  bytes=$(stat -c %s "$file")
  start=$(date +%s.%N)
  set +e
  /usr/bin/time -f %M -o "$work/rss" timeout "$timeout_s" "$@" >/dev/null 2>"$work/stderr"
  rc=$?
  set -e
  end=$(date +%s.%N)
  case $tool:$rc in
    *:124) status=timeout ;;
    faultline:0 | spectral:0 | spectral:1 | redocly:0 | redocly:1) status=ok ;;
    *) status="exit-$rc" ;;
  esac
  # GNU time prints "Command exited with non-zero status N" before the figure.
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$file" "$bytes" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')" \
    "$(tail -n 1 "$work/rss")" "$status" >>"$work/results.tsv"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
need_time
need_linters
bin=$tools_dir/node_modules/.bin
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

mapfile -t files < <(find "$corpus" -type f -size +0 -printf '%s\t%p\n' | sort -n | cut -f2-)
[[ ${#files[@]} -gt 0 ]] || { echo "no files in $corpus" >&2; exit 2; }
: >"$work/results.tsv"
for file in "${files[@]}"; do
  echo "  $(basename "$file")" >&2
  run faultline "$file" "$faultline" analyze "$file" --format json
  is_openapi "$file" || continue
  echo "$file" >>"$work/openapi.txt"
  [[ $skip == *" spectral "* ]] || run spectral "$file" "$bin/spectral" lint -q -r "$work/spectral.yaml" "$file"
  [[ $skip == *" redocly "* ]] || run redocly "$file" "$bin/redocly" lint --format=summary --lint-config=off "$file"
done

echo
echo "Corpus: $corpus ($(wc -l <"$work/openapi.txt") OpenAPI files of ${#files[@]}); per-run timeout ${timeout_s}s"
echo "Machine: $(nproc) cores; $("$bin/spectral" --version 2>/dev/null | head -1 | sed 's/^/spectral /'); $("$bin/redocly" --version 2>/dev/null | head -1 | sed 's/^/redocly /')"
echo
awk -F'\t' -v openapi="$work/openapi.txt" '
  BEGIN { while ((getline f < openapi) > 0) oas[f] = 1 }
  {
    set = ($2 in oas) ? "openapi" : "other"
    key = $1 SUBSEP set
    runs[key]++
    if ($6 == "ok") { n[key]++; bytes[key] += $3; secs[key] += $4; if ($5 + 0 > rss[key]) rss[key] = $5 + 0 }
    else failed[key]++
  }
  END {
    printf "%-10s %-8s %5s %5s %9s %9s %9s %10s %11s\n", "tool", "files", "runs", "ok", "seconds", "files/s", "MB/s", "peak MB", "fl speed-up"
    split("faultline spectral redocly", tools, " ")
    fl = "faultline" SUBSEP "openapi"
    fl_mbs = (secs[fl] > 0) ? bytes[fl] / 1048576 / secs[fl] : 0
    for (s = 1; s <= 2; s++) {
      set = (s == 1) ? "openapi" : "other"
      for (t = 1; t <= 3; t++) {
        key = tools[t] SUBSEP set
        if (!(key in runs)) continue
        sec = secs[key]; mbs = (sec > 0) ? bytes[key] / 1048576 / sec : 0
        fps = (sec > 0) ? n[key] / sec : 0
        speed = (tools[t] != "faultline" && set == "openapi" && mbs > 0) ? sprintf("%.0fx", fl_mbs / mbs) : "-"
        printf "%-10s %-8s %5d %5d %9.2f %9.1f %9.2f %10.1f %11s\n", tools[t], set, runs[key], n[key], sec, fps, mbs, rss[key] / 1024, speed
      }
    }
    print "(throughput over completed runs; speed-up = Faultline MB/s over the tool MB/s on the same OpenAPI files)"
  }' "$work/results.tsv"

echo
echo "Largest files:"
awk -F'\t' '{ print $3 "\t" $2 }' "$work/results.tsv" | sort -u | sort -rn | head -n "$largest" | cut -f2 |
while read -r file; do
  line=$(printf '%-48.48s %7.2f MB' "$(basename "$file")" "$(awk -v b="$(stat -c %s "$file")" 'BEGIN { print b / 1048576 }')")
  for tool in faultline spectral redocly; do
    cell=$(awk -F'\t' -v t="$tool" -v f="$file" '$1 == t && $2 == f {
      if ($6 == "ok") printf "%8.2fs %6.0fMB", $4, $5 / 1024; else printf "%17s", $6 }' "$work/results.tsv")
    line+=$(printf '  %-9s %17s' "$tool" "${cell:--}")
  done
  ratio=$(awk -F'\t' -v f="$file" '$1 == "faultline" && $2 == f && $6 == "ok" && $3 > 0 { printf "%.1fx", $5 * 1024 / $3 }' "$work/results.tsv")
  line+="  faultline peak/input ${ratio:--}"
  echo "$line"
done
fails=$(awk -F'\t' '$6 != "ok"' "$work/results.tsv")
if [[ -n $fails ]]; then
  echo
  echo "Runs that did not complete (tool, file, status):"
  awk -F'\t' '$6 != "ok" { print "  " $1 "  " $2 "  " $6 }' "$work/results.tsv"
fi
