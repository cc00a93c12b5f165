#!/usr/bin/env bash
# Runs one benchmark scenario of docs/benchmarks.md on this machine, from a clean state:
# a fresh redis-server (no persistence, loopback port 6480) and fresh chatnode processes, then
# chatbench, then stops everything. Results (JSON lines) go to stdout and to
# data/bench/<scenario>-<UTC time>.jsonl.
#
#   bench/scenario.sh 1        one room, 1,000 members, two nodes, rate sweep (p99 limit 50 ms)
#   bench/scenario.sh 2        100 rooms x 10 members (1,000 connections), two nodes, sweep
#   bench/scenario.sh 3        connect storm: 5,000 web-protocol clients (batch, presence.watch of 3
#                              partners) connect to two nodes while 500 of them send (rooms of 10),
#                              measured from the first connection: connect time, presence frames per
#                              connection, chat latency; CHAT_BENCH_WATCH=-1: clients that never watch
#   bench/scenario.sh 3sweep   500 rooms x 10 members (5,000 connections), two nodes, settle, sweep
#   bench/scenario.sh 4 N      N idle connections on one node (e.g. 20000, 50000): RSS per connection
#   bench/scenario.sh 4rooms N N users, one idle web-protocol connection each (batch), in rooms of 10
#                              (plus General) on two nodes: RSS per connection 60 s after the last
#                              connect (issue 20.4: 18000)
#   bench/scenario.sh 5a       scenario 2 on one node
#   bench/scenario.sh 5b       scenario 2 on three nodes
#
# Environment: CHAT_BENCH_BUILD (build dir with app/chatnode and bench/chatbench; default
# build/release, built when missing), CHAT_BENCH_RATE (first sweep rate), CHAT_BENCH_DURATION (s per
# step; scenario 3: seconds measured after the last connection), CHAT_BENCH_SWEEP_FACTOR (rate multiplier per sweep step, 1.5), CHAT_BENCH_SWEEP_RETRIES (attempts more at a rate over the p99 limit before the sweep stops, 1; 0 = stop at the first), CHAT_BENCH_MODE=send (scenarios 1, 2, 3sweep, 5: one step at CHAT_BENCH_RATE instead of a sweep), CHAT_BENCH_NODE_ARGS (extra chatnode options), CHAT_BENCH_WATCH (scenario 3: partners per presence.watch, 3; -1 = the tutorial protocol, no watch), CHAT_BENCH_CONNECT_CONCURRENCY (scenario 3: handshakes in flight, 200), CHAT_BENCH_BATCH=0 (scenarios 1, 2 and 3: plain /ws, one event per WebSocket message, instead of /ws?batch=1), CHAT_BENCH_SOCKETIO=1 (scenarios 1, 2 and 3: Socket.IO clients of /socket.io/ over WebSocket, the tutorial's protocol), CHAT_BENCH_REDIS_PORT (6480) and CHAT_BENCH_PORT_BASE (28180: node i listens on base+i, internal base+1000+i) to run beside another bench, CHAT_BENCH_PERF=1 (record `perf record -g` of node 1 into data/bench/perf-<scenario>.data), CHAT_BENCH_AI_REPLIES=N (N assistant replies streaming throughout, from the scripted backend: bench/ai_load.mjs), CHAT_BENCH_UPLOADS=N (N clients uploading CHAT_BENCH_UPLOAD_MIB-MiB files (10) in a loop throughout: bench/upload_load.mjs), CHAT_BENCH_CHATNODE (the chatnode binary to measure, $CHAT_BENCH_BUILD/app/chatnode: another build's, measured by this build's chatbench), CHAT_BENCH_REPLICA=1 (a replica of the bench Redis on CHAT_BENCH_REDIS_PORT+1, for CHAT_BENCH_NODE_ARGS="--redis-min-replicas-acked 1").
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CHAT_BENCH_BUILD:-$root/build/release}"
chatnode_bin="${CHAT_BENCH_CHATNODE:-$build/app/chatnode}"
out_dir="$root/data/bench"
redis_port="${CHAT_BENCH_REDIS_PORT:-6480}"
port_base="${CHAT_BENCH_PORT_BASE:-28180}" # node i: client port base+i, internal port base+1000+i
scenario="${1:?usage: bench/scenario.sh 1|2|3|3sweep|4 N|4rooms N|5a|5b}"
duration="${CHAT_BENCH_DURATION:-5}"
mkdir -p "$out_dir"

if [[ ! -x "$build/app/chatnode" || ! -x "$build/bench/chatbench" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHAT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target chatnode chatbench
fi

pids=()
redis_pid=""
replica_pid=""
ai_pid=""
ai_load_pid=""
upload_load_pid=""
cleanup() {
  [[ -n "$upload_load_pid" ]] && kill -TERM "$upload_load_pid" 2>/dev/null || true
  [[ -n "$ai_load_pid" ]] && kill -TERM "$ai_load_pid" 2>/dev/null || true
  [[ -n "$ai_pid" ]] && kill -TERM "$ai_pid" 2>/dev/null || true
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  # Wait for Redis too: the next run binds the same port at once.
  [[ -n "$replica_pid" ]] && { kill -TERM "$replica_pid" 2>/dev/null; wait "$replica_pid" 2>/dev/null; } || true
  [[ -n "$redis_pid" ]] && { kill -TERM "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; } || true
}
trap cleanup EXIT

if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then # never flush someone else's Redis
  echo "port $redis_port already serves a Redis (another bench run?): set CHAT_BENCH_REDIS_PORT" >&2
  exit 1
fi
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --maxclients 10000 --loglevel warning >"$out_dir/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" flushall >/dev/null
if [[ "${CHAT_BENCH_REPLICA:-0}" == 1 ]]; then # a replica in sync before the nodes start
  redis-server --port "$((redis_port + 1))" --bind 127.0.0.1 --save '' --appendonly no --dir "$out_dir" \
    --replicaof 127.0.0.1 "$redis_port" --loglevel warning >"$out_dir/redis-replica.log" 2>&1 &
  replica_pid=$!
  for _ in $(seq 1 100); do
    redis-cli -p "$((redis_port + 1))" info replication 2>/dev/null | grep -q 'master_link_status:up' && break
    sleep 0.1
  done
fi

# CHAT_BENCH_AI_REPLIES=N: the scripted language-model backend of tests/ai_backends on port base+2000
# (replies of 200 words, one per 25 ms: 5 s each, about 20 deltas a second), the nodes' assistant
# pointed at it, and bench/ai_load.mjs keeping N replies streaming while chatbench measures.
ai_replies="${CHAT_BENCH_AI_REPLIES:-0}"
uploads="${CHAT_BENCH_UPLOADS:-0}"
ai_node_args=()
if ((ai_replies > 0)); then
  ai_port=$((port_base + 2000))
  # The server stops at EOF on its stdin: a FIFO whose writer (fd 9) is this script's.
  rm -f "$out_dir/ai-backend.fifo" && mkfifo "$out_dir/ai-backend.fifo"
  node "$root/tests/ai_backends/server.mjs" --port "$ai_port" <"$out_dir/ai-backend.fifo" >"$out_dir/ai-backend.log" 2>&1 &
  ai_pid=$!
  exec 9>"$out_dir/ai-backend.fifo"
  for _ in $(seq 1 50); do curl -fs -o /dev/null -X POST "http://127.0.0.1:$ai_port/_control/reset" && break; sleep 0.1; done
  words="$(for i in $(seq 1 200); do printf '"w%d ",' "$i"; done)"
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "{\"chunks\":[${words%,}],\"delayMs\":25}" "http://127.0.0.1:$ai_port/_control/script"
  ai_node_args=(--ai-url "http://127.0.0.1:$ai_port/v1" --ai-model bench --ai-requests-per-hour 0
    --ai-max-concurrent "$ai_replies")
fi

start_nodes() { # start_nodes COUNT [EXTRA CHATNODE OPTIONS...]
  ulimit -n "$(ulimit -Hn)"
  local count="$1"
  shift
  for i in $(seq 1 "$count"); do
    local cmd=("$chatnode_bin" --bind 127.0.0.1 --port "$((port_base + i))" --internal-port "$((port_base + 1000 + i))"
      --redis-url "redis://127.0.0.1:$redis_port/0" --server-id "bench-$i"
      --messages-per-10s 1000000 --login-attempts-per-minute 1000000 --bcrypt-cost 4
      --log-level warn "${ai_node_args[@]}" "$@" ${CHAT_BENCH_NODE_ARGS:-})
    if [[ "$i" == 1 && "${CHAT_BENCH_PERF:-0}" == 1 ]]; then
      perf record -F 499 -g -o "$out_dir/perf-$scenario.data" -- "${cmd[@]}" >"$out_dir/node-$i.log" 2>&1 &
    else
      "${cmd[@]}" >"$out_dir/node-$i.log" 2>&1 &
    fi
    pids+=($!)
  done
  for i in $(seq 1 "$count"); do
    for _ in $(seq 1 100); do
      curl -fs "http://127.0.0.1:$((port_base + 1000 + i))/readyz" >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
}

node_list() { # node_list COUNT -> 127.0.0.1:28181,...
  local s=""
  for i in $(seq 1 "$1"); do s+="${s:+,}127.0.0.1:$((port_base + i))"; done
  echo "$s"
}

server_pids() { # the chatnode pids (under perf, the child of perf)
  local s=""
  for p in "${pids[@]}"; do
    local c
    c="$(pgrep -P "$p" chatnode || true)"
    s+="${s:+,}${c:-$p}"
  done
  echo "$s"
}

bench() { # bench NODES ARGS...
  local n="$1"
  shift
  if ((ai_replies > 0)); then
    node "$root/bench/ai_load.mjs" --nodes "$(node_list "$n")" --replies "$ai_replies" --seconds 900 \
      >"$out_dir/ai-load.json" 2>"$out_dir/ai-load.log" &
    ai_load_pid=$!
    sleep 8 # its users registered, connected, and the first replies streaming
  fi
  if ((uploads > 0)); then
    nice -n 19 node "$root/bench/upload_load.mjs" --nodes "$(node_list "$n")" --uploaders "$uploads" \
      --mib "${CHAT_BENCH_UPLOAD_MIB:-10}" --seconds 900 >"$out_dir/upload-load.json" 2>"$out_dir/upload-load.log" &
    upload_load_pid=$!
    sleep 4 # its users registered and the first uploads under way
  fi
  local rc=0
  "$build/bench/chatbench" --nodes "$(node_list "$n")" --pids "$(server_pids)" "$@" || rc=$?
  if [[ -n "$ai_load_pid" ]]; then
    kill -TERM "$ai_load_pid" 2>/dev/null || true
    wait "$ai_load_pid" 2>/dev/null || true
    ai_load_pid=""
    printf '%s\n' "$(cat "$out_dir/ai-load.json")" >&2
  fi
  if [[ -n "$upload_load_pid" ]]; then
    kill -TERM "$upload_load_pid" 2>/dev/null || true
    wait "$upload_load_pid" 2>/dev/null || true
    upload_load_pid=""
    printf '%s\n' "$(cat "$out_dir/upload-load.json")" >&2
  fi
  return "$rc"
}

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
result="$out_dir/$scenario-$stamp.jsonl"

# The first line of every result: what ran, on what (results are read against their machine).
json_str() { local v="${1//\\/}"; printf '"%s"' "${v//\"/}"; }
{
  printf '{"mode":"machine","scenario":%s,"date":%s,"commit":%s' "$(json_str "$scenario")" \
    "$(json_str "$stamp")" "$(json_str "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)")"
  printf ',"kernel":%s,"cpu":%s,"cores":%s' "$(json_str "$(uname -r)")" \
    "$(json_str "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')")" "$(nproc)"
  printf ',"tcp_congestion_control":%s' "$(json_str "$(cat /proc/sys/net/ipv4/tcp_congestion_control 2>/dev/null)")"
  mode_line="${CHAT_BENCH_MODE:-sweep}"
  [[ "$scenario" == 3 ]] && mode_line=storm
  printf ',"env":{"rate":%s,"duration":%s,"sweep_factor":%s,"bench_mode":%s,"node_args":%s' \
    "$(json_str "${CHAT_BENCH_RATE:-}")" "$(json_str "$duration")" "$(json_str "${CHAT_BENCH_SWEEP_FACTOR:-}")" \
    "$(json_str "$mode_line")" "$(json_str "${CHAT_BENCH_NODE_ARGS:-}")"
  printf ',"ai_replies":%s' "$(json_str "$ai_replies")"
  printf ',"watch":%s,"connect_concurrency":%s,"batch":%s}}\n' "$(json_str "${CHAT_BENCH_WATCH:-}")" \
    "$(json_str "${CHAT_BENCH_CONNECT_CONCURRENCY:-}")" "$(json_str "${CHAT_BENCH_BATCH:-}")"
} | tee "$result"
if [[ "${CHAT_BENCH_MODE:-sweep}" == send ]]; then # one step at CHAT_BENCH_RATE (e.g. past the knee)
  sweep=(--mode send --duration "$duration" --warmup 2)
else
  sweep=(--mode sweep --duration "$duration" --warmup 2 --sweep-factor "${CHAT_BENCH_SWEEP_FACTOR:-1.5}"
    --sweep-retries "${CHAT_BENCH_SWEEP_RETRIES:-1}")
fi
batch_args=()
[[ "${CHAT_BENCH_BATCH:-1}" == 0 ]] && batch_args=(--no-batch)
[[ "${CHAT_BENCH_SOCKETIO:-0}" == 1 ]] && batch_args=(--socketio)
case "$scenario" in
  1)
    start_nodes 2
    bench 2 --users 1000 --connections 1000 --room-size 1000 --senders 20 \
      --rate "${CHAT_BENCH_RATE:-50}" "${sweep[@]}" "${batch_args[@]}" --p99-limit-ms 50 --prefix s1 \
      --settle 60 --max-seconds 240 | tee -a "$result" ;;
  2 | 5a | 5b)
    nodes=2
    [[ "$scenario" == 5a ]] && nodes=1
    [[ "$scenario" == 5b ]] && nodes=3
    start_nodes "$nodes"
    # 1,000 connections: with 3 nodes 999 keeps rooms of consecutive users on every node.
    conns=1000
    [[ "$nodes" == 3 ]] && conns=990
    bench "$nodes" --users "$conns" --connections "$conns" --room-size 10 --senders $((conns / 10)) \
      --rate "${CHAT_BENCH_RATE:-500}" "${sweep[@]}" "${batch_args[@]}" --p99-limit-ms 50 --prefix s2 \
      --settle 60 --max-seconds 240 | tee -a "$result" ;;
  3)
    # The connect storm of issue 20.7: everything from the first connection on (no settle).
    start_nodes 2
    watch="${CHAT_BENCH_WATCH:-3}"
    watch_args=()
    [[ "$watch" -ge 0 && "${CHAT_BENCH_SOCKETIO:-0}" != 1 ]] && watch_args=(--presence-watch "$watch")
    watch_args+=("${batch_args[@]}")
    bench 2 --users 5000 --connections 5000 --room-size 10 --senders 500 \
      --rate "${CHAT_BENCH_RATE:-500}" --mode storm --duration "$duration" "${watch_args[@]}" \
      --prefix s3 --source-addresses 127.0.0.2,127.0.0.3 --connect-concurrency "${CHAT_BENCH_CONNECT_CONCURRENCY:-200}" \
      --max-seconds 170 | tee -a "$result" ;;
  3sweep)
    start_nodes 2
    bench 2 --users 5000 --connections 5000 --room-size 10 --senders 500 \
      --rate "${CHAT_BENCH_RATE:-500}" "${sweep[@]}" --p99-limit-ms 50 --prefix s3 \
      --source-addresses 127.0.0.2,127.0.0.3 --settle 120 --max-seconds 300 | tee -a "$result" ;;
  4)
    count="${2:?usage: bench/scenario.sh 4 CONNECTIONS}"
    # 100 users hold every connection: no per-user connection limit here.
    start_nodes 1 --max-connections-per-user 0
    # Source addresses: ~25,000 connections each stays inside one address's ephemeral ports.
    addrs=""
    for a in $(seq 2 $((count / 25000 + 2))); do addrs+="${addrs:+,}127.0.0.$a"; done
    bench 1 --users 100 --connections "$count" --general --mode idle --duration 5 \
      --source-addresses "$addrs" --connect-concurrency 500 --settle 120 --prefix idle \
      --max-seconds 400 | tee -a "$result" ;;
  4rooms)
    count="${2:?usage: bench/scenario.sh 4rooms CONNECTIONS}"
    start_nodes 2
    addrs=""
    for a in $(seq 2 $((count / 25000 + 3))); do addrs+="${addrs:+,}127.0.0.$a"; done
    bench 2 --users "$count" --connections "$count" --room-size "${CHAT_BENCH_ROOM_SIZE:-10}" --mode idle --duration 60 \
      --source-addresses "$addrs" --presence-watch 3 --connect-concurrency 200 --settle 30 --prefix rooms \
      --max-seconds 900 | tee -a "$result" ;;
  *)
    echo "unknown scenario: $scenario" >&2
    exit 2 ;;
esac
# Redis' own account of the whole run (setup and measurement): its CPU seconds and, per command (also
# those Lua scripts call), calls and microseconds: what one build asks of Redis against another.
{ redis-cli -p "$redis_port" info cpu; redis-cli -p "$redis_port" info commandstats; } | tr -d '\r' |
  awk -F'[:,=]' '
    /^used_cpu_(sys|user):/ { cpu = cpu sprintf("%s\"%s\":%s", cpu ? "," : "", $1, $2) }
    /^cmdstat_/ { sub("cmdstat_", "", $1); cmd = cmd sprintf("%s\"%s\":{\"calls\":%s,\"usec\":%s}", cmd ? "," : "", $1, $3, $5) }
    END { printf "{\"mode\":\"redis\",\"cpu\":{%s},\"commands\":{%s}}\n", cpu, cmd }' | tee -a "$result"
echo "results: $result" >&2
