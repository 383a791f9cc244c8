#!/usr/bin/env bash
# Cortex-M4 footprint of the core library (no platform layer, no logs):
# builds tern_core with arm-none-eabi-gcc -Os -mthumb -mcpu=cortex-m4 in the
# full and minimal feature sets and prints text/data/bss per layer and total.
# Usage: scripts/footprint.sh   (skips with a message when the toolchain is absent)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v arm-none-eabi-gcc >/dev/null; then
  echo "footprint: arm-none-eabi-gcc not installed, skipped"; exit 0
fi
for fs in full minimal; do
  b=build/cortex-m4-$fs
  cmake -S . -B "$b" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/cortex-m4.cmake \
    -DCMAKE_BUILD_TYPE=MinSizeRel -DTERN_FEATURES=$fs -DTERN_BUILD_TESTS=OFF -DTERN_BUILD_APPS=OFF -DTERN_WITH_LOG=OFF >/dev/null
  if ! out=$(cmake --build "$b" --target tern_core 2>&1); then echo "$out" | tail -40; exit 1; fi
  echo "== Cortex-M4 footprint, feature set: $fs (bytes; per object file, then total)"
  arm-none-eabi-size -t "$b/libtern_core.a" | awk 'NR==1 || /TOTALS/ {print} NR>1 && !/TOTALS/ {sub(/.*\//,"",$6); printf "%7s %5s %5s  %s\n",$1,$2,$3,$6}'
done
