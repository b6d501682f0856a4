#!/usr/bin/env bash
# Runs every benchmark binary built in the given build folder and prints its figures.
set -euo pipefail
build=${1:-build}
found=0
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b"
done
[ "$found" = 1 ] || { echo "no benchmarks built in $build/bench" >&2; exit 1; }
