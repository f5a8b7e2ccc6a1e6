#!/usr/bin/env bash
# Runs the real Node clients (Courier SDK, analytics-node, Segment's Courier Actions
# destination) against the built mock-courier binary: clients/node/test/*.test.mjs.
# Usage: scripts/test-clients.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
bin="$(cd "$build_dir" && pwd)/mock_server/mock-courier"
if [[ ! -x "$bin" ]]; then
  echo "test-clients: $bin not found; build the mock-courier target first" >&2
  exit 1
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if command -v apt-get >/dev/null; then
    echo "test-clients: installing nodejs and npm" >&2
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "test-clients: node and npm are required" >&2
    exit 1
  fi
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 18)); then
  echo "test-clients: Node 18 or newer is required (found $(node --version))" >&2
  exit 1
fi

cd clients/node
npm ci --no-audit --no-fund --loglevel=error
node scripts/fetch-destination.mjs
MOCK_COURIER_BIN="$bin" node --test --test-concurrency=1 test/*.test.mjs
