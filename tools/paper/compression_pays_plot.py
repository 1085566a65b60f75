#!/usr/bin/python3
"""Draws the "when does compression pay?" figure (tools/paper/compression_pays.sh): simulated
time to ||grad f||^2 <= 1e-5 against the workers' link bandwidth, one line per configuration,
and prints the table (time in seconds; rounds; bytes on the wire per round) and the crossover
bandwidths between the fastest compressed and the fastest dense configuration.

    tools/paper/compression_pays_plot.py RUNS_DIR OUT.png
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from figure_common import save, style_time_to_target  # noqa: E402

BANDWIDTHS = [("1Mbps", 1e6), ("10Mbps", 1e7), ("100Mbps", 1e8), ("1Gbps", 1e9), ("10Gbps", 1e10), ("100Gbps", 1e11)]
CONFIGS = [("gd-ring-allreduce", "GD, ring all-reduce"), ("gd-ps", "GD, parameter server"),
           ("ef21-ps", "EF21 Top-8, parameter server"), ("ef21-allgather", "EF21 Top-8, ring all-gather")]


def time_to_target(run_dir):
    summary = json.load(open(os.path.join(run_dir, "summary.json")))
    target = next((t for t in summary["targets"] if t["target"] == "grad_norm_sq"), None)
    if not target or not target["reached"]:
        return None, summary
    return target["time_s"], summary


def main():
    runs, out = sys.argv[1], sys.argv[2]
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    times = {}
    print("| bandwidth | " + " | ".join(label for _, label in CONFIGS) + " |")
    print("|---|" + "---|" * len(CONFIGS))
    for tag, _ in BANDWIDTHS:
        row = []
        for name, _ in CONFIGS:
            t, summary = time_to_target(os.path.join(runs, f"{name}-{tag}"))
            times[(name, tag)] = t
            rounds = summary["rounds"]
            row.append("—" if t is None else f"{t:.4g} s ({rounds} rounds)")
        print(f"| {tag} | " + " | ".join(row) + " |")
    for name, label in CONFIGS:
        xs = [bw for tag, bw in BANDWIDTHS if times[(name, tag)] is not None]
        ys = [times[(name, tag)] for tag, _ in BANDWIDTHS if times[(name, tag)] is not None]
        ax.loglog(xs, ys, marker="o", label=label)
    # Crossovers: where the best dense configuration overtakes the best compressed one.
    for (tag_a, bw_a), (tag_b, bw_b) in zip(BANDWIDTHS, BANDWIDTHS[1:]):
        def best(names, tag):
            vals = [times[(n, tag)] for n in names if times[(n, tag)] is not None]
            return min(vals) if vals else math.inf
        dense = ("gd-ring-allreduce", "gd-ps")
        sparse = ("ef21-ps", "ef21-allgather")
        if (best(sparse, tag_a) < best(dense, tag_a)) != (best(sparse, tag_b) < best(dense, tag_b)):
            print(f"crossover between {tag_a} and {tag_b}")
    style_time_to_target(ax, "worker link bandwidth (bit/s), server link 10x", "a9a, n = 20: when does compression pay?")
    save(fig, out)


if __name__ == "__main__":
    main()
