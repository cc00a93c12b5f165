#!/usr/bin/env bash
# Issue #25's target: plain /ws (one event per WebSocket message, coalesced writes) within 25 % of
# batch=1 in scenarios 1 and 2. Alternates plain and batch sweeps in one sitting.
# Usage: run_plain.sh SCENARIO PAIRS   (logs: plain-s<scenario>.log next to this script)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
scenario="${1:-2}" pairs="${2:-2}"
for p in $(seq 1 "$pairs"); do
  for b in 0 1; do
    echo "== pair $p scenario $scenario batch=$b"
    CHAT_BENCH_BATCH=$b CHAT_BENCH_BUILD="${CHAT_BENCH_BUILD:-build/lead}" bench/scenario.sh "$scenario" 2>&1 |
      grep -E '"mode":"(sweep_summary|send)"' | cut -c1-700
  done
done | tee -a "$here/plain-s$scenario.log"
