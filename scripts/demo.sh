#!/usr/bin/env bash
# The main job (README's first command): installs what is missing, builds the
# release preset and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)"
exec build/release/apps/tern-demo "$@"
