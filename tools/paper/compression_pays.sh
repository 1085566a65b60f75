#!/usr/bin/env bash
# The README's what-if "when does compression pay?": simulated time to ||grad f||^2 <= 1e-5 on
# a9a (n = 20, scenarios/whatif/compression-pays/a9a.toml) against the workers' link bandwidth
# (uplink = downlink = 1 Mbps ... 100 Gbps, the server's link 10x that), for
#   GD with a ring all-reduce, GD with the parameter server,
#   EF21 Top-8 with the parameter server, EF21 Top-8 with a ring all-gather.
# Stage 1: the multiplier needing the fewest rounds per method (`best --by rounds`; the math
# does not depend on the network or on the protocol: allgather is ps bit for bit, ring
# all-reduce is ps to round-off), so it is also the fastest at every bandwidth.
# Stage 2: each configuration at that multiplier over the bandwidths.
# Writes results/compression-pays/{gd,ef21}/ (stage 1), results/compression-pays/runs/ and
# tools/paper/figures/compression-pays.png. Usage: tools/paper/compression_pays.sh [--jobs N]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=2
if [ "${1:-}" = "--jobs" ]; then jobs=${2:?--jobs needs a number}; fi
bin="${EF21SIM:-$root/build/tools/ef21sim}"
scenario="$root/scenarios/whatif/compression-pays/a9a.toml"
out="$root/results/compression-pays"

best_multiplier() {  # best_multiplier METHOD: stage 1, prints the multiplier with the fewest rounds
  local method=$1 resume=()
  [ -f "$out/$method/sweep.args" ] && resume=(--resume)
  "$bin" sweep "$scenario" --out "$out/$method" --jobs "$jobs" --quiet "${resume[@]}" \
    --set algorithm.kind="$method" --grid algorithm.multiplier=0.25,0.5,1,2,4,8 >&2
  (cd "$out/$method" && "$bin" best . --by rounds >&2)
  /usr/bin/python3 -c 'import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))["algorithm.multiplier"])' \
    "$out/$method/best.csv"
}
gd=$(best_multiplier gd)
ef21=$(best_multiplier ef21)
echo "best multipliers: gd x$gd, ef21 x$ef21"

mkdir -p "$out/runs"
for bw in "1 Mbps" "10 Mbps" "100 Mbps" "1 Gbps" "10 Gbps" "100 Gbps"; do
  server=$(/usr/bin/python3 -c 'import sys; n, u = sys.argv[1].split(); print(f"{float(n) * 10:g} {u}")' "$bw")
  tag=${bw// /}
  for config in "gd ring-allreduce $gd" "gd ps $gd" "ef21 ps $ef21" "ef21 allgather $ef21"; do
    read -r method protocol multiplier <<<"$config"
    dir="$out/runs/$method-$protocol-$tag"
    [ -f "$dir/summary.json" ] && continue
    "$bin" run "$scenario" --quiet --out "$dir" --set algorithm.kind="$method" --set protocol.kind="$protocol" \
      --set algorithm.multiplier="$multiplier" --set network.uplink="$bw" --set network.downlink="$bw" \
      --set network.server.uplink="$server" --set network.server.downlink="$server"
  done
done
/usr/bin/python3 "$root/tools/paper/compression_pays_plot.py" "$out/runs" "$root/tools/paper/figures/compression-pays.png"
