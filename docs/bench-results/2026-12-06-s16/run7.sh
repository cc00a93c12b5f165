#!/usr/bin/env bash
# Session 16, sitting 7 (small = the committed indexer): scenario 2 at 8,000 before vs small, small vs
# small without indexing; 8 assistant replies vs none at 6,000.
cd /work/main
BEFORE=/work/ci-s13a/build/release
SMALL=/work/bench-s16/small
source <(sed -n '/^run()/,/^}/p;/^pair()/,/^}/p' /work/bench-s16/run.sh)
for i in 1 2 3; do pair $i before $BEFORE 2 8000 0 '' -- small $SMALL 2 8000 0 ''; done
for i in 1 2; do pair $i small $SMALL 2 8000 0 '' -- noindex $SMALL 2 8000 0 '--search-index-ms 0'; done
for i in 1 2 3; do pair $i ai0 $SMALL 2 6000 0 '' -- ai8 $SMALL 2 6000 8 ''; done
echo "=== done $(date -u +%T)"
