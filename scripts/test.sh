#!/usr/bin/env bash
# The whole test suite (README's second command; .ci/run calls exactly this).
# 1. installs missing Debian packages;
# 2. builds the release (gcc) and minimal presets, which must compile
#    warning-free, and the Cortex-M footprint build when its toolchain exists;
# 3. builds the CI preset (clang, ASan + UBSan, libFuzzer targets) and runs
#    every test label (unit, sim, interop, fuzz, e2e) with CTest, whose
#    summary line ends the output.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== release build (gcc, -Werror)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

echo "== minimal feature-set build"
cmake --preset minimal >/dev/null
cmake --build --preset minimal -j "$jobs"

if [ -x scripts/footprint.sh ]; then
  echo "== Cortex-M4 footprint build"
  scripts/footprint.sh
fi

echo "== CI build (clang, ASan + UBSan, libFuzzer)"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"

echo "== tests"
ctest --preset ci "$@"
