#!/usr/bin/env bash
# Installs what scripts/test-clients.sh needs, fast no-op when present:
# python3 with venv, node/npm and curl (apt-get on Debian), then the pinned tools
# into tests/clients/.venv and tests/clients/typescript/node_modules (both
# gitignored), reinstalled only when their pins change.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3 python3-venv)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  source scripts/lib/apt.sh
  apt_install "${need[@]}" || {
    echo "missing: ${need[*]} (install Python 3.10+ with venv, Node.js 18+ with npm, and curl)" >&2
    exit 1
  }
fi

venv=tests/clients/.venv
pins=tests/clients/python/requirements.txt
if ! cmp -s "$pins" "$venv/.installed" 2>/dev/null; then
  echo "installing the Python client tools into $venv..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$pins"
  cp "$pins" "$venv/.installed"
fi

ts=tests/clients/typescript
if ! cmp -s "$ts/package-lock.json" "$ts/node_modules/.installed" 2>/dev/null; then
  echo "installing the TypeScript client tools into $ts/node_modules..." >&2
  (cd "$ts" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ts/package-lock.json" "$ts/node_modules/.installed"
fi
