#!/usr/bin/env bash
# The README's run command: installs the dependencies, builds mock-courier in
# build/, prints copy-paste curl examples, then runs the server with the demo
# workspace (fixtures/workspaces/demo.json) on port 4010 (PORT overrides it).
# Extra arguments go to mock-courier, e.g. `bash scripts/demo.sh --clock real`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
port="${PORT:-4010}"

bash scripts/setup.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target mock-courier

base="http://127.0.0.1:${port}"
cat <<EXAMPLES

Demo workspace: API key demo-key, Segment source write key demo-source-write-key.
Try, in another terminal:

  # A Segment track event, as Segment's Courier (Actions) destination sends it
  curl -s -X POST ${base}/inbound/segment -H 'Authorization: Bearer demo-key' \\
    -H 'Content-Type: application/json' \\
    -d '{"type":"track","event":"Checkout Page Visited","userId":"user-1","messageId":"demo-1","properties":{"item":"Shoes","cart_id":"c-1","total":42}}'

  # Move the mock clock past the reminder's 2-hour delay
  curl -s -X POST ${base}/_mock/clock/advance -d '{"by":"2 hours"}'

  # What was sent, and what went back to Segment
  curl -s '${base}/_mock/messages?workspace=demo-key'
  curl -s '${base}/_mock/segment/received?write_key=demo-outbound-write-key'

  # The Courier API as the SDK calls it (COURIER_BASE_URL=${base})
  curl -s -X POST ${base}/send -H 'Authorization: Bearer demo-key' \\
    -H 'Content-Type: application/json' \\
    -d '{"message":{"to":{"user_id":"user-2"},"template":"order-invoice","data":{"properties":{"order_id":"o-1","total":30}}}}'
  curl -s ${base}/profiles/user-1 -H 'Authorization: Bearer demo-key'

  # An app's Segment library pointed at the mock (relayed to the demo workspace)
  curl -s -X POST ${base}/v1/track -u demo-source-write-key: \\
    -H 'Content-Type: application/json' \\
    -d '{"event":"Checkout Complete","userId":"user-1","properties":{"order_id":"o-2","total":42}}'

EXAMPLES

exec build/mock_server/mock-courier --port "$port" --workspace fixtures/workspaces/demo.json "$@"
