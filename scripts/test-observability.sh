#!/usr/bin/env bash
# Proves the observability kit: promtool checks and unit tests of the alert
# rules, Grafana dashboard validation, then a live run (Redis + faultline
# serve + Prometheus scraping every second) that executes every dashboard
# and rule query against real data. Installs prometheus and the npm
# type-checker when missing. Takes about 15 s once built and installed.
set -euo pipefail
cd "$(dirname "$0")/.."
began=$(date +%s)
bash scripts/ensure-redis.sh
bash scripts/ensure-prometheus.sh
bash scripts/ensure-grafana-schema.sh

promtool check config grafana/prometheus.yml
promtool test rules grafana/alerts.test.yml
python3 tests/observability/dashboards.py .tools/grafana-schema/node_modules

cargo build -q --bin faultline
python3 tests/observability/live.py "${CARGO_TARGET_DIR:-target}/debug/faultline"
echo "observability checks passed in $(($(date +%s) - began)) s"
