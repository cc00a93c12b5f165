#!/usr/bin/env bash
# Session 19's side-by-side sweeps, alternated in one sitting (this 2-core VM is noisy: compare ratios
# within a run). Each variant is one bench/scenario.sh sweep; its sweep_summary line goes to the log.
#   run_pairs.sh transports SCENARIO PAIRS  issue #25: /ws?batch=1 vs plain /ws vs Socket.IO
#   run_pairs.sh wait PAIRS                 issue #26: scenario 2 with a replica, --redis-min-replicas-acked 0 vs 1
#                                           (CHAT_BENCH_MODE=send CHAT_BENCH_RATE=R: one fixed rate instead of sweeps)
# Logs: <what>-s<scenario>.txt next to this script. Run it as root with `nice -n -15` when other work
# shares the machine: the bench's processes then get the CPU first.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
what="${1:?transports|wait}"
build="${CHAT_BENCH_BUILD:-build/lead}"
summary() { grep -E '"mode":"(sweep_summary|send)"' | cut -c1-900; }
case "$what" in
  transports)
    scenario="${2:-2}" pairs="${3:-2}"
    for p in $(seq 1 "$pairs"); do
      for v in batch plain socketio; do
        echo "== pair $p scenario $scenario $v"
        b=1 s=0
        [[ $v == plain ]] && b=0
        [[ $v == socketio ]] && s=1
        CHAT_BENCH_BATCH=$b CHAT_BENCH_SOCKETIO=$s CHAT_BENCH_BUILD="$build" bench/scenario.sh "$scenario" 2>&1 | summary
      done
    done | tee -a "$here/transports-s$scenario.txt" ;;
  wait)
    pairs="${2:-3}"
    for p in $(seq 1 "$pairs"); do
      for n in 0 1; do
        echo "== pair $p scenario 2 min-replicas-acked=$n (replica running)"
        CHAT_BENCH_REPLICA=1 CHAT_BENCH_NODE_ARGS="--redis-min-replicas-acked $n" CHAT_BENCH_BUILD="$build" \
          bench/scenario.sh 2 2>&1 | summary
      done
    done | tee -a "$here/wait-s2${CHAT_BENCH_MODE:+-$CHAT_BENCH_MODE}.txt" ;;
  *) echo "usage: run_pairs.sh transports SCENARIO PAIRS | wait PAIRS" >&2; exit 2 ;;
esac
