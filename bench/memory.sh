#!/usr/bin/env bash
# Redis memory per chat message (issue #26, "Redis memory over months"): a fresh redis-server (no
# persistence) and one chatnode, chatbench sending messages of TEXT_BYTES characters of ordinary
# words (after the bench's ~25-character stamp "b:<sender>:<seq>:<ns>") into rooms of 10, then
# Redis' own account of what the messages cost: used_memory and RSS before and after, and MEMORY
# USAGE of the keys by kind (the rooms' message zsets, the search index, the rest). The search
# index's all-digit words are the stamp's numbers (the nanosecond time is a new word in every
# message, which real texts do not have): measured, and left out of the per-message figure.
#
#   bench/memory.sh [MESSAGES] [TEXT_BYTES]     (defaults: 200000 messages of 60 characters)
#
# Environment: CHAT_BENCH_BUILD (build dir with app/chatnode and bench/chatbench; build/release),
# CHAT_BENCH_REDIS_PORT (6482), CHAT_BENCH_PORT_BASE (28380), CHAT_BENCH_RATE (messages/s, 4000).
# Prints one JSON line (also appended to data/bench/memory-<stamp>.jsonl).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CHAT_BENCH_BUILD:-$root/build/release}"
messages="${1:-200000}"
text_bytes="${2:-60}"
redis_port="${CHAT_BENCH_REDIS_PORT:-6482}"
port_base="${CHAT_BENCH_PORT_BASE:-28380}"
rate="${CHAT_BENCH_RATE:-4000}"
out_dir="$root/data/bench"
mkdir -p "$out_dir"
[[ -x "$build/app/chatnode" && -x "$build/bench/chatbench" ]] || {
  echo "build $build first (app/chatnode, bench/chatbench)" >&2
  exit 1
}
if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  echo "port $redis_port already serves a Redis: set CHAT_BENCH_REDIS_PORT" >&2
  exit 1
fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
  >"$out_dir/memory-redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
rcli() { redis-cli -p "$redis_port" "$@"; }
info_field() { rcli info memory | tr -d '\r' | sed -n "s/^$1://p"; }

ulimit -n "$(ulimit -Hn)"
"$build/app/chatnode" --bind 127.0.0.1 --port "$((port_base + 1))" --internal-port "$((port_base + 1001))" \
  --redis-url "redis://127.0.0.1:$redis_port/0" --server-id mem-1 --messages-per-10s 1000000 \
  --login-attempts-per-minute 1000000 --bcrypt-cost 4 --log-level warn >"$out_dir/memory-node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$((port_base + 1001))/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

# The users, their rooms and connections first (a short run at a low rate), then the baseline; the
# measured run logs the same users in again (the bench logs in when a name is taken) and joins the
# same rooms.
"$build/bench/chatbench" --nodes "127.0.0.1:$((port_base + 1))" --users 1000 --connections 1000 \
  --room-size 10 --senders 100 --rate 10 --mode send --duration 1 --warmup 0 --settle 30 \
  --prefix mem --max-seconds 120 >/dev/null
sleep 2
base_used="$(info_field used_memory)"
base_rss="$(info_field used_memory_rss)"
count_messages() { # message rows in the rooms' zsets (room:{id}, not room:{id}:name)
  rcli --scan --pattern 'room:*' | grep -v ':name$' | sed 's/^/ZCARD /' | rcli | awk '{s+=$1} END {print s+0}'
}
base_messages="$(count_messages)"

duration="$(awk -v m="$messages" -v r="$rate" 'BEGIN {printf "%.0f", m / r}')"
"$build/bench/chatbench" --nodes "127.0.0.1:$((port_base + 1))" --users 1000 --connections 1000 \
  --room-size 10 --senders 100 --rate "$rate" --mode send --duration "$duration" --warmup 0 --settle 30 \
  --text-bytes "$text_bytes" --prefix mem --max-seconds $((duration + 240)) >"$out_dir/memory-bench.json"
# The search indexer runs behind the sends: wait until its cursors stop moving.
prev=""
for _ in $(seq 1 60); do
  sleep 2
  cur="$(rcli hvals chat:search:upto | sort | md5sum)"
  [[ "$cur" == "$prev" ]] && break
  prev="$cur"
done

used="$(info_field used_memory)"
rss="$(info_field used_memory_rss)"
total_messages="$(count_messages)"
# MEMORY USAGE of every key, by kind (a pipeline through one redis-cli).
rcli --scan >"$out_dir/memory-keys.txt"
sed 's/^/MEMORY USAGE /' "$out_dir/memory-keys.txt" | rcli >"$out_dir/memory-usage.txt"
paste -d ' ' "$out_dir/memory-keys.txt" "$out_dir/memory-usage.txt" | python3 -c '
import json, re, sys
kinds = {}
for line in sys.stdin:
    key, _, size = line.rstrip("\n").rpartition(" ")
    size = int(size or 0)
    if re.fullmatch(r"room:[^:]+(:[^:]+)?", key) and not key.endswith(":name"):
        kind = "room message zsets (room:{id})"
    elif key.startswith("chat:search:w:"):
        word = key[len("chat:search:w:"):]
        kind = "search index: the bench stamps" if re.fullmatch(r"\d+", word) else "search index: words"
    elif key.startswith("chat:room:"):
        kind = "chat:room:{id}:* (last id, events, read state...)"
    elif key.startswith("chat:user:") or key.startswith("user:") or key.startswith("username:"):
        kind = "users"
    else:
        kind = "other"
    k = kinds.setdefault(kind, [0, 0])
    k[0] += 1
    k[1] += size
json.dump({k: {"keys": v[0], "bytes": v[1]} for k, v in kinds.items()}, sys.stdout)
' >"$out_dir/memory-kinds.json"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
python3 - "$base_used" "$base_rss" "$used" "$rss" "$base_messages" "$total_messages" "$text_bytes" \
  "$out_dir/memory-kinds.json" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$stamp" <<'PY' |
import json, sys
base_used, base_rss, used, rss, base_n, n = map(int, sys.argv[1:7])
text_bytes, kinds_file, commit, stamp = int(sys.argv[7]), sys.argv[8], sys.argv[9], sys.argv[10]
kinds = json.load(open(kinds_file))
msgs = n - base_n
stamps = kinds.get("search index: the bench stamps", {}).get("bytes", 0)
per = (used - base_used - stamps) / msgs if msgs > 0 else 0
out = {
    "mode": "memory", "date": stamp, "commit": commit, "messages": msgs, "text_bytes": text_bytes,
    "used_memory_delta": used - base_used, "rss_delta": rss - base_rss, "bench_stamp_words_bytes": stamps,
    "bytes_per_message": round(per, 1),
    "rss_bytes_per_message": round((rss - base_rss - stamps) / msgs, 1) if msgs > 0 else 0,
    "mib_per_million_messages": round(per * 1e6 / 1048576, 1),
    "kinds": kinds,
}
print(json.dumps(out))
PY
  tee -a "$out_dir/memory-$stamp.jsonl"
