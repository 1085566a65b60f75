#!/usr/bin/python3
"""Reproduces the EF21 paper's headline comparison: for each dataset and method, the best
stepsize multiplier among 1, 2, 4, ..., 4096 (theory stepsize x multiplier), judged by the
bits per worker needed to reach a target, and a markdown table of the winners.

Targets (--target):
  grad_norm_sq           ||grad f||^2 <= TOL, absolute (default; TOL 1e-5 = the paper
                         reference code's default --tol, and the scenarios' [run.stop])
  grad_norm_sq_relative  ||grad f||^2 <= TOL ||grad f(x0)||^2 (default TOL 1e-4); the
                         scenarios' absolute target is then moved out of reach (1e-300)
Like the reference code, a run is stopped (and scored) at the first iterate that meets it.

Usage (from the repository root, after tools/build.sh):
  tools/paper/best_multiplier.py [--target grad_norm_sq] [--tolerance 1e-5]
      [--datasets mushrooms a9a w8a] [--methods ef ef21] [--jobs 2]
      [--out results/paper/TARGET-TOL] [--max-exponent 12] [--figure FILE.png]

It also draws the paper's figure: ||grad f||^2 against bits per worker of each method's
best run, one panel per dataset (default tools/paper/figures/paper-ef-vs-ef21.png for the
absolute target, paper-ef-vs-ef21-relative.png for the relative one).

Each run is `ef21sim run scenarios/paper/DATASET.toml --set algorithm.kind=M
--set algorithm.multiplier=2^e --set run.stop...`, written to OUT/DATASET/M-xMULT/. Runs
already complete (summary.json present) are not redone.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stop_settings(target, tolerance):
    """--set arguments that make `target` <= tolerance the run's stop."""
    sets = [f"run.stop.{target}={tolerance!r}"]
    if target == "grad_norm_sq_relative":
        sets.append("run.stop.grad_norm_sq=1e-300")  # the scenarios' absolute target, out of reach
    return sets


def run_one(binary, dataset, method, multiplier, out_root, target, tolerance):
    out = os.path.join(out_root, dataset, f"{method}-x{multiplier}")
    summary = os.path.join(out, "summary.json")
    if not os.path.exists(summary):
        scenario = os.path.join(ROOT, "scenarios", "paper", f"{dataset}.toml")
        cmd = [binary, "run", scenario, "--quiet", "--out", out,
               "--set", f"algorithm.kind={method}", "--set", f"algorithm.multiplier={multiplier}"]
        for setting in stop_settings(target, tolerance):
            cmd += ["--set", setting]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    with open(summary) as f:
        s = json.load(f)
    reached = next(t for t in s["targets"] if t["target"] == target)
    return dataset, method, multiplier, s["status"], reached


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", choices=["grad_norm_sq", "grad_norm_sq_relative"], default="grad_norm_sq")
    p.add_argument("--tolerance", type=float, help="default 1e-5 (absolute), 1e-4 (relative)")
    p.add_argument("--datasets", nargs="+", default=["mushrooms", "a9a", "w8a"])
    p.add_argument("--methods", nargs="+", default=["ef", "ef21"])
    p.add_argument("--max-exponent", type=int, default=12)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", help="default results/paper/TARGET-TOL")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "tools", "ef21sim"))
    p.add_argument("--figure")
    a = p.parse_args()
    if a.jobs < 1:
        sys.exit("--jobs must be at least 1")
    relative = a.target == "grad_norm_sq_relative"
    if a.tolerance is None:
        a.tolerance = 1e-4 if relative else 1e-5
    if not a.tolerance > 0:
        sys.exit("--tolerance must be positive")
    if a.out is None:
        a.out = os.path.join(ROOT, "results", "paper", f"{a.target}-{a.tolerance:g}")
    if a.figure is None:
        name = "paper-ef-vs-ef21-relative.png" if relative else "paper-ef-vs-ef21.png"
        a.figure = os.path.join(ROOT, "tools", "paper", "figures", name)
    target_text = f"{a.tolerance:g} ||grad f(x0)||^2" if relative else f"{a.tolerance:g}"
    multipliers = [2 ** e for e in range(a.max_exponent + 1)]
    jobs = [(d, m, x) for d in a.datasets for m in a.methods for x in multipliers]
    best = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futures = [pool.submit(run_one, a.binary, d, m, x, a.out, a.target, a.tolerance) for d, m, x in jobs]
        for fut in concurrent.futures.as_completed(futures):
            d, m, x, status, target = fut.result()
            print(f"{d:10s} {m:10s} x{x:<5d} {status:11s} bits/worker to target: {target['bits_up']}", flush=True)
            if target["reached"]:
                key = (d, m)
                if key not in best or target["bits_up"] < best[key][1]["bits_up"]:
                    best[key] = (x, target)
    # A method that never reaches the target is drawn with its closest run (the smallest
    # ||grad f||^2 in any trace), as the paper's figures show both methods.
    closest = {}
    for d, m, x in jobs:
        if (d, m) not in best:
            low = min(grad_norms(os.path.join(a.out, d, f"{m}-x{x}", "trace.csv")), default=float("inf"))
            if (d, m) not in closest or low < closest[(d, m)][1]:
                closest[(d, m)] = (x, low)
    print()
    print(f"| dataset | method | best multiplier | rounds | bits/worker to ||grad f||^2 <= {target_text} |")
    print("|---|---|---|---|---|")
    for d in a.datasets:
        for m in a.methods:
            if (d, m) in best:
                x, t = best[(d, m)]
                print(f"| {d} | {m} | {x} | {t['round']} | {t['bits_up']:.0f} |")
            else:
                x, low = closest[(d, m)]
                print(f"| {d} | {m} | none reached the target (closest: x{x}, min ||grad f||^2 {low:.3g}) | | |")
    draw_figure(a, best, closest, target_text)


def grad_norms(trace):
    """The finite grad_norm_sq values of a trace.csv."""
    import csv
    with open(trace) as f:
        values = [float(r["grad_norm_sq"]) for r in csv.DictReader(f)]
    return [v for v in values if v == v and v != float("inf")]


def draw_figure(a, best, closest, target_text):
    """One panel per dataset: ||grad f||^2 against bits per worker for each method's best run."""
    import csv
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(a.datasets), figsize=(5.2 * len(a.datasets), 4.2), squeeze=False)
    for ax, d in zip(axes[0], a.datasets):
        for m in a.methods:
            if (d, m) in best:
                x, note = best[(d, m)][0], ""
            else:
                x, note = closest[(d, m)][0], " (never reaches the target)"
            with open(os.path.join(a.out, d, f"{m}-x{x}", "trace.csv")) as f:
                rows = [r for r in csv.DictReader(f) if float(r["grad_norm_sq"]) > 0]
            ax.plot([float(r["bits_up"]) for r in rows], [float(r["grad_norm_sq"]) for r in rows],
                    label=f"{m.upper()}, multiplier {x}{note}", linewidth=1.4)
        ax.set_yscale("log")
        ax.set_xscale("symlog", linthresh=1e3)
        ax.set_xlim(left=0)
        ax.set_xlabel("#bits / n (uplink bits per worker)")
        ax.set_ylabel("||grad f(x^t)||^2")
        ax.set_title(f"{d}, n = 20, Top-1 (best multiplier to {target_text})", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(a.figure), exist_ok=True)
    fig.savefig(a.figure, dpi=110)
    print(f"figure: {a.figure}")


if __name__ == "__main__":
    main()
