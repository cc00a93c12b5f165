#!/usr/bin/env bash
# Session 14, second sitting (after CI): before = b2cd2cb (session 13's end, /work/ci-s13a/build/release),
# after = HEAD (/work/main/build/lead), alternated: scenario 2 at 8,000 and scenario 1 at 1,500 msg/s
# (send mode, 8 s), then scenario 2 with 8 assistant replies vs none on the after build.
cd /work/main
BEFORE=/work/ci-s13a/build/release
AFTER=/work/main/build/lead
run() { # label build scenario rate [ai]
  echo "=== $1 s$3 rate $4 ai ${5:-0} $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  CHAT_BENCH_BUILD=$2 CHAT_BENCH_AI_REPLIES=${5:-0} CHAT_BENCH_MODE=send CHAT_BENCH_DURATION=8 CHAT_BENCH_RATE=$4 \
    timeout 300 bench/scenario.sh $3 2>&1 | grep -E '^\{|results:'
}
for i in 1 2 3; do
  if (( i % 2 )); then run before $BEFORE 2 8000; run after $AFTER 2 8000; else run after $AFTER 2 8000; run before $BEFORE 2 8000; fi
done
for i in 1 2 3; do
  if (( i % 2 )); then run before $BEFORE 1 1500; run after $AFTER 1 1500; else run after $AFTER 1 1500; run before $BEFORE 1 1500; fi
done
for i in 1 2 3; do
  if (( i % 2 )); then run after $AFTER 2 8000 0; run after $AFTER 2 8000 8; else run after $AFTER 2 8000 8; run after $AFTER 2 8000 0; fi
done
echo "=== done $(date -u +%T)"
