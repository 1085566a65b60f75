#!/usr/bin/env bash
# The tuned what-if of README "A study, tuned": GD, EF and EF21 (k = 1, 8, 32) on a9a with
# slow uplinks and stragglers, each at the stepsize multiplier `ef21sim tune` finds, by
# simulated time and by wire bytes; `ef21sim best` compares across the tune directories;
# one `plot curves --best` figure. Usage: tools/paper/tuned_study.sh [OUT_DIR] [JOBS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/results/tuned-study}
jobs=${2:-2}
sim=${EF21SIM:-$root/build/tools/ef21sim}
scenario=$root/scenarios/whatif/tuned/a9a-stragglers.toml
mkdir -p "$out"
# Tuned by simulated time to the target; the same runs then answer "fewest wire bytes" too
# (`best --by bytes` over every evaluated point: a separate `--by bytes` tune can only find as
# good or better, at the cost of a second search).
"$sim" tune "$scenario" --grid algorithm.kind=ef,ef21 --grid compressor.k=1,8,32 --by time \
  --jobs "$jobs" --quiet --resume --out "$out/compressed"
"$sim" tune "$scenario" --set algorithm.kind=gd --by time --jobs "$jobs" --quiet --resume --out "$out/gd"
for by in time bytes; do
  "$sim" best "$out/compressed" "$out/gd" --by "$by" --out "$out/best-by-$by" | tee "$out/best-by-$by.txt"
done
"$root/tools/plot" curves "$out/compressed" "$out/gd" --best --by time --x time_s --out "$out/tuned-study.png"
