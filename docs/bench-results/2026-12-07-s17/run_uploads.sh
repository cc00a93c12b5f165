#!/usr/bin/env bash
# Session 17: scenario 2 at a fixed rate without and with 4 clients uploading 10 MiB files in a
# loop (bench/upload_load.mjs), alternated in one sitting. Usage: run_uploads.sh RATE PAIRS [NODE_ARGS]
set -u
rate="${1:-2000}" pairs="${2:-3}"
for p in $(seq 1 "$pairs"); do
  for u in 0 4; do
    echo "== pair $p uploads=$u rate=$rate"
    CHAT_BENCH_MODE=send CHAT_BENCH_DURATION=8 CHAT_BENCH_RATE="$rate" CHAT_BENCH_UPLOADS=$u \
      CHAT_BENCH_NODE_ARGS="${3:-}" CHAT_BENCH_BUILD="${CHAT_BENCH_BUILD:-build/lead}" bench/scenario.sh 2 2>&1 |
      grep -E '"mode":"(send|upload_load|redis)"'
  done
done
