#!/usr/bin/env bash
# Session 16, sitting 8: scenario 1 at 1,500 msg/s, before (b2cd2cb) vs final (43ec168, main at the stop).
cd /work/main
BEFORE=/work/ci-s13a/build/release
FINAL=/work/bench-s16/final
source <(sed -n '/^run()/,/^}/p;/^pair()/,/^}/p' /work/bench-s16/run.sh)
for i in 1 2 3; do pair $i before $BEFORE 1 1500 0 '' -- final $FINAL 1 1500 0 ''; done
echo "=== done $(date -u +%T)"
