#!/usr/bin/env bash
# Session 16, sitting 5 (HEAD = the yield build): below the knee (scenario 2 at 6,000 msg/s) before vs
# after, 8 assistant replies vs none; scenario 1 at 1,500 before vs after; then scenario 2 sweeps
# (the knee: highest rate with p99 under 50 ms) before vs after.
cd /work/main
BEFORE=/work/ci-s13a/build/release
YIELD=/work/bench-s16/yield
source <(sed -n '/^run()/,/^}/p;/^pair()/,/^}/p' /work/bench-s16/run.sh)
for i in 1 2 3; do pair $i before $BEFORE 2 6000 0 '' -- after $YIELD 2 6000 0 ''; done
for i in 1 2 3; do pair $i ai0 $YIELD 2 6000 0 '' -- ai8 $YIELD 2 6000 8 ''; done
for i in 1 2 3; do pair $i before $BEFORE 1 1500 0 '' -- after $YIELD 1 1500 0 ''; done
sweep() { # label build
  echo "=== $1 sweep s2 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  CHAT_BENCH_BUILD=$2 CHAT_BENCH_RATE=4000 CHAT_BENCH_SWEEP_FACTOR=1.25 CHAT_BENCH_DURATION=5 timeout 400 bench/scenario.sh 2 2>&1 | grep -E '^\{"mode":"(sweep|step|send|redis|summary)|knee|results:'
}
sweep before $BEFORE; sweep after $YIELD; sweep after $YIELD; sweep before $BEFORE
echo "=== done $(date -u +%T)"
