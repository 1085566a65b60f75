#!/usr/bin/env bash
# Builds and runs the network benchmark: bash tools/bench/network/run.sh [network_bench options]
# Build directory: $EF21SIM_BUILD (default <repo>/build), configured Release if new.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${EF21SIM_BUILD:-$root/build}"
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target ef21_bench_network -j2 >/dev/null
exec "$build/tools/bench/network/ef21_bench_network" "$@"
