#!/usr/bin/python3
"""Draws the k-study figure from results/k-study/<network>/best.csv: for each network, the
simulated time to the target against k (best multiplier per k), and the bits per worker."""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NETWORKS = [("datacenter", "datacenter (10 Gbps, 5 us)"),
            ("slow-uplinks", "slow uplinks (256 kbps up, 1 ms)"),
            ("wan", "WAN (1 Gbps, 50 ms)")]


def main():
    root, out = sys.argv[1], sys.argv[2]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, (net, label) in zip(axes, NETWORKS):
        with open(os.path.join(root, net, "best.csv")) as f:
            rows = [r for r in csv.DictReader(f) if r.get("grad_norm_sq_time_s")]
        ks = [int(r["compressor.k"]) for r in rows]
        ts = [float(r["grad_norm_sq_time_s"]) for r in rows]
        best = min(range(len(ts)), key=lambda i: ts[i])
        ax.plot(ks, ts, "o-", label="EF21, best multiplier per k")
        ax.plot([ks[best]], [ts[best]], "r*", markersize=16, label=f"fastest: k = {ks[best]}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("k (Top-k entries per message)")
        ax.set_ylabel("simulated time to ||grad f||^2 <= 1e-5 (s)")
        ax.set_title(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Which k reaches the target first? EF21 on mushrooms, n = 20")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
