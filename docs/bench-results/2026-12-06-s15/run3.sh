#!/usr/bin/env bash
# Session 15, third sitting: HEAD after the indexer bound. s2 at 8,000: index vs --search-index-ms 0,
# then before (b2cd2cb) vs after (HEAD, indexing on), 3 pairs each, alternated.
cd /work/main
BEFORE=/work/ci-s13a/build/release
AFTER=/work/main/build/lead
source <(sed -n '/^run()/,/^}/p;/^pair()/,/^}/p' /work/bench-s15/run.sh)
for i in 1 2 3; do pair $i index $AFTER 2 8000 0 '' -- noindex $AFTER 2 8000 0 '--search-index-ms 0'; done
for i in 1 2 3; do pair $i before $BEFORE 2 8000 0 '' -- after $AFTER 2 8000 0 ''; done
for i in 1 2 3; do pair $i before $BEFORE 1 1500 0 '' -- after $AFTER 1 1500 0 ''; done
echo "=== done $(date -u +%T)"
