#!/usr/bin/env bash
# Session 16, sitting 6: the indexer in small calls (small: 50 positions per call, one at a time, at
# most 2 calls per tick while busy) vs before (b2cd2cb), and small with indexing off; scenario 2 at
# 6,000 msg/s, then scenario 2 sweeps (knee: p99 under 50 ms).
cd /work/main
BEFORE=/work/ci-s13a/build/release
SMALL=/work/bench-s16/small
source <(sed -n '/^run()/,/^}/p;/^pair()/,/^}/p' /work/bench-s16/run.sh)
sweep() { # label build node_args
  echo "=== $1 sweep s2 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  CHAT_BENCH_BUILD=$2 CHAT_BENCH_NODE_ARGS="${3:-}" CHAT_BENCH_RATE=4000 CHAT_BENCH_SWEEP_FACTOR=1.25 CHAT_BENCH_DURATION=5 timeout 400 bench/scenario.sh 2 2>&1 | grep -E '^\{"mode":"(sweep|sweep_summary|redis)|results:'
}
for i in 1 2 3; do pair $i before $BEFORE 2 6000 0 '' -- small $SMALL 2 6000 0 ''; done
sweep before $BEFORE; sweep small $SMALL; sweep noindex $SMALL '--search-index-ms 0'
sweep small $SMALL; sweep before $BEFORE; sweep noindex $SMALL '--search-index-ms 0'
echo "=== done $(date -u +%T)"
