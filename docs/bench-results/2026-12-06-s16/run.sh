#!/usr/bin/env bash
# Session 16: before = b2cd2cb (session 13's end), mid = 016ad64 (channels, no send-call cache),
# after = HEAD (7bea0c5, with 64d3887: access/refusal once per sender and room of a send call, one read-marker HSET
# per sender and room). Alternated pairs in one sitting; every run also records Redis' CPU and
# commandstats (bench/scenario.sh's last line).
cd /work/main
BEFORE=/work/ci-s13a/build/release
MID=/work/bench-s16/mid
AFTER=/work/bench-s16/after
run() { # label build scenario rate ai node_args
  echo "=== $1 s$3 rate $4 ai ${5:-0} args '${6:-}' $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  CHAT_BENCH_BUILD=$2 CHAT_BENCH_AI_REPLIES=${5:-0} CHAT_BENCH_NODE_ARGS="${6:-}" CHAT_BENCH_MODE=send CHAT_BENCH_DURATION=8 \
    CHAT_BENCH_RATE=$4 timeout 300 bench/scenario.sh $3 2>&1 | grep -E '^\{"mode":"(send|redis)|results:'
}
pair() { # i a-args... -- b-args...
  local i=$1; shift
  local a=() b=()
  while [[ $1 != -- ]]; do a+=("$1"); shift; done; shift; b=("$@")
  if (( i % 2 )); then run "${a[@]}"; run "${b[@]}"; else run "${b[@]}"; run "${a[@]}"; fi
}
for i in 1 2 3; do pair $i before $BEFORE 2 8000 0 '' -- after $AFTER 2 8000 0 ''; done
for i in 1 2 3; do pair $i mid $MID 2 8000 0 '' -- after $AFTER 2 8000 0 ''; done
for i in 1 2 3; do pair $i before $BEFORE 1 1500 0 '' -- after $AFTER 1 1500 0 ''; done
for i in 1 2 3; do pair $i ai0 $AFTER 2 8000 0 '' -- ai8 $AFTER 2 8000 8 ''; done
echo "=== done $(date -u +%T)"
