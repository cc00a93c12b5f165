#!/usr/bin/env bash
# Side-by-side sweeps, alternated in one sitting: this 2-core VM is noisy, so compare ratios within one
# run, never across runs. Each variant is one bench/scenario.sh run; its summary line goes to the log.
#   run_pairs.sh transports SCENARIO PAIRS     /ws?batch=1 vs plain /ws vs Socket.IO (issue #25)
#   run_pairs.sh args SCENARIO PAIRS "A" "B"   chatnode options A vs options B (e.g. with CHAT_BENCH_REPLICA=1:
#                                              "--redis-min-replicas-acked 0" "--redis-min-replicas-acked 1")
#   run_pairs.sh builds SCENARIO PAIRS A B     chatnode binary A vs binary B (before/after a change),
#                                              both measured by this build's chatbench
# Environment: what bench/scenario.sh takes (CHAT_BENCH_RATE, CHAT_BENCH_SWEEP_FACTOR, CHAT_BENCH_MODE=send,
# CHAT_BENCH_NODE_ARGS, ...), CHAT_BENCH_BUILD (build/lead), CHAT_BENCH_OUT (directory of the logs,
# data/bench/pairs): <what>-s<scenario>[-<mode>].txt, appended to.
# Run it as root with `nice -n -15` when other work shares the machine: the bench's processes then get the
# CPU first.
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
what="${1:?transports|args|builds}"
export CHAT_BENCH_BUILD="${CHAT_BENCH_BUILD:-build/lead}"
out="${CHAT_BENCH_OUT:-data/bench/pairs}"
mkdir -p "$out"
summary() { grep -E '"mode":"(sweep_summary|send)"' | cut -c1-900; }
log() { tee -a "$out/$1${CHAT_BENCH_MODE:+-$CHAT_BENCH_MODE}.txt"; }
with_options() { CHAT_BENCH_NODE_ARGS="${CHAT_BENCH_NODE_ARGS:-} $2" bench/scenario.sh "$1"; }
with_binary() { CHAT_BENCH_CHATNODE="$2" bench/scenario.sh "$1"; }
ab() { # ab NAME SCENARIO PAIRS A B RUN: A and B alternated, `RUN SCENARIO A|B` runs one
  local name="$1" scenario="${2:?scenario}" pairs="${3:?pairs}" a="$4" b="$5" run="$6" p v x
  for p in $(seq 1 "$pairs"); do
    for v in A B; do
      x="$a"
      [[ $v == B ]] && x="$b"
      echo "== pair $p scenario $scenario $v ${x:-(nothing)}${CHAT_BENCH_REPLICA:+ (replica running)}"
      "$run" "$scenario" "$x" 2>&1 | summary
    done
  done | log "$name-s$scenario"
}
case "$what" in
  transports)
    scenario="${2:-2}" pairs="${3:-2}"
    for p in $(seq 1 "$pairs"); do
      for v in batch plain socketio; do
        echo "== pair $p scenario $scenario $v"
        b=1 s=0
        [[ $v == plain ]] && b=0
        [[ $v == socketio ]] && s=1
        CHAT_BENCH_BATCH=$b CHAT_BENCH_SOCKETIO=$s bench/scenario.sh "$scenario" 2>&1 | summary
      done
    done | log "transports-s$scenario" ;;
  args) ab args "${2:-}" "${3:-}" "${4?options A}" "${5?options B}" with_options ;;
  builds) ab builds "${2:-}" "${3:-}" "${4:?chatnode binary A}" "${5:?chatnode binary B}" with_binary ;;
  *) echo "usage: run_pairs.sh transports SCENARIO PAIRS | args SCENARIO PAIRS A B | builds SCENARIO PAIRS A B" >&2; exit 2 ;;
esac
