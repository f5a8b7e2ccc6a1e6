#!/usr/bin/env bash
# Runs the libFuzzer harnesses in fuzz/ (docs/fuzzing.md), each for a bounded
# time on its stored corpus, and fails when any of them finds a crash.
#
# Usage: scripts/fuzz.sh [--time SECONDS] [--build-dir DIR] [--no-build] [--merge] [HARNESS...]
#   --time SECONDS   per harness (default 300)
#   --build-dir DIR  a build configured with -DMOCK_COURIER_FUZZ=ON (default build-fuzz;
#                    configured here with clang, ASan+UBSan, RelWithDebInfo unless --no-build)
#   --no-build       use DIR as it is (CI passes its ASan build)
#   --merge          fold new interesting inputs into fuzz/corpus/<harness>/ (minimised)
# Crashes are written to DIR/fuzz-artifacts/<harness>/; the summary line per
# harness gives its wall seconds, CPU minutes, executions and crash count.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=300
build_dir=build-fuzz
build=1
merge=0
harnesses=()
while (($#)); do
  case "$1" in
    --time) seconds="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
if ((${#harnesses[@]} == 0)); then
  harnesses=(api_fuzz workspace_fuzz scenario_fuzz time_format_fuzz template_fuzz json_patch_fuzz
             accessor_fuzz json_parse_fuzz)
fi

if ((build)); then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMOCK_COURIER_WERROR=ON -DMOCK_COURIER_BUILD_TESTS=OFF -DMOCK_COURIER_BUILD_BENCH=OFF \
    -DMOCK_COURIER_FUZZ=ON "-DMOCK_COURIER_SANITIZE=address;undefined" >/dev/null
  cmake --build "$build_dir" -j2 --target "${harnesses[@]}"
fi

TIMEFORMAT='%3U %3S'  # What `time` below reports: user and system CPU seconds.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
summary=()
for h in "${harnesses[@]}"; do
  binary="$build_dir/fuzz/$h"
  [[ -x "$binary" ]] || { echo "fuzz: $binary is missing (build with -DMOCK_COURIER_FUZZ=ON)"; exit 2; }
  corpus="fuzz/corpus/$h"
  work="$build_dir/fuzz-work/$h"        # New inputs land here, not in the repository.
  artifacts="$build_dir/fuzz-artifacts/$h"
  mkdir -p "$work" "$artifacts"
  log="$build_dir/fuzz-work/$h.log"
  echo "fuzz: $h for ${seconds}s on $corpus"
  status=0
  { time "$binary" "$work" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 ; } \
    2>"$log.cpu" || status=$?
  cpu=$(awk '{ printf "%.1f", ($1 + $2) / 60 }' "$log.cpu")
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  crashes=$(find "$artifacts" -type f | wc -l)
  summary+=("$(printf '%-18s %6ss wall %6s CPU-min %12s execs %3s crashes' "$h" "$seconds" "$cpu" \
    "$execs" "$crashes")")
  if ((status != 0)) || ((crashes > 0)); then
    failed+=("$h")
    tail -60 "$log"
  fi
  if ((merge)); then
    "$binary" -merge=1 "$corpus" "$work" >/dev/null 2>&1 || true
  fi
done

printf '%s\n' "fuzz: summary" "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: crashes in ${failed[*]} (inputs under $build_dir/fuzz-artifacts/)"
  exit 1
fi
