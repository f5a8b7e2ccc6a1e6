#!/usr/bin/env bash
# The suite fired at one running mock-courier, the way a user points
# `courier-conformance --target URL` at a server: every scenario in turn on the
# same process, each reset with its own seed (POST /_mock/reset {"seed": N}),
# so seeded outcomes (ids, the Segment delivery simulation) match the
# in-process run. Loopback only, on a port the kernel picks.
# Usage: shared_server_test.sh MOCK_COURIER COURIER_CONFORMANCE SCENARIO_DIR
set -euo pipefail
server_bin="$1"
cli="$2"
scenarios="$3"
out="$(mktemp -d)"
"$server_bin" --port 0 --host 127.0.0.1 --log-format off >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$out"' EXIT

url=""
for _ in $(seq 100); do
  line="$(head -n 1 "$out/server.log" 2>/dev/null || true)"
  if [[ "$line" == *"listening on http://"* ]]; then
    url="${line##* }"
    break
  fi
  kill -0 "$server" 2>/dev/null || { echo "mock-courier exited:"; cat "$out/server.log"; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { echo "mock-courier printed no listening line"; cat "$out/server.log"; exit 1; }

if ! "$cli" run "$scenarios" --target "$url" --md "$out/summary.md" >"$out/run.log" 2>&1; then
  echo "scenarios failed against one shared server ($url):"
  cat "$out/summary.md" 2>/dev/null || cat "$out/run.log"
  exit 1
fi
grep -q "passed" "$out/summary.md" || { echo "no summary written"; exit 1; }
