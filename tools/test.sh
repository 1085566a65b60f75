#!/usr/bin/env bash
# The whole default test suite on a fresh machine: setup, build, CTest (Catch2 + peers).
# Longer checks carry their own CTest label and are excluded here (see README "Tests").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/setup.sh"
bash "$root/tools/build.sh"
cd "$root/build"
ctest --output-on-failure -j "$(nproc)" -LE slow "$@"
