#!/bin/sh
# Runs every built benchmark (build/bench_*) in turn; `make bench` calls this.
# Set BENCH_QUICK=1 for the short variants.
set -e
BUILD=${1:-build}
for b in "$BUILD"/bench_*; do
    [ -x "$b" ] || continue
    echo "### $(basename "$b")"
    "$b"
done
