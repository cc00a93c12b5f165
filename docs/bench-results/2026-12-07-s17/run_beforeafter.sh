#!/usr/bin/env bash
# Session 17: scenarios 1 and 2, before (791eab9, /work/wt-before/build) vs after (4fb0fe9, build/lead),
# alternated in one sitting. Usage: run_beforeafter.sh SCENARIO RATE PAIRS
set -u
s="$1" rate="$2" pairs="$3"
for p in $(seq 1 "$pairs"); do
  for b in before after; do
    dir=/work/wt-before/build; [[ $b == after ]] && dir=build/lead
    echo "== pair $p $b scenario $s rate $rate"
    CHAT_BENCH_MODE=send CHAT_BENCH_DURATION=8 CHAT_BENCH_RATE="$rate" CHAT_BENCH_BUILD="$dir" bench/scenario.sh "$s" 2>&1 |
      grep -E '"mode":"send"'
  done
done
