#!/usr/bin/env bash
# Local cluster: one Redis (AOF on, data in data/cluster-redis/) and three chatnode processes.
#   scripts/cluster.sh start   build (Release) if needed, start Redis on 6390 and nodes on 8081-8083
#                              (internal ports 9091-9093), print the URLs
#   scripts/cluster.sh stop    SIGTERM the nodes (graceful drain), then shut Redis down
#   scripts/cluster.sh status  which processes run, and each node's /readyz
# Logs: data/cluster/node-N.log (JSON lines). Extra arguments after `start` go to every node.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="$root/data/cluster"
redis_port="${CHAT_CLUSTER_REDIS_PORT:-6390}"
bin="$root/build/release/app/chatnode"

start() {
  mkdir -p "$run_dir" "$root/data/cluster-redis"
  if [[ ! -x "$bin" ]]; then
    "$root/scripts/install-deps.sh"
    cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$root/build/release" -j2 --target chatnode
  fi
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --appendonly yes --dir "$root/data/cluster-redis" \
      --daemonize yes --pidfile "$run_dir/redis.pid" --logfile "$run_dir/redis.log"
  fi
  for i in 1 2 3; do
    if [[ -f "$run_dir/node-$i.pid" ]] && kill -0 "$(cat "$run_dir/node-$i.pid")" 2>/dev/null; then
      echo "node-$i already running"
      continue
    fi
    "$bin" --bind 127.0.0.1 --port "808$i" --internal-port "909$i" \
      --redis-url "redis://127.0.0.1:$redis_port/0" --server-id "local-$i" --seed-demo "$@" \
      >"$run_dir/node-$i.log" 2>&1 &
    echo $! >"$run_dir/node-$i.pid"
  done
  for i in 1 2 3; do
    for _ in $(seq 1 50); do
      curl -fs "http://127.0.0.1:909$i/readyz" >/dev/null 2>&1 && break
      sleep 0.2
    done
  done
  status
  echo "Demo logins: Pablo, Joe, Mary, Alex / password123. Stop with: scripts/cluster.sh stop"
}

stop() {
  for i in 1 2 3; do
    local pid_file="$run_dir/node-$i.pid"
    [[ -f "$pid_file" ]] || continue
    local pid
    pid="$(cat "$pid_file")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pid_file"
  done
  redis-cli -p "$redis_port" shutdown >/dev/null 2>&1 || true
  echo "cluster stopped"
}

status() {
  for i in 1 2 3; do
    local state="stopped"
    if [[ -f "$run_dir/node-$i.pid" ]] && kill -0 "$(cat "$run_dir/node-$i.pid")" 2>/dev/null; then
      state="running, readyz: $(curl -s "http://127.0.0.1:909$i/readyz" || echo unreachable)"
    fi
    echo "node-$i  http://localhost:808$i/  internal http://localhost:909$i/metrics  ($state)"
  done
  echo "redis   127.0.0.1:$redis_port ($(redis-cli -p "$redis_port" ping 2>/dev/null || echo down))"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start) start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: scripts/cluster.sh start|stop|status" >&2; exit 2 ;;
esac
