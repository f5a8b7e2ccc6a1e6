#!/usr/bin/env bash
# Installs what mock-courier needs on a Debian machine. Idempotent: packages
# already present are not fetched again. Run as root (CI and the dev machines are).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang clang-format
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev
  # jemalloc: the mock-courier binary's allocator (bench/README, "Engine v2, twelfth steps").
  libjemalloc-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libboost-dev libbenchmark-dev libcli11-dev
  # The report tests: headless Chromium renders the HTML report, Python's XML
  # parser reads the JUnit file.
  chromium python3
  # cpack -G DEB (scripts/test-package.sh): dpkg-shlibdeps needs file(1).
  file
  # The inspector's browser test (mock_server/ui/test/) drives Chromium from Node.
  nodejs
  # clang's sanitizer and libFuzzer runtimes (only "Recommended" by clang,
  # and this script installs without recommends): the ASan/TSan stages and fuzz/.
  libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"install ok installed"* ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: Debian packages ready"
