#!/usr/bin/env bash
# The installable package, as a fresh user meets it:
#  1. `cmake --install` BUILD_DIR into a temporary prefix, then configure,
#     build (warnings as errors) and run examples/gtest-consumer against it;
#  2. the same example through add_subdirectory and FetchContent (SOURCE_DIR,
#     no network): configure, and check the build graph reaches the test;
#  3. `cpack -G DEB`: the package holds mock-courier on PATH, the headers,
#     the CMake package and the fixtures, and its binary runs.
# Usage: scripts/test-package.sh BUILD_DIR   (BUILD_DIR fully built)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="$(realpath "${1:-build}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "test-package: $*" >&2; exit 1; }

echo "test-package: install into a temporary prefix"
prefix="$work/prefix"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null

echo "test-package: examples/gtest-consumer against the installed prefix"
cmake -S examples/gtest-consumer -B "$work/example" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$prefix" "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror" >/dev/null
cmake --build "$work/example" -j2
# The example must use the installed binary and headers, not the source tree.
# The commands are captured first: `ninja ... | grep -q` under pipefail fails
# whenever grep exits on its match before ninja's last write (SIGPIPE, 141).
commands="$(ninja -C "$work/example" -t commands checkout_app_test)"
grep -qF "$prefix/bin/mock-courier" <<<"$commands" ||
  fail "the example does not use the installed mock-courier"
grep -qF "$(pwd)/testkit/include" <<<"$commands" &&
  fail "the example compiles against the source tree"
ctest --test-dir "$work/example" --output-on-failure

for mode in subdirectory fetchcontent; do
  echo "test-package: examples/gtest-consumer through $mode"
  cmake -S examples/gtest-consumer -B "$work/$mode" -G Ninja -DMOCK_COURIER_CONSUME="$mode" \
    -DMOCK_COURIER_SOURCE_DIR="$(pwd)" >/dev/null
  commands="$(ninja -C "$work/$mode" -t commands checkout_app_test)"
  grep -qF -- "-o checkout_app_test " <<<"$commands" ||
    fail "$mode: no build step for checkout_app_test"
done

echo "test-package: cpack -G DEB"
(cd "$build_dir" && cpack -G DEB -B "$work/deb" >/dev/null)
deb="$(ls "$work"/deb/mock-courier_*.deb)"
contents="$(dpkg-deb -c "$deb")"
for path in ./usr/bin/mock-courier ./usr/bin/courier-conformance \
  ./usr/include/mock_courier/testing/matchers.h ./usr/include/mock_courier/testing/mock_courier.h \
  ./usr/include/mock_courier/engine.h ./usr/include/mock_courier/conformance/runner.h \
  ./usr/lib/libmock_courier_testing.a ./usr/lib/libmock_courier_engine.a \
  ./usr/lib/cmake/mock_courier/mock_courierConfig.cmake \
  ./usr/lib/cmake/mock_courier/mock_courierTargets.cmake \
  ./usr/share/mock_courier/fixtures/workspaces/demo.json; do
  grep -qE " $path\$" <<<"$contents" || fail "$(basename "$deb") lacks $path"
done
depends="$(dpkg-deb -f "$deb" Depends)"
for dep in libcpp-httplib nlohmann-json3-dev libgtest-dev libjemalloc2; do
  grep -q "$dep" <<<"$depends" || fail "Depends lacks $dep: $depends"
done
dpkg-deb -x "$deb" "$work/root"
version="$("$work/root/usr/bin/mock-courier" --version)"
grep -qF "0.1.0" <<<"$version" || fail "packaged mock-courier does not run"
echo "test-package: ok ($(basename "$deb"), $(wc -l <<<"$contents") entries)"
