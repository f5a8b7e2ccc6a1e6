#!/usr/bin/env bash
# Sharding covers the suite exactly once: three `--shard i/3` runs, merged,
# give the same scenarios with the same results, in the same order, as one
# unsharded run; GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS select the same shard as
# --shard; `merge` writes every report.
# Usage: shard_union_test.sh COURIER_CONFORMANCE SCENARIO_DIR
set -euo pipefail
cli="$1"
scenarios="$2"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# Exit code 1 only means some scenario failed; the comparison below is the test.
"$cli" run "$scenarios" --json "$out/all.json" >/dev/null || [[ $? == 1 ]]
for i in 0 1 2; do
  "$cli" run "$scenarios" --shard "$i/3" --json "$out/shard$i.json" >/dev/null || [[ $? == 1 ]]
done
GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=3 GTEST_SHARD_STATUS_FILE="$out/status" \
  "$cli" run "$scenarios" --json "$out/env1.json" >/dev/null || [[ $? == 1 ]]
test -f "$out/status" || { echo "GTEST_SHARD_STATUS_FILE not touched"; exit 1; }
"$cli" merge "$out"/shard{0,1,2}.json --json "$out/merged.json" --junit "$out/junit.xml" \
  --html "$out/report.html" --md "$out/summary.md" >/dev/null || [[ $? == 1 ]]
for f in junit.xml report.html summary.md; do test -s "$out/$f" || { echo "merge wrote no $f"; exit 1; }; done

# A bad shard is a usage error.
if "$cli" run "$scenarios" --shard 3/3 >/dev/null 2>&1; then echo "--shard 3/3 accepted"; exit 1; fi

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def load(name):
    with open(f"{out}/{name}") as f:
        return json.load(f)
def key(run):
    return [(s["file"], s["target"], s["status"]) for s in run["scenarios"]]
everything, merged = load("all.json"), load("merged.json")
shards = [key(load(f"shard{i}.json")) for i in range(3)]
assert len(key(everything)) > 3, "too few scenarios to shard"
assert all(shards), "an empty shard"
files = [set(f for f, _, _ in s) for s in shards]
assert not (files[0] & files[1] or files[0] & files[2] or files[1] & files[2]), "shards overlap"
assert key(merged) == key(everything), f"merged {key(merged)} != unsharded {key(everything)}"
assert merged["totals"] == everything["totals"], (merged["totals"], everything["totals"])
assert key(load("env1.json")) == shards[1], "GTEST_* variables picked another shard"
print(f"shard union: {len(key(merged))} results in 3 shards of", [len(s) for s in shards])
PY
