#!/usr/bin/env bash
# The project's test command: installs what is missing, checks formatting, builds
# with warnings as errors and runs every test (unit, server, conformance, clients).
# Usage: scripts/test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"

bash scripts/setup.sh
bash scripts/check-format.sh

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMOCK_COURIER_WERROR=ON -DMOCK_COURIER_BUILD_TESTS=ON -DMOCK_COURIER_BUILD_BENCH=ON
cmake --build "$build_dir" -j2
# Tests that drive external tools (Chromium, python3) fail rather than skip here.
MOCK_COURIER_REQUIRE_TOOLS=1 ctest --test-dir "$build_dir" --output-on-failure -j2

if [[ -x scripts/test-extra.sh ]]; then
  bash scripts/test-extra.sh "$build_dir"
fi
