#!/usr/bin/env bash
# The README's "Methods" figure: ||grad f||^2 against bits and against simulated time on a9a
# (n = 20, 2 workers on 5 Mbps uplinks: scenarios/whatif/methods/slow-uplinks.toml) for
# EF21, EF21-BC, EF21-PP, EF21-SGD, DIANA and MARINA, each at its best stepsize multiplier.
#
# One sweep per method over the multipliers 1/16 .. 8 of the absolute stepsize 0.564 (~1/L),
# its own keys given with --set; `ef21sim best --by time` picks each method's fastest run
# to ||grad f||^2 <= 1e-5. Top-8 for the EF21 family (contractive), scaled rand-8 for DIANA
# and MARINA (they need an unbiased compressor), log2(d) index bits and 40-byte headers.
#
# Writes results/methods/<method>/{sweep.csv,best.csv} and tools/paper/figures/methods.png.
# Usage: tools/paper/methods_study.sh [--jobs N]     (about 3 minutes with 2 jobs)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=2
if [ "${1:-}" = "--jobs" ]; then jobs=${2:?--jobs needs a number}; fi
bin="$root/build/tools/ef21sim"
scenario="$root/scenarios/whatif/methods/slow-uplinks.toml"
out="$root/results/methods"
multipliers=0.0625,0.125,0.25,0.5,1,2,4,8

study() {  # study NAME [--set KEY=VALUE]...: one sweep over the multipliers, then its best run
  local name=$1 resume=()
  shift
  [ -f "$out/$name/sweep.args" ] && resume=(--resume)
  "$bin" sweep "$scenario" --out "$out/$name" --jobs "$jobs" --quiet "${resume[@]}" "$@" \
    --grid algorithm.multiplier="$multipliers"
  echo "== $name"
  (cd "$out/$name" && "$bin" best . --by time)
}

study ef21
study ef21-bc --set algorithm.kind=ef21-bc --set compressor.down.kind=top-k --set compressor.down.k=8
study ef21-pp --set participation.fraction=0.5
study ef21-sgd --set gradient.batch_ratio=0.5
study diana --set algorithm.kind=diana --set compressor.kind=rand-k --set compressor.scaled=true
study marina --set algorithm.kind=marina --set compressor.kind=rand-k --set compressor.scaled=true
/usr/bin/python3 "$root/tools/paper/methods_plot.py" "$out" "$root/tools/paper/figures/methods.png" \
  ef21 ef21-bc ef21-pp ef21-sgd diana marina
