#!/usr/bin/env bash
# Extra test stages run by scripts/test.sh after ctest.
# Usage: scripts/test-extra.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-clients.sh "${1:-build}"
bash scripts/test-package.sh "${1:-build}"
