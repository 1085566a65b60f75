#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS under the limits of issue 13 and fails on any finding.
#   run_fuzzer.sh FUZZER SECONDS SEED_DIR WORK_DIR [extra libFuzzer flags]
# A finding is a crash, a sanitizer report (ASan, UBSan, LeakSanitizer), an exception other
# than the documented input errors, an input taking over 10 s, a process over 2 GB resident or
# a single allocation over 2 GB. The reproducer is written to WORK_DIR/artifacts/; new inputs go
# to WORK_DIR/corpus (SEED_DIR, the committed seeds, is only read). The last lines of the
# output are libFuzzer's final statistics (executions, exec/s, coverage).
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 FUZZER SECONDS SEED_DIR WORK_DIR [libFuzzer flags...]" >&2
  exit 2
fi
fuzzer=$1 seconds=$2 seeds=$3 work=$4
shift 4
mkdir -p "$work/corpus" "$work/artifacts"
dict=()
if [ -f "$seeds.dict" ]; then dict=(-dict="$seeds.dict"); fi
# EF21SIM_FUZZ_SEED fixes libFuzzer's seed, so that a smoke run replays the same mutations
# (.ci/run sets it: CI checks for regressions, the long runs by hand explore).
seed=()
if [ -n "${EF21SIM_FUZZ_SEED:-}" ]; then seed=(-seed="$EF21SIM_FUZZ_SEED"); fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict[@]}" "${seed[@]}" "$@" "$work/corpus" "$seeds"
