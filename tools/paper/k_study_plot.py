#!/usr/bin/python3
"""Draws the k-study figure (tools/paper/k_study.sh) from results/k-study/<network>/:
for each network, the simulated time to the target against k (best.csv: the fastest
multiplier per k), and a fourth panel with what each k costs whatever the network (from the
datacenter sweep.csv: the fewest rounds to the target over the multipliers, and that run's
bits per worker).

    tools/paper/k_study_plot.py RESULTS_DIR OUT.png
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NETWORKS = [("datacenter", "datacenter (10 Gbps, 5 us)"),
            ("slow-uplinks", "slow uplinks (256 kbps up, 1 ms)"),
            ("wan", "WAN (1 Gbps, 50 ms)")]
TARGET = "grad_norm_sq"


def read_rows(path):
    with open(path) as f:
        return [r for r in csv.DictReader(f) if r.get(TARGET + "_time_s")]


def fewest_rounds_per_k(sweep_rows):
    """{k: (rounds, bits per worker)} of the run with the fewest rounds for each k."""
    best = {}
    for r in sweep_rows:
        k, rounds, bits = int(r["compressor.k"]), int(r[TARGET + "_round"]), float(r[TARGET + "_bits_up"])
        if k not in best or rounds < best[k][0]:
            best[k] = (rounds, bits)
    return dict(sorted(best.items()))


def main():
    root, out = sys.argv[1], sys.argv[2]
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.4))
    for ax, (net, label) in zip(axes, NETWORKS):
        rows = read_rows(os.path.join(root, net, "best.csv"))
        ks = [int(r["compressor.k"]) for r in rows]
        ts = [float(r[TARGET + "_time_s"]) for r in rows]
        best = min(range(len(ts)), key=lambda i: ts[i])
        ax.plot(ks, ts, "o-", label="EF21, fastest multiplier per k")
        ax.plot([ks[best]], [ts[best]], "r*", markersize=16, label=f"fastest: k = {ks[best]}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("k (Top-k entries per message)")
        ax.set_ylabel("simulated time to ||grad f||^2 <= 1e-6 (s)")
        ax.set_title(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)

    cost = fewest_rounds_per_k(read_rows(os.path.join(root, "datacenter", "sweep.csv")))
    ax = axes[3]
    ks = list(cost)
    ax.plot(ks, [cost[k][0] for k in ks], "s-", color="tab:green", label="rounds (fewest over multipliers)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("k (Top-k entries per message)")
    ax.set_ylabel("rounds to the target", color="tab:green")
    ax.grid(True, which="both", alpha=0.3)
    twin = ax.twinx()
    twin.plot(ks, [cost[k][1] for k in ks], "^--", color="tab:purple", label="bits per worker (same run)")
    twin.set_yscale("log")
    twin.set_ylabel("bits per worker to the target", color="tab:purple")
    ax.set_title("what a k costs, on any network")
    lines = ax.get_legend_handles_labels()
    lines2 = twin.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper center")
    fig.suptitle("Which k reaches ||grad f||^2 <= 1e-6 first? EF21 on a9a, n = 20")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
