#!/usr/bin/env bash
# Rolling restart of three chatnode processes behind Debian's nginx, under steady traffic: the test of
# tests/rolling/ (issue #26). nginx runs unprivileged on loopback with scripts/nginx/chatnode.conf
# (the configuration docs/deploy.md §4 gives operators); one redis-server; several hundred WebSocket
# and SSE clients in several channels connect only through nginx while senders keep a steady rate.
# Every node is SIGTERMed (drain), waited for, started again on its port and waited for (/readyz),
# one after the other, with one kill -9 in the middle. Checked: no acked message lost, none twice or
# out of order at any client, every client reconnected through nginx and resumed, no node took more
# than half of a draining node's clients in any one second. Printed: delivery latency p50/p99
# before and during the roll, how each node's clients moved, drain times.
#
#   scripts/rolling-restart.sh           the size scripts/test.sh runs (360 clients, 8 rooms, one
#                                        round with a kill -9; ~40 s on a 2-core VM)
#   scripts/rolling-restart.sh --long    1,500 clients in 30 rooms, 3 rounds (every node restarted 3
#                                        times), 20 s of traffic before, --drain-timeout 30s (~2 minutes)
#
# Every knob of the test can be set in the environment (each wins over --long's value):
#   ROLLING_CLIENTS, ROLLING_ROOMS, ROLLING_RATE (messages/s per room), ROLLING_ROUNDS,
#   ROLLING_STEADY_S, ROLLING_SETTLE_S, ROLLING_DRAIN_TIMEOUT_S, ROLLING_BALANCE (e.g. least_conn, to
#   see what another balancing method does), CHATNODE_BIN (default build/release/app/chatnode, built
#   when missing). The result (JSON, one line per run) is appended to ROLLING_REPORT (default
#   data/rolling/rolling-<time>.jsonl).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ "${1:-}" == --long ]]; then
  export ROLLING_CLIENTS="${ROLLING_CLIENTS:-1500}" ROLLING_ROOMS="${ROLLING_ROOMS:-30}" \
    ROLLING_ROUNDS="${ROLLING_ROUNDS:-3}" ROLLING_STEADY_S="${ROLLING_STEADY_S:-20}" \
    ROLLING_DRAIN_TIMEOUT_S="${ROLLING_DRAIN_TIMEOUT_S:-30}" ROLLING_SETTLE_S="${ROLLING_SETTLE_S:-5}"
  shift
elif [[ -n "${1:-}" ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
fi

bin="${CHATNODE_BIN:-$root/build/release/app/chatnode}"
if [[ ! -x "$bin" ]]; then
  cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release -DCHAT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$root/build/release" -j2 --target chatnode
fi
if [[ ! -x "${NGINX_BIN:-/usr/sbin/nginx}" ]]; then
  echo "nginx is missing: scripts/nginx/install-nginx.sh installs Debian's (the service is never started)" >&2
  exit 2
fi
if [[ ! -d tests/integration/node_modules/ws ]]; then
  (cd tests/integration && npm ci --no-audit --no-fund)
fi

export ROLLING_REPORT="${ROLLING_REPORT:-$root/data/rolling/rolling-$(date -u +%Y%m%dT%H%M%SZ).jsonl}"
mkdir -p "$(dirname "$ROLLING_REPORT")"
echo "chatnode: $bin; report: $ROLLING_REPORT"
CHATNODE_BIN="$bin" node --test --test-concurrency=1 tests/rolling/
