#!/usr/bin/python3
"""Draws the "churn" figure (tools/paper/churn.sh): simulated time to ||grad f||^2 <= 1e-5
against the workers' mean availability, per method, and prints the table the README quotes
(time, rounds, skipped worker-rounds, lost and late messages; the final ||grad f||^2 when
the target is never reached).

    tools/paper/churn_plot.py RESULTS_DIR OUT.png
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from figure_common import save, style_time_to_target  # noqa: E402

MTTR = 0.1
RATES = [("none", None), ("3s", 3.0), ("1s", 1.0), ("300ms", 0.3), ("100ms", 0.1), ("30ms", 0.03)]
METHODS = [("ef21", "EF21 Top-8"), ("ef21-pp", "EF21 Top-8, half the workers a round (PP)"), ("gd", "GD")]


def main():
    results, out = sys.argv[1], sys.argv[2]
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    print("| mtbf (availability) | " + " | ".join(label for _, label in METHODS) + " |")
    print("|---|" + "---|" * len(METHODS))
    series = {name: ([], []) for name, _ in METHODS}
    for tag, mtbf in RATES:
        availability = 1.0 if mtbf is None else mtbf / (mtbf + MTTR)
        cells = []
        for name, _ in METHODS:
            s = json.load(open(os.path.join(results, f"{name}-{tag}", "summary.json")))
            target = next(t for t in s["targets"] if t["target"] == "grad_norm_sq")
            f = s.get("failures", {})
            counts = f"skipped {f.get('skipped_rounds', 0)}, lost {f.get('lost_messages', 0)}, late {f.get('late_messages', 0)}"
            if target["reached"]:
                series[name][0].append(availability)
                series[name][1].append(target["time_s"])
                cells.append(f"{target['time_s']:.3g} s, {target['round']} rounds ({counts})")
            else:
                cells.append(f"never: {s['final']['grad_norm_sq']:.2g} after {s['rounds']} rounds ({counts})")
        print(f"| {tag} ({availability:.2f}) | " + " | ".join(cells) + " |")
    for name, label in METHODS:
        ax.semilogy(series[name][0], series[name][1], marker="o", label=label)
    ax.invert_xaxis()
    style_time_to_target(ax, "mean availability mtbf / (mtbf + mttr), mttr = 100 ms (failures increase to the right)",
                         "a9a, n = 20, 20 ms round deadline: churn")
    save(fig, out)


if __name__ == "__main__":
    main()
