#!/usr/bin/env bash
# Session 16, sitting 3: access() answers a member in one call (access build, on top of grouped) vs
# grouped; before (b2cd2cb) vs access; access with indexing off.
cd /work/main
BEFORE=/work/ci-s13a/build/release
GROUPED=/work/bench-s16/grouped
ACCESS=/work/bench-s16/access
source <(sed -n '/^run()/,/^}/p;/^pair()/,/^}/p' /work/bench-s16/run.sh)
for i in 1 2 3; do pair $i grouped $GROUPED 2 8000 0 '' -- access $ACCESS 2 8000 0 ''; done
for i in 1 2 3 4; do pair $i before $BEFORE 2 8000 0 '' -- access $ACCESS 2 8000 0 ''; done
for i in 1 2 3; do pair $i before $BEFORE 2 8000 0 '' -- noindex $ACCESS 2 8000 0 '--search-index-ms 0'; done
for i in 1 2 3; do pair $i before $BEFORE 1 1500 0 '' -- access $ACCESS 1 1500 0 ''; done
echo "=== done $(date -u +%T)"
