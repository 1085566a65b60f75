#!/usr/bin/env bash
# Fresh machine to first result: setup, build, run the demo scenario (no downloads needed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/setup.sh"
bash "$root/tools/build.sh"
"$root/build/tools/ef21sim" run "$root/scenarios/demo.toml" --out "$root/results/demo"
echo "demo: outputs in results/demo (trace.csv, summary.json, scenario.toml)"
