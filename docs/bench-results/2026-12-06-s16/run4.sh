#!/usr/bin/env bash
# Session 16, sitting 4: the indexer yields while Redis is busy (yield: one call per tick while the
# node's backlog is over 2 ms) vs access; before (b2cd2cb) vs yield in scenarios 2 and 1.
cd /work/main
BEFORE=/work/ci-s13a/build/release
ACCESS=/work/bench-s16/access
YIELD=/work/bench-s16/yield
source <(sed -n '/^run()/,/^}/p;/^pair()/,/^}/p' /work/bench-s16/run.sh)
for i in 1 2 3; do pair $i access $ACCESS 2 8000 0 '' -- yield $YIELD 2 8000 0 ''; done
for i in 1 2 3 4; do pair $i before $BEFORE 2 8000 0 '' -- yield $YIELD 2 8000 0 ''; done
for i in 1 2 3; do pair $i before $BEFORE 1 1500 0 '' -- yield $YIELD 1 1500 0 ''; done
echo "=== done $(date -u +%T)"
