#!/usr/bin/env bash
# THE RUN COMMAND: installs dependencies, builds chatnode (Release, build/release), makes sure a
# Redis is there and runs the node with the tutorial demo on http://localhost:8080/.
#
#   scripts/run.sh                       # local Redis on 127.0.0.1:6379 (started if needed, AOF on)
#   scripts/run.sh --port 8081 --admin Pablo
#   CHAT_REDIS_URL=redis://host:6379/0 scripts/run.sh     # or --redis-url URL: no local Redis
#
# Extra arguments go to chatnode unchanged (see `chatnode --help`). Ctrl-C stops the node; a Redis
# started by this script keeps running (its data is in data/redis/): stop it with
#   redis-cli -p 6379 shutdown
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CHAT_BUILD_DIR:-$root/build/release}"   # override only to reuse another Release tree
bin="$build/app/chatnode"
redis_port="${CHAT_RUN_REDIS_PORT:-6379}"

"$root/scripts/install-deps.sh"
# The web client's Markdown renderer for the assistant's replies (npm; without it: plain text).
"$root/scripts/web-deps.sh" || echo "run: markdown-it not installed; the assistant's replies are shown as plain text"

echo "run: building chatnode (Release) in ${build#"$root"/}"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHAT_SANITIZE=OFF >/dev/null
fi
cmake --build "$build" --target chatnode -j "${CHAT_JOBS:-2}"

# What the node will use (flags win over CHAT_* variables, as in chatnode itself).
port="${CHAT_PORT:-8080}"
internal_port="${CHAT_INTERNAL_PORT:-9090}"
redis_url="${CHAT_REDIS_URL:-}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  a="${args[i]}"
  next="${args[i + 1]:-}"
  case "$a" in
    --port=*) port="${a#*=}" ;;
    --port) port="$next" ;;
    --internal-port=*) internal_port="${a#*=}" ;;
    --internal-port) internal_port="$next" ;;
    --redis-url=*) redis_url="${a#*=}" ;;
    --redis-url) redis_url="$next" ;;
  esac
done

extra=()
if [[ -z "$redis_url" ]]; then
  redis_url="redis://127.0.0.1:${redis_port}/0"
  if [[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null || true)" == "PONG" ]]; then
    echo "run: using the Redis already answering on 127.0.0.1:${redis_port}"
  else
    data="$root/data/redis"
    mkdir -p "$data"
    echo "run: starting redis-server on 127.0.0.1:${redis_port} (AOF on, data in ${data#"$root"/})"
    redis-server --port "$redis_port" --bind 127.0.0.1 --appendonly yes --dir "$data" \
      --daemonize yes --pidfile "$data/redis.pid" --logfile "$data/redis.log"
    for _ in $(seq 1 50); do
      [[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null || true)" == "PONG" ]] && break
      sleep 0.1
    done
    if [[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null || true)" != "PONG" ]]; then
      echo "run: redis-server did not come up on port ${redis_port}; see $data/redis.log" >&2
      exit 1
    fi
  fi
  extra+=(--redis-url "$redis_url")
fi

cat <<MSG

  GuideOps Chat Node
    chat:     http://localhost:${port}/
    metrics:  http://localhost:${internal_port}/metrics   (also /livez, /readyz)
    demo logins (seeded when Redis has no users): Pablo, Joe, Mary, Alex / password123
    Ctrl-C stops the node (a Redis started here keeps running: redis-cli -p ${redis_port} shutdown)

MSG

exec "$bin" --port "$port" --internal-port "$internal_port" --seed-demo "${extra[@]}" "$@"
