#!/usr/bin/env bash
# Fresh machine to first result: setup, build, run the demo scenario, plot it (no data downloads).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/setup.sh"
bash "$root/tools/build.sh"
"$root/build/tools/ef21sim" run "$root/scenarios/demo.toml" --out "$root/results/demo"
"$root/tools/plot" "$root/results/demo" --out "$root/results/demo/curves.png"
"$root/tools/plot" timeline "$root/results/demo" --rounds 0..4 --out "$root/results/demo/timeline.png"
echo "demo: outputs in results/demo (trace.csv, summary.json, scenario.toml, timeline.json, curves.png, timeline.png)"
