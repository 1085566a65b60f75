#!/usr/bin/env bash
# The what-if study of the README: time to ||grad f||^2 <= 1e-5 for EF21 on mushrooms over
# Top-k, k = 1, 2, 4, ..., 112 (= d), under three networks. For each network: one sweep over
# k x stepsize multiplier, then `ef21sim best --by time --group-by compressor.k` keeps the
# fastest multiplier for each k. Writes results/k-study/<network>/{sweep.csv,best.csv} and
# the figure tools/paper/figures/k-study.png.
# Usage: tools/paper/k_study.sh [--jobs N]     (about 20 minutes with 2 jobs)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${2:-2}
[ "${1:-}" = "--jobs" ] || jobs=2
bin="$root/build/tools/ef21sim"
out="$root/results/k-study"
for net in datacenter slow-uplinks wan; do
  resume=()
  [ -f "$out/$net/sweep.args" ] && resume=(--resume)
  "$bin" sweep "$root/scenarios/whatif/k-study/$net.toml" --out "$out/$net" --jobs "$jobs" --quiet "${resume[@]}" \
    --grid compressor.k=1,2,4,8,16,32,64,112 \
    --grid algorithm.multiplier=1,2,4,8,16,32,64,128,256,512,1024
  echo "== $net"
  (cd "$out/$net" && "$bin" best . --by time --group-by compressor.k)
done
/usr/bin/python3 "$root/tools/paper/k_study_plot.py" "$out" "$root/tools/paper/figures/k-study.png"
