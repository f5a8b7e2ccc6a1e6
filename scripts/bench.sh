#!/usr/bin/env bash
# The full benchmark run (issue 6): builds Release in its own directory, installs
# Prism into bench/prism (from the committed package-lock.json) when npm can,
# runs every benchmark and prints one table. Never fails because of Prism: when
# it cannot be installed, its rows say so and are skipped.
# Usage: scripts/bench.sh [BUILD_DIR] [courier-bench options...]
#   e.g. scripts/bench.sh build-bench --duration 5 --out bench/last-run.md
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build-bench}"
shift || true

# Release (-O3) without -Werror: GCC 12's -Wrestrict has false positives at -O3
# in code that is warning-free at the -O2 of the test build.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOCK_COURIER_WERROR=OFF \
  -DMOCK_COURIER_BUILD_BENCH=ON -DMOCK_COURIER_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j2 --target courier-bench

prism_args=(--no-prism "npm not found")
if command -v npm >/dev/null 2>&1; then
  echo "bench: installing Prism into bench/prism (npm ci)" >&2
  if (cd bench/prism && timeout 300 npm ci --no-audit --no-fund --loglevel=error >&2); then
    prism_args=(--prism "$PWD/bench/prism/node_modules/.bin/prism")
  else
    prism_args=(--no-prism "npm ci in bench/prism failed")
  fi
fi

"$build_dir/bench/courier-bench" --scale full "${prism_args[@]}" "$@"
