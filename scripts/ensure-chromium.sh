#!/usr/bin/env bash
# Installs what the browser tests need when missing: Debian's chromium (never
# `npx playwright install`) and npm playwright-core under tests/ui/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/apt.sh
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}" || { echo "missing: ${missing[*]} (install Chromium and Node.js 18+ with npm)" >&2; exit 1; }
fi
if [ ! -d tests/ui/node_modules/playwright-core ]; then
  (cd tests/ui && npm ci --no-audit --no-fund --loglevel=error)
fi
