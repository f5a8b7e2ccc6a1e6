#!/usr/bin/env bash
# Runs every conformance scenario on both targets (in-process and HTTP) and
# writes all reports into a folder: run.json, junit.xml, report.html, summary.md.
# Usage: scripts/conformance-report.sh [OUT_DIR] [BUILD_DIR]
# Exits non-zero when a scenario fails (scenarios in conformance/known_failures.txt are skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir="${1:-reports-out}"
build_dir="${2:-build}"

if [[ ! -x "$build_dir/conformance/courier-conformance" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DMOCK_COURIER_WERROR=ON >/dev/null
  cmake --build "$build_dir" -j2 --target courier-conformance
fi
mkdir -p "$out_dir"
status=0
"$build_dir/conformance/courier-conformance" run fixtures/scenarios \
  --target in-process --target local-http \
  --known-failures conformance/known_failures.txt \
  --json "$out_dir/run.json" --junit "$out_dir/junit.xml" \
  --html "$out_dir/report.html" --md "$out_dir/summary.md" || status=$?
echo "conformance-report: reports in $out_dir/ (run.json, junit.xml, report.html, summary.md)"
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then cat "$out_dir/summary.md" >> "$GITHUB_STEP_SUMMARY"; fi
exit "$status"
