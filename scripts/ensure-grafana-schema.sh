#!/usr/bin/env bash
# Installs the dashboard type-checker into .tools/grafana-schema (gitignored):
# npm @grafana/schema (Grafana's dashboard types) and typescript, pinned.
# Installs node and npm with apt-get when missing. Fast no-op when present.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.tools/grafana-schema
if [ -f "$DIR/node_modules/@grafana/schema/package.json" ] && [ -f "$DIR/node_modules/typescript/bin/tsc" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  source scripts/lib/apt.sh
  apt_install nodejs npm || { echo "npm is missing: install Node.js 18+ and retry" >&2; exit 1; }
fi
mkdir -p "$DIR"
echo "installing @grafana/schema and typescript into $DIR..." >&2
npm install --no-audit --no-fund --silent --prefix "$DIR" @grafana/schema@13.2.3 typescript@5.9.3
