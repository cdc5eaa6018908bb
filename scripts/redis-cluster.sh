#!/usr/bin/env bash
# A throw-away local Redis Cluster: 6 redis-server processes (3 masters,
# 3 replicas) on free loopback ports under DIR.
#
#   scripts/redis-cluster.sh start DIR   # prints the seed list on stdout:
#                                        # redis://127.0.0.1:P1,redis://127.0.0.1:P2,...
#   scripts/redis-cluster.sh stop DIR    # kills the six servers
#
# NODE_TIMEOUT_MS (default 1000) is cluster-node-timeout: a killed master's
# replica is promoted about two of those later. APPENDONLY (default yes):
# AOF with appendfsync everysec. Replicas sync without the 5 s diskless delay. Needs
# redis-server and redis-cli (scripts/ensure-redis.sh installs both).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1 dir=$2
node_timeout=${NODE_TIMEOUT_MS:-1000}
appendonly=${APPENDONLY:-yes}

free_port() {
  # A port nobody listens on, with its cluster bus port (port + 10000), both
  # below Linux's ephemeral range (32768+) so outgoing connections never
  # hold them.
  local p
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % 12700))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
       ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null &&
       ! grep -qx "$p" "$dir/ports" 2>/dev/null; then
      echo "$p"; return
    fi
  done
  echo "no free port" >&2; exit 1
}

try_start() {
  mkdir -p "$dir"
  : >"$dir/ports"
  for _ in 1 2 3 4 5 6; do free_port >>"$dir/ports"; done
  local p
  while read -r p; do
    mkdir -p "$dir/$p"
    redis-server --port "$p" --bind 127.0.0.1 --daemonize yes \
      --dir "$dir/$p" --pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log" \
      --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout "$node_timeout" \
      --appendonly "$appendonly" --save "" --repl-diskless-sync-delay 0 >/dev/null
  done <"$dir/ports"
  local nodes="" ready up
  while read -r p; do
    up=0
    for _ in $(seq 1 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && { up=1; break; }; sleep 0.05; done
    # A port taken meanwhile (another cluster starting at once): start over.
    [[ $up == 1 ]] || { echo "node $p did not start" >&2; return 1; }
    nodes="$nodes 127.0.0.1:$p"
  done <"$dir/ports"
  # shellcheck disable=SC2086
  redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 ||
    { cat "$dir/create.log" >&2; return 1; }
  for _ in $(seq 1 300); do
    ready=1
    while read -r p; do
      info=$(redis-cli -p "$p" cluster info 2>/dev/null || true)
      grep -q 'cluster_state:ok' <<<"$info" && grep -q 'cluster_slots_ok:16384' <<<"$info" || ready=0
      if redis-cli -p "$p" role 2>/dev/null | head -1 | grep -q slave; then
        redis-cli -p "$p" info replication 2>/dev/null | grep -q 'master_link_status:up' || ready=0
      fi
    done <"$dir/ports"
    [[ $ready == 1 ]] && break
    sleep 0.1
  done
  [[ $ready == 1 ]] || { echo "cluster under $dir did not become healthy" >&2; return 1; }
  sed 's|^|redis://127.0.0.1:|' "$dir/ports" | paste -sd, -
}

start() {
  for attempt in 1 2 3; do
    try_start && return 0
    stop
    rm -rf "${dir:?}"/[0-9]*
    echo "cluster start attempt $attempt failed; retrying on other ports" >&2
  done
  exit 1
}

stop() {
  local p pid
  [[ -f $dir/ports ]] || return 0
  while read -r p; do
    pid=$(cat "$dir/$p/redis.pid" 2>/dev/null || true)
    if [[ -n $pid ]]; then kill -9 "$pid" 2>/dev/null || true; fi
  done <"$dir/ports"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
