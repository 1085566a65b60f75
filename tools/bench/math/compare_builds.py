#!/usr/bin/env python3
"""Per-round cost of EF21 (Top-1, n = 20) in two builds, alternated in one run: did a change
make the math slower?

    python3 tools/bench/math/compare_builds.py REFERENCE_BUILD [CANDIDATE_BUILD] [--data a9a] [--repeats 7]

Runs each build's ef21_bench_math on the same data, alternating which goes first, and prints
every repeat's median ms per round and the median of the per-repeat ratios candidate/reference
(< 1: the candidate is faster). Build the reference from an earlier commit with, e.g.,
`git worktree add /tmp/ref COMMIT && cmake -S /tmp/ref -B /tmp/ref/build -DCMAKE_BUILD_TYPE=Release
&& cmake --build /tmp/ref/build --target ef21_bench_math`.
"""
import argparse
import json
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data" / "libsvm"


def per_round_ms(build, data, threads):
    exe = Path(build) / "tools" / "bench" / "math" / "ef21_bench_math"
    out = subprocess.run([str(exe), "--data", str(DATA / data), "--workers", "20", "--k", "1", "--rounds", "20",
                          "--repeats", "5", "--warmup", "3", "--threads", str(threads)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["median_ms"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("candidate", nargs="?", default=str(ROOT / "build"))
    parser.add_argument("--data", default="a9a")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    ratios = []
    for rep in range(args.repeats):
        order = ("reference", "candidate") if rep % 2 == 0 else ("candidate", "reference")
        ms = {}
        for which in order:
            ms[which] = per_round_ms(getattr(args, which), args.data, args.threads)
        ratios.append(ms["candidate"] / ms["reference"])
        print(f"repeat {rep + 1}: reference {ms['reference']:.3f} ms, candidate {ms['candidate']:.3f} ms, "
              f"ratio {ratios[-1]:.3f}")
    print(f"{args.data}, {args.threads} thread(s): candidate/reference per-round time, median of "
          f"{args.repeats}: {statistics.median(ratios):.3f} (range {min(ratios):.3f} .. {max(ratios):.3f})")


if __name__ == "__main__":
    main()
