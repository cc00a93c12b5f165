#!/usr/bin/env bash
# a third node on the bench's Redis takes the uploads; the bench's two nodes only chat
cd "$(dirname "$0")/../../.." && mkdir -p /tmp/up
( for i in $(seq 1 100); do redis-cli -p 6480 ping >/dev/null 2>&1 && break; sleep 0.1; done; sleep 3
  build/lead/app/chatnode --bind 127.0.0.1 --port 28281 --internal-port 28291 --redis-url redis://127.0.0.1:6480/0 --server-id up-1 --bcrypt-cost 4 --log-level warn --login-attempts-per-minute 1000000 --messages-per-10s 1000000 ${UPNODE_ARGS:-} > /tmp/up/node.log 2>&1 &
  sleep 1.5; nice -n 19 node bench/upload_load.mjs --nodes 127.0.0.1:28281 --uploaders 4 --mib 10 --seconds 100 > /tmp/up/load.json ) &
CHAT_BENCH_MODE=send CHAT_BENCH_DURATION=8 CHAT_BENCH_RATE=1000 CHAT_BENCH_UPLOADS=0 bench/scenario.sh 2 2>&1 | grep -E '"mode":"send"' | grep -o '"latency_ms":{[^}]*}'
pkill -f upload_load; pkill -f "port 28281"; wait
