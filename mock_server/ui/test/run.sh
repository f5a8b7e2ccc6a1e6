#!/bin/sh
# Runs the inspector's browser test (ctest: inspector_ui_test). Without node or
# Chromium it skips (exit 77), unless MOCK_COURIER_REQUIRE_TOOLS is set (as
# scripts/test.sh does): then it fails.
missing=""
command -v node >/dev/null 2>&1 || missing="node (Debian package: nodejs)"
[ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ] || missing="$missing chromium"
if [ -n "$missing" ]; then
  if [ -n "$MOCK_COURIER_REQUIRE_TOOLS" ]; then
    echo "inspector_ui_test: missing $missing (MOCK_COURIER_REQUIRE_TOOLS is set)" >&2
    exit 1
  fi
  echo "inspector_ui_test: skipped, missing $missing" >&2
  exit 77
fi
exec node --test "$(dirname "$0")/inspector.test.mjs"
