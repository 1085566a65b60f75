#!/usr/bin/env bash
# The README's what-if "churn": time to ||grad f||^2 <= 1e-5 on a9a (n = 20,
# scenarios/whatif/churn/a9a.toml: 100 Mbps, 1 ms links, a 20 ms round deadline) as workers
# fail more often: failures.mtbf = none, 3 s, 1 s, 300 ms, 100 ms, 30 ms with mean repair
# times of 100 ms (mean availability mtbf/(mtbf + mttr): 1, 0.97, 0.91, 0.75, 0.5, 0.23), for
# EF21 Top-8, EF21 Top-8 with half the workers drawn a round (EF21-PP) and GD.
# Writes results/churn/<method>-<mtbf>/ and tools/paper/figures/churn.png.
# Usage: tools/paper/churn.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="${EF21SIM:-$root/build/tools/ef21sim}"
scenario="$root/scenarios/whatif/churn/a9a.toml"
out="$root/results/churn"
mkdir -p "$out"
for mtbf in none "3 s" "1 s" "300 ms" "100 ms" "30 ms"; do
  tag=${mtbf// /}
  failures=(--set failures.mtbf="$mtbf")
  [ "$mtbf" = none ] && failures=(--set failures.mtbf="1000000 s" --set failures.mttr="1 ps")
  for config in "ef21 1.0" "ef21-pp 0.5" "gd 1.0"; do
    read -r name fraction <<<"$config"
    kind=${name%-pp}
    dir="$out/$name-$tag"
    [ -f "$dir/summary.json" ] && continue
    "$bin" run "$scenario" --quiet --out "$dir" --set algorithm.kind="$kind" \
      --set participation.fraction="$fraction" "${failures[@]}"
  done
done
/usr/bin/python3 "$root/tools/paper/churn_plot.py" "$out" "$root/tools/paper/figures/churn.png"
