#!/usr/bin/env bash
# THE TEST COMMAND: the whole suite, idempotent, on a clean Debian 12 machine.
#   1. dependencies (apt, and npm packages of tests/integration when it has a package.json)
#   2. Release build (build/release: the product as shipped, chatnode and chatbench, no unit tests),
#      ASan+UBSan Debug build (build/asan) and ThreadSanitizer build (build/tsan: only chatnode and
#      unit_tests), -j2, build dirs reused
#   3. ctest (the unit tests) in the ASan and TSan builds: under both sanitizers, which check more
#      than an optimised build would; the Release build's -O2 compile of them took ~2 of the suite's
#      30 minutes for nothing the sanitizer runs miss
#   4. integration suite (node --test tests/integration/) against the ASan chatnode; a subset of it
#      against the TSan chatnode (tsan_integration_files below); also against the Release chatnode
#      when CHAT_TEST_RELEASE=1 or tests/integration/release/ exists
#      and the scripted AI backends' own tests (node --test tests/ai_backends/)
#   5. end-to-end tests of the web client (tests/e2e/) in Debian's headless Chromium, driven by
#      playwright-core, against two Release chatnode processes
#   6. rolling restart behind a real ingress (tests/rolling/, issue #26): Debian's nginx (installed by
#      scripts/nginx/install-nginx.sh, never as a service) in front of three Release chatnode processes,
#      several hundred WebSocket and SSE clients, every node restarted in turn (about a minute)
#   7. scripts/test-helm.sh (Helm chart, dashboard, Dockerfile; offline) when it exists
#   8. fuzzing: the libFuzzer targets of tests/fuzz built with clang (build/fuzz, CHAT_FUZZ=ON, ASan+UBSan)
#      and each run for CHAT_FUZZ_SECONDS (default 10 here: a smoke run that keeps the suite under
#      30 minutes; longer runs by hand, docs/fuzzing.md) from a copy of its seed corpus (scripts/fuzz.sh)
# Prints a summary; exits non-zero when any step fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${CHAT_JOBS:-2}"
# Test files that run at once in the node --test steps (integration, TSan subset, e2e). Each file owns its
# Redis, nodes and ports, so files are independent; two at a time fill the 2-core CI machine while one of
# them waits (a failover, a grace period, a browser): those steps take half as long as one at a time.
test_jobs="${CHAT_TEST_JOBS:-2}"
builds="${CHAT_BUILD_ROOT:-$root/build}" # holds release/, asan/, tsan/ and fuzz/
started=$SECONDS

summary=()
failed=0
step() { printf '\n==> %s\n' "$*"; }
record() { # record NAME STATUS SECONDS
  summary+=("$(printf '%-40s %-5s %4ss' "$1" "$2" "$3")")
  if [[ "$2" == FAIL ]]; then failed=1; fi
}
run_step() { # run_step NAME CMD... (records PASS/FAIL, never exits)
  local name="$1" t0=$SECONDS
  shift
  step "$name"
  if "$@"; then record "$name" PASS $((SECONDS - t0)); return 0; fi
  record "$name" FAIL $((SECONDS - t0))
  return 1
}

e2e_deps() { # Debian's chromium (the browser playwright-core drives), the npm packages, web/vendor/
  if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium
  fi
  npm_deps "$root/tests/e2e"
  "$root/scripts/web-deps.sh" # markdown-it for the web client (web/vendor/, gitignored)
}

npm_deps() {
  local dir="${1:-$root/tests/integration}"
  [[ -f "$dir/package.json" ]] || { echo "no $dir/package.json: nothing to install"; return 0; }
  # Skip when node_modules is newer than the manifests (npm writes node_modules/.package-lock.json).
  local stamp="$dir/node_modules/.package-lock.json"
  if [[ -f "$stamp" && "$stamp" -nt "$dir/package.json" && ( ! -f "$dir/package-lock.json" || "$stamp" -nt "$dir/package-lock.json" ) ]]; then
    echo "npm packages up to date"
    return 0
  fi
  if [[ -f "$dir/package-lock.json" ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
  else
    (cd "$dir" && npm install --no-audit --no-fund)
  fi
}

build() { # build DIR CMAKE_ARGS... [-- TARGET...] (every target without --)
  local dir="$1" args=() targets=()
  shift
  while (($#)) && [[ "$1" != -- ]]; do args+=("$1"); shift; done
  if (($#)); then shift; targets=("$@"); fi
  cmake -S "$root" -B "$dir" "${args[@]}" >/dev/null &&
    cmake --build "$dir" -j "$jobs" ${targets[@]+--target "${targets[@]}"}
}

sanitizer_env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
               UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)

prometheus_deps() { # Debian's prometheus (server + promtool) for the metrics tests; never run as a service
  dpkg-query -W -f='${Status}' prometheus 2>/dev/null | grep -q "install ok installed" && return 0
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus
}

integration() { # integration BINARY [FILE...] (the whole tests/integration/ without files)
  local bin="$1"
  shift
  env CHATNODE_BIN="$bin" CHAT_WEB_ROOT="$root/web" CHAT_REQUIRE_PROMETHEUS=1 "${sanitizer_env[@]}" \
    node --test --test-concurrency="$test_jobs" "${@:-tests/integration/}"
}

# ThreadSanitizer leg. Only chatnode and unit_tests are built (no bench). Reports of every process go
# to files (log_path, one per pid): the step fails on any of them, also from a node that a test killed
# or that exited through cleanup() without an exit-code check, and prints them all. halt_on_error=1:
# a process stops at its first report (exit code 66). Debian's libcaf_core.so is not instrumented: the
# happens-before edges of its mailbox and actor reference counts come from tests/tsan/caf_mailbox_hb.cpp
# (linked into the TSan build); tests/tsan.supp holds the few suppressions (never our own frames).
#
# The integration subset (about 2 minutes here, against the full suite's ASan run): the files where the
# most threads meet: I/O loops, the Redis strand (on loop 0), CAF workers and the bcrypt pool.
#   realtime_chat      WS + SSE delivery, joins while connected, DMs (sinks called from the actors)
#   realtime_resume    resume / Last-Event-ID: history read on the Redis strand while live delivery runs
#   realtime_presence  presence actor, typing timers, tabs closing (teardown vs. actor callbacks)
#   presence_watch     the presence actor writing to sinks on every loop, snapshots answered on the
#                      Redis strand, a 200-connection storm on two nodes
#   realtime_batch     batched and paced writes (coalescer timers on the loops, fed by the actors)
#   cluster_delivery   Pub/Sub bridge into the rooms of 3 nodes
#   admin              disconnecting a user closes connections on every loop of every node
#   cluster_drain      SIGTERM under load: drain batches on every loop, then actors, Redis and threads stop
#   realtime_thread_rule join/resume answered on the Redis strand after the connection
#                      closed on its loop, the race this leg found first (its regression test)
#   message_edit_delete, message_edit_delete_cluster: edits/deletes fanned out and replayed
#   session_revocation a logout / expiry ends connections from the HTTP loop, the Redis strand and
#                      the Pub/Sub bridge (session registry, closes dispatched onto each connection's loop)
#   assistant          backend I/O threads (HTTP client, cancel from the actor) feeding the assistant
#                      actor, its Redis writes and deltas relayed to sinks on every loop, SIGTERM mid-reply
#   search             the send batch marking rooms (Redis strand) while the search indexer actor takes them
#   uploads, attachments  bodies read on the loops into sinks whose store callbacks run on the Redis
#                      strand (posted back), pacer timers on loop 0, downloads streamed the same way; files
#                      attached by the send script
#   socketio           the Socket.IO dialect of ws_session: its own packets (open, CONNECT answers) beside
#                      events pushed by the actors, keep-alive pings from the sweep, the refusal connection
#   redis_sentinel     the sentinel locator's answers (sentinel strands) moving the command, files and
#                      subscriber connections (their strands) while sends wait on WAIT, a failover mid-load
#   retention          the retention actor's trim steps answered on the Redis strand, its announcements
#                      relayed to the room actors and published from the actor's thread
tsan_integration_files=(realtime_chat realtime_resume realtime_presence presence_watch realtime_batch cluster_delivery
                        admin cluster_drain realtime_thread_rule message_edit_delete message_edit_delete_cluster
                        session_revocation assistant search channels uploads attachments socketio redis_sentinel
                        retention)

tsan_run() { # tsan_run NAME CMD...: CMD (a command or a function) under TSan, reports in tsan-reports/NAME
  local dir="$builds/tsan/tsan-reports/$1" rc=0
  shift
  rm -rf "$dir" && mkdir -p "$dir"
  (export TSAN_OPTIONS="suppressions=$root/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1:log_path=$dir/tsan"
   "$@") || rc=$?
  local reports=("$dir"/tsan.*)
  if [[ -e "${reports[0]}" ]]; then
    printf '\n%s process(es) with a ThreadSanitizer report (files in %s):\n' "${#reports[@]}" "$dir"
    cat "${reports[@]}"
    rc=1
  fi
  return "$rc"
}

tsan_integration() {
  local files=() f
  for f in "${tsan_integration_files[@]}"; do
    if [[ -f "tests/integration/$f.test.mjs" ]]; then files+=("tests/integration/$f.test.mjs"); fi
  done
  if ((${#files[@]} == 0)); then echo "none of the TSan subset's files exists"; return 1; fi
  integration "$builds/tsan/app/chatnode" "${files[@]}"
}

have_integration_tests() {
  compgen -G "tests/integration/*.test.mjs" >/dev/null || compgen -G "tests/integration/*.test.js" >/dev/null
}

deps_ok=1 release_ok=0 asan_ok=0 tsan_ok=0
run_step "dependencies (apt)" scripts/install-deps.sh || deps_ok=0
run_step "dependencies (npm)" npm_deps || deps_ok=0
run_step "dependencies (prometheus)" prometheus_deps || deps_ok=0

if ((deps_ok)); then
  run_step "build release ($(basename "$builds")/release)" build "$builds/release" -DCMAKE_BUILD_TYPE=Release -DCHAT_SANITIZE=OFF -DCHAT_BUILD_TESTS=OFF && release_ok=1
  run_step "build asan+ubsan ($(basename "$builds")/asan)" build "$builds/asan" -DCMAKE_BUILD_TYPE=Debug -DCHAT_SANITIZE=ON -DCHAT_BUILD_TESTS=ON && asan_ok=1
  run_step "build tsan ($(basename "$builds")/tsan)" build "$builds/tsan" -DCMAKE_BUILD_TYPE=Debug -DCHAT_SANITIZE=OFF -DCHAT_TSAN=ON -DCHAT_BUILD_TESTS=ON -- chatnode unit_tests && tsan_ok=1
else
  record "builds" SKIP 0
fi

if ((asan_ok)); then
  run_step "ctest asan+ubsan" env "${sanitizer_env[@]}" ctest --test-dir "$builds/asan" --output-on-failure || true
else
  record "ctest asan+ubsan" SKIP 0
fi
if ((tsan_ok)); then
  run_step "ctest tsan" tsan_run ctest ctest --test-dir "$builds/tsan" --output-on-failure || true
else
  record "ctest tsan" SKIP 0
fi

if ! have_integration_tests; then
  record "integration" SKIP 0
  echo "no tests/integration/*.test.mjs: integration suite skipped"
else
  if ((asan_ok)); then
    run_step "integration (asan chatnode)" integration "$builds/asan/app/chatnode" || true
  else
    record "integration (asan chatnode)" SKIP 0
  fi
  if ((tsan_ok)); then
    run_step "integration (tsan chatnode, subset)" tsan_run integration tsan_integration || true
  else
    record "integration (tsan chatnode, subset)" SKIP 0
  fi
  if [[ "${CHAT_TEST_RELEASE:-0}" == 1 || -d tests/integration/release ]]; then
    if ((release_ok)); then
      run_step "integration (release chatnode)" integration "$builds/release/app/chatnode" || true
    else
      record "integration (release chatnode)" SKIP 0
    fi
  fi
fi

# The scripted language-model backends the assistant's tests use (tests/ai_backends/): they must
# behave as scripted, or tests against them prove nothing.
if compgen -G "tests/ai_backends/*.test.mjs" >/dev/null; then
  run_step "scripted AI backends (node)" node --test --test-concurrency=1 tests/ai_backends/ || true
fi

if compgen -G "tests/e2e/*.test.mjs" >/dev/null; then
  if ((release_ok)) && run_step "dependencies (chromium, e2e npm)" e2e_deps; then
    run_step "e2e (chromium, release chatnode)" \
      env CHATNODE_BIN="$builds/release/app/chatnode" CHAT_WEB_ROOT="$root/web" \
      node --test --test-concurrency="$test_jobs" tests/e2e/ || true
  else
    record "e2e" SKIP 0
    failed=1
  fi
fi

# Rolling restart behind nginx: the Release chatnode (three nodes and several hundred connections are
# too much for the ASan build on two cores within the step's few minutes).
if compgen -G "tests/rolling/*.test.mjs" >/dev/null; then
  if ((release_ok)) && run_step "dependencies (nginx)" scripts/nginx/install-nginx.sh; then
    run_step "rolling restart (nginx, release chatnode)" \
      env CHATNODE_BIN="$builds/release/app/chatnode" CHAT_WEB_ROOT="$root/web" \
      node --test --test-concurrency=1 tests/rolling/ || true
  else
    record "rolling restart (nginx)" SKIP 0
    failed=1
  fi
fi

if [[ -x scripts/test-helm.sh ]]; then
  run_step "helm chart + Dockerfile (test-helm.sh)" scripts/test-helm.sh || true
fi

# Fuzzing (docs/fuzzing.md): clang, a build dir of its own; only the fuzz targets and the parsers
# they link are built. A crash fails the step; scripts/fuzz.sh prints the report and the reproducer.
fuzz_ok=0
if ((deps_ok)); then
  run_step "build fuzz (clang, $(basename "$builds")/fuzz)" build "$builds/fuzz" -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=Debug -DCHAT_FUZZ=ON -DCHAT_BUILD_TESTS=OFF -- fuzz && fuzz_ok=1
fi
if ((fuzz_ok)); then
  run_step "fuzz (${CHAT_FUZZ_SECONDS:-10}s each)" env CHAT_JOBS="$jobs" CHAT_FUZZ_SECONDS="${CHAT_FUZZ_SECONDS:-10}" \
    scripts/fuzz.sh "$builds/fuzz" || true
else
  record "fuzz" SKIP 0
fi

((deps_ok && release_ok && asan_ok && tsan_ok && fuzz_ok)) || failed=1
printf '\n==> summary (%ss)\n' $((SECONDS - started))
printf '  %s\n' "${summary[@]}"
if ((failed)); then
  echo "RESULT: FAIL"
  exit 1
fi
echo "RESULT: PASS"
