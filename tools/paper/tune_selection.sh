#!/usr/bin/env bash
# The paper's stepsize selection (README "Reproducing the paper") by `ef21sim tune` instead of
# the 13-multiplier grid of tools/paper/best_multiplier.py: EF and EF21 with Top-1 on
# mushrooms, a9a and w8a, by bits per worker to ||grad f||^2 <= 1e-5. First with --refine 0
# (the x2 ladder only: its pick is comparable with the grid's powers of two), then with the
# default refinement (x sqrt 2, x 2^1/4), which starts from the --refine 0 runs and adds to them.
# Prints each best table and the number of runs; compare with best_multiplier.py's table.
#   Usage: tools/paper/tune_selection.sh [OUT_DIR] [JOBS]     (default results/paper-tune, 2)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/results/paper-tune}
jobs=${2:-2}
sim=${EF21SIM:-$root/build/tools/ef21sim}
mkdir -p "$out"
total0=0 total2=0
for d in mushrooms a9a w8a; do
  scenario=$root/scenarios/paper/$d.toml
  "$sim" tune "$scenario" --grid algorithm.kind=ef,ef21 --by bits --refine 0 --jobs "$jobs" --quiet --resume \
    --out "$out/$d-refine0" | tee "$out/$d-refine0.txt"
  # Refinement reuses the ladder's runs: the same points, read instead of rerun.
  if [ ! -f "$out/$d-refine2/tune.args" ]; then
    mkdir -p "$out/$d-refine2"
    for run in "$out/$d-refine0"/algorithm.kind-*; do
      [ -d "$run" ] && cp -a "$run" "$out/$d-refine2/"
    done
    sed 's/refine 0,/refine 2,/' "$out/$d-refine0/tune.args" > "$out/$d-refine2/tune.args"
  fi
  "$sim" tune "$scenario" --grid algorithm.kind=ef,ef21 --by bits --jobs "$jobs" --quiet --resume \
    --out "$out/$d-refine2" | tee "$out/$d-refine2.txt"
  n0=$(($(wc -l < "$out/$d-refine0/tune.csv") - 1))
  n2=$(($(wc -l < "$out/$d-refine2/tune.csv") - 1))
  echo "$d: $n0 runs with --refine 0, $n2 with the default refinement (the grid: 26)"
  total0=$((total0 + n0)) total2=$((total2 + n2))
done
echo "all: $total0 runs with --refine 0 ($((100 * total0 / 78))% of the grid's 78), $total2 with refinement"
