#!/usr/bin/env bash
# Session 15: before = b2cd2cb (session 13's end, /work/ci-s13a/build/release), after = HEAD
# (/work/main/build/lead), alternated in one sitting: scenario 2 at 8,000 and scenario 1 at 1,500 msg/s
# (send mode, 8 s); then scenario 2 on HEAD with search indexing (default) vs --search-index-ms 0;
# then scenario 2 with 8 assistant replies vs none.
cd /work/main
BEFORE=/work/ci-s13a/build/release
AFTER=/work/main/build/lead
run() { # label build scenario rate ai node_args
  echo "=== $1 s$3 rate $4 ai ${5:-0} args '${6:-}' $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  CHAT_BENCH_BUILD=$2 CHAT_BENCH_AI_REPLIES=${5:-0} CHAT_BENCH_NODE_ARGS="${6:-}" CHAT_BENCH_MODE=send CHAT_BENCH_DURATION=8 \
    CHAT_BENCH_RATE=$4 timeout 300 bench/scenario.sh $3 2>&1 | grep -E '^\{"mode":"send|results:'
}
pair() { # i a-args... -- b-args...
  local i=$1; shift
  local a=() b=()
  while [[ $1 != -- ]]; do a+=("$1"); shift; done; shift; b=("$@")
  if (( i % 2 )); then run "${a[@]}"; run "${b[@]}"; else run "${b[@]}"; run "${a[@]}"; fi
}
for i in 1 2 3; do pair $i before $BEFORE 2 8000 0 '' -- after $AFTER 2 8000 0 ''; done
for i in 1 2 3; do pair $i before $BEFORE 1 1500 0 '' -- after $AFTER 1 1500 0 ''; done
for i in 1 2 3; do pair $i index $AFTER 2 8000 0 '' -- noindex $AFTER 2 8000 0 '--search-index-ms 0'; done
for i in 1 2 3; do pair $i ai0 $AFTER 2 8000 0 '' -- ai8 $AFTER 2 8000 8 ''; done
echo "=== done $(date -u +%T)"
