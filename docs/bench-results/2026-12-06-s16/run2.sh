#!/usr/bin/env bash
# Session 16, sitting 2: the search indexer's one ZADD per word and call (grouped) against one per
# message and word (after = 7bea0c5); grouped with indexing on vs off; before (b2cd2cb) vs grouped.
cd /work/main
BEFORE=/work/ci-s13a/build/release
AFTER=/work/bench-s16/after
GROUPED=/work/bench-s16/grouped
source <(sed -n '/^run()/,/^}/p;/^pair()/,/^}/p' /work/bench-s16/run.sh)
for i in 1 2 3; do pair $i after $AFTER 2 8000 0 '' -- grouped $GROUPED 2 8000 0 ''; done
for i in 1 2 3; do pair $i grouped $GROUPED 2 8000 0 '' -- noindex $GROUPED 2 8000 0 '--search-index-ms 0'; done
for i in 1 2 3; do pair $i before $BEFORE 2 8000 0 '' -- grouped $GROUPED 2 8000 0 ''; done
echo "=== done $(date -u +%T)"
