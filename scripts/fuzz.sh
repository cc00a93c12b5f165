#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (docs/fuzzing.md) for a bounded time each.
#   scripts/fuzz.sh BUILD_DIR [TARGET...]   (every target of BUILD_DIR without TARGET)
# BUILD_DIR is a CHAT_FUZZ=ON build (clang): scripts/test.sh uses build/fuzz.
# Environment:
#   CHAT_FUZZ_SECONDS  seconds per target (default 20)
#   CHAT_JOBS          targets run at the same time (default 2)
# Each target starts from a fresh copy of tests/fuzz/corpus/<target> in BUILD_DIR/fuzz-run/<target>
# (what it finds goes there, never into the repository), with tests/fuzz/dict/<target>.dict when
# it exists. Exits non-zero when any target found a crash, a leak, a timeout or an out-of-memory,
# after printing its report and the reproducer's path.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:?usage: scripts/fuzz.sh BUILD_DIR [TARGET...]}" && pwd)"
shift
seconds="${CHAT_FUZZ_SECONDS:-20}"
jobs="${CHAT_JOBS:-2}"
bin_dir="$build/tests/fuzz"
run_dir="$build/fuzz-run"

targets=("$@")
if ((${#targets[@]} == 0)); then
  [[ -f "$bin_dir/targets.txt" ]] || { echo "fuzz: no $bin_dir/targets.txt (configure with -DCHAT_FUZZ=ON)"; exit 1; }
  mapfile -t targets < "$bin_dir/targets.txt"
fi

run_one() { # run_one TARGET: prints one summary line; the log stays in fuzz-run/TARGET/log
  local t="$1" dir="$run_dir/$1" args=()
  rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
  if [[ -d "$root/tests/fuzz/corpus/$t" ]]; then cp -R "$root/tests/fuzz/corpus/$t/." "$dir/corpus/"; fi
  if [[ -f "$root/tests/fuzz/dict/$t.dict" ]]; then args+=("-dict=$root/tests/fuzz/dict/$t.dict"); fi
  local rc=0 t0=$SECONDS
  "$bin_dir/$t" "$dir/corpus" "${args[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$dir/log" 2>&1 || rc=$?
  local runs cov
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log" | grep -o '[0-9]*$' || true)"
  cov="$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | grep -o '[0-9]*' || true)"
  if ((rc == 0)); then
    printf '  %-20s ok    %3ss  %9s runs  cov %s\n' "$t" $((SECONDS - t0)) "${runs:-?}" "${cov:-?}"
    return 0
  fi
  printf '  %-20s FAIL  (exit %s)\n' "$t" "$rc"
  return 1
}

# Up to $jobs targets at a time (bash jobs; each target is one process).
echo "fuzz: ${#targets[@]} target(s), ${seconds}s each, $jobs at a time (logs in $run_dir)"
declare -A pids=()
failed=()
wait_one() { # waits for one running target (bash 5.1+: wait -n -p)
  local done_pid="" rc=0 t
  wait -n -p done_pid "${pids[@]}" || rc=$?
  for t in "${!pids[@]}"; do
    if [[ "${pids[$t]}" == "$done_pid" ]]; then
      unset "pids[$t]"
      ((rc == 0)) || failed+=("$t")
    fi
  done
}
for t in "${targets[@]}"; do
  [[ -x "$bin_dir/$t" ]] || { echo "fuzz: no target $bin_dir/$t"; failed+=("$t"); continue; }
  while ((${#pids[@]} >= jobs)); do wait_one; done
  run_one "$t" &
  pids[$t]=$!
done
while ((${#pids[@]} > 0)); do wait_one; done

if ((${#failed[@]} == 0)); then exit 0; fi
for t in "${failed[@]}"; do
  dir="$run_dir/$t"
  printf '\n---- %s: the end of its log (%s/log)\n' "$t" "$dir"
  tail -n 40 "$dir/log" 2>/dev/null || true
  for a in "$dir"/artifacts/*; do
    [[ -e "$a" ]] || continue
    printf 'reproducer: %s\n  run it: %s %s\n' "$a" "$bin_dir/$t" "$a"
  done
done
printf '\nfuzz: FAILED: %s (docs/fuzzing.md: turn the reproducer into a regression test)\n' "${failed[*]}"
exit 1
