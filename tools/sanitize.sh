#!/usr/bin/env bash
# The default test suite under AddressSanitizer + UndefinedBehaviorSanitizer (issue 13).
# Configures build-asan/ (RelWithDebInfo, -fsanitize=address,undefined, no recovery: any
# report aborts the test that triggered it), builds it and runs CTest there.
#   tools/sanitize.sh [ctest arguments]      default selection: -LE "slow|fuzz"
# EF21SIM_ASAN_DIR overrides the build directory. Needs tools/setup.sh to have run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${EF21SIM_ASAN_DIR:-$root/build-asan}
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEF21SIM_SANITIZE=address,undefined \
  -DEF21SIM_BUILD_FUZZERS=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
# Leaks count as findings; reports name their source lines.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd "$build"
if [ $# -eq 0 ]; then set -- -LE "slow|fuzz"; fi
ctest --output-on-failure -j "$(nproc)" "$@"
