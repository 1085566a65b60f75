#!/usr/bin/python3
"""Draws the README's "Methods" figure (tools/paper/methods_study.sh): for each method, the
trace of its best run (RESULTS_DIR/<method>/best.csv: the fastest multiplier to the target),
||grad f||^2 against bits per worker (uplink) and against simulated time.

    tools/paper/methods_plot.py RESULTS_DIR OUT.png METHOD...

Prints, per method, the chosen multiplier, rounds, bits and time to the target (or that it
never got there), the numbers the README quotes.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from figure_common import save, style_time_to_target  # noqa: E402

TARGET = "grad_norm_sq"


def best_run(results, method):
    """(row, run directory, reached): the best.csv row, or, when no run reached the target,
    the sweep's run with the smallest final ||grad f||^2 (the closest one)."""
    path = os.path.join(results, method, "best.csv")
    rows = list(csv.DictReader(open(path))) if os.path.exists(path) else []
    rows = [r for r in rows if r.get(TARGET + "_time_s")]
    if rows:
        return rows[0], os.path.join(results, method, rows[0]["run"]), True
    sweep = [r for r in csv.DictReader(open(os.path.join(results, method, "sweep.csv")))
             if r.get("final_grad_norm_sq") and r["status"] in ("max_rounds", "time_limit", "bits_limit")]
    if not sweep:
        return None
    closest = min(sweep, key=lambda r: float(r["final_grad_norm_sq"]))
    return closest, os.path.join(results, method, closest["run"]), False


def read_trace(run_dir):
    with open(os.path.join(run_dir, "trace.csv")) as f:
        rows = list(csv.DictReader(f))
    return ([float(r["bits_up"]) for r in rows], [float(r["time_s"]) for r in rows],
            [float(r["grad_norm_sq"]) for r in rows])


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    results, out, methods = sys.argv[1], sys.argv[2], sys.argv[3:]
    fig, (by_bits, by_time) = plt.subplots(1, 2, figsize=(11, 4.2))
    print("| method | multiplier | rounds | bits/worker | time (s) |")
    print("|---|---|---|---|---|")
    for method in methods:
        chosen = best_run(results, method)
        if chosen is None:
            print(f"| {method} | — | never reached {TARGET} target | | |")
            continue
        row, run_dir, reached = chosen
        bits, time, grad = read_trace(run_dir)
        multiplier = float(row["algorithm.multiplier"])
        label = f"{method} (×{multiplier:g})" if reached else f"{method} (×{multiplier:g}, closest: never reaches 1e-5)"
        style = "-" if reached else ":"
        by_bits.semilogy(bits, grad, style, label=label)
        by_time.semilogy(time, grad, style, label=label)
        if reached:
            print(f"| {method} | {multiplier:g} | {row[TARGET + '_round']} | "
                  f"{float(row[TARGET + '_bits_up']):.4g} | {float(row[TARGET + '_time_s']):.4g} |")
        else:
            print(f"| {method} | {multiplier:g} (closest) | never: {float(row['final_grad_norm_sq']):.3g} after "
                  f"{row['rounds']} rounds | {float(row['final_bits_up']):.4g} | {float(row['final_time_s']):.4g} |")
    for ax, xlabel in ((by_bits, "bits per worker (uplink)"), (by_time, "simulated time (s)")):
        ax.axhline(1e-5, color="grey", linestyle="--", linewidth=0.8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("||grad f(x^t)||^2")
        ax.grid(True, which="both", alpha=0.3)
    by_bits.set_xscale("log", nonpositive="mask")  # round 0 (0 bits, time 0) is off a log axis
    by_time.set_xscale("log", nonpositive="mask")
    by_time.legend(fontsize=8)
    fig.suptitle("a9a, n = 20, 2 workers on 5 Mbps uplinks: each method at its fastest stepsize")
    save(fig, out)


if __name__ == "__main__":
    main()
