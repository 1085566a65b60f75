#!/usr/bin/env bash
# The what-if study of the README: simulated time to ||grad f||^2 <= 1e-6 for EF21 on a9a
# (n = 20) over Top-k, k = 1, 2, 4, ..., 64, 123 (= d), under three networks
# (scenarios/whatif/k-study/{datacenter,slow-uplinks,wan}.toml).
#
# Stage 1, datacenter: one sweep over k x the paper's multipliers 1, 2, 4, ..., 4096, then
#   `ef21sim best --by time --group-by compressor.k`: the fastest multiplier for each k.
# Stage 2, the other networks: for a given k every message has the same size whatever the
#   multiplier, so a round costs (almost) the same simulated time and the fastest multiplier
#   is the one that needs the fewest rounds. The math does not depend on the network, so the
#   stage-1 sweep already says which multipliers those are (`best --by rounds`); each other
#   network sweeps k x {those multipliers} and again keeps the fastest per k. This cuts the
#   study from 3 x 104 runs to 104 + 2 x 48. (On the datacenter, where every multiplier is
#   run, best-by-time and best-by-rounds pick the same multiplier for every k; the script
#   prints both so that can be checked.)
#
# Writes results/k-study/<network>/{sweep.csv,best.csv} and tools/paper/figures/k-study.png.
# Usage: tools/paper/k_study.sh [--jobs N]     (about 25 minutes with 2 jobs)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=2
if [ "${1:-}" = "--jobs" ]; then jobs=${2:?--jobs needs a number}; fi
bin="$root/build/tools/ef21sim"
out="$root/results/k-study"
ks=1,2,4,8,16,32,64,123

sweep() {  # sweep NETWORK MULTIPLIERS: k x multipliers, resumable
  local net=$1 multipliers=$2 resume=()
  [ -f "$out/$net/sweep.args" ] && resume=(--resume)
  "$bin" sweep "$root/scenarios/whatif/k-study/$net.toml" --out "$out/$net" --jobs "$jobs" --quiet "${resume[@]}" \
    --grid compressor.k=$ks --grid algorithm.multiplier="$multipliers"
}

sweep datacenter 1,2,4,8,16,32,64,128,256,512,1024,2048,4096
echo "== datacenter, fewest rounds per k (network-independent)"
(cd "$out/datacenter" && "$bin" best . --by rounds --group-by compressor.k)
# The multipliers that need the fewest rounds for some k.
candidates=$(/usr/bin/python3 - "$out/datacenter/best.csv" <<'EOF'
import csv, sys
chosen = {int(r["algorithm.multiplier"]) for r in csv.DictReader(open(sys.argv[1])) if r["grad_norm_sq_round"]}
print(",".join(str(m) for m in sorted(chosen)))
EOF
)
echo "== datacenter, fastest per k"
(cd "$out/datacenter" && "$bin" best . --by time --group-by compressor.k)
for net in slow-uplinks wan; do
  sweep "$net" "$candidates"
  echo "== $net (multipliers $candidates), fastest per k"
  (cd "$out/$net" && "$bin" best . --by time --group-by compressor.k)
done
/usr/bin/python3 "$root/tools/paper/k_study_plot.py" "$out" "$root/tools/paper/figures/k-study.png"
