#!/usr/bin/python3
"""Compare two trace.csv files (DESIGN.md §5) row by row.

    /usr/bin/python3 tools/oracle/compare_traces.py A.csv B.csv [--rtol 1e-10] [--floor 1e-20]
                                                    [--match-rounds] [--bits-down]

Checks, on the first six columns `round,time_s,bits_up,bits_down,f,grad_norm_sq` (extra
columns are ignored, and so is time_s, which the oracle does not model; bits_down only
with --bits-down, as traces of the oracle before issue 10 hold 0 there):
  * round: the same rounds in the same order (with --match-rounds: every round of B must
    be in A, and only those rows are compared; use it when B records every few rounds);
  * bits_up: exactly equal (as numbers: "640" and "640.0" agree); with --bits-down,
    bits_down too;
  * f, grad_norm_sq: relative error |a - b| / max(|a|, |b|) <= rtol, except where both
    |a| and |b| are below --floor (then the pair is skipped). A NaN on either side
    always disagrees; an Inf agrees only with the same Inf.
Prints the max relative error per column and the row where it occurs. Exit status 0 when
everything agrees, 1 on disagreement (naming the first bad row), 2 on unreadable input.
"""

import argparse
import csv
import math
import sys

COLUMNS = ["round", "time_s", "bits_up", "bits_down", "f", "grad_norm_sq"]


def read_trace(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise ValueError(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    if header[: len(COLUMNS)] != COLUMNS:
        raise ValueError(f"{path}: header starts {header[:len(COLUMNS)]}, expected {COLUMNS}")
    out = []
    for lineno, r in enumerate(rows[1:], 2):
        if not r:
            continue
        if len(r) < len(COLUMNS):
            raise ValueError(f"{path}:{lineno}: {len(r)} fields, expected >= {len(COLUMNS)}")
        try:
            out.append({
                "line": lineno,
                "round": int(r[0]),
                "bits_up": float(r[2]),
                "bits_down": float(r[3]),
                "f": float(r[4]),
                "grad_norm_sq": float(r[5]),
            })
        except ValueError as e:
            raise ValueError(f"{path}:{lineno}: {e}") from None
    return out


def rel_err(a, b):
    if a == b:
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


def main(argv=None):
    ap = argparse.ArgumentParser(description="compare two trace.csv files")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rtol", type=float, default=1e-10)
    ap.add_argument("--floor", type=float, default=1e-20)
    ap.add_argument("--match-rounds", action="store_true",
                    help="compare only the rounds of B (all must appear in A)")
    ap.add_argument("--bits-down", action="store_true", help="bits_down must be exactly equal too")
    args = ap.parse_args(argv)

    try:
        A = read_trace(args.a)
        B = read_trace(args.b)
    except (OSError, ValueError) as e:
        print(f"compare_traces: error: {e}", file=sys.stderr)
        return 2

    # Pair the rows.
    if args.match_rounds:
        by_round = {r["round"]: r for r in A}
        missing = [r["round"] for r in B if r["round"] not in by_round]
        if missing:
            print(f"FAIL: {args.b} has rounds not in {args.a}, first {missing[0]}")
            return 1
        pairs = [(by_round[r["round"]], r) for r in B]
    else:
        if len(A) != len(B):
            print(f"FAIL: row counts differ: {args.a} has {len(A)} rows "
                  f"(last round {A[-1]['round'] if A else None}), {args.b} has {len(B)} "
                  f"(last round {B[-1]['round'] if B else None})")
        for ra, rb in zip(A, B):
            if ra["round"] != rb["round"]:
                print(f"FAIL: round column differs at {args.a}:{ra['line']} "
                      f"(round {ra['round']}) vs {args.b}:{rb['line']} (round {rb['round']})")
                return 1
        if len(A) != len(B):
            return 1
        pairs = list(zip(A, B))

    first_bad = None
    worst = {c: (0.0, None) for c in ("f", "grad_norm_sq")}
    for ra, rb in pairs:
        if ra["bits_up"] != rb["bits_up"] and first_bad is None:
            first_bad = (ra, rb, f"bits_up {ra['bits_up']:.17g} != {rb['bits_up']:.17g}")
        if args.bits_down and ra["bits_down"] != rb["bits_down"] and first_bad is None:
            first_bad = (ra, rb, f"bits_down {ra['bits_down']:.17g} != {rb['bits_down']:.17g}")
        for c in ("f", "grad_norm_sq"):
            a, b = ra[c], rb[c]
            if abs(a) < args.floor and abs(b) < args.floor:
                continue
            e = rel_err(a, b)
            if e > worst[c][0]:
                worst[c] = (e, ra["round"])
            if not (e <= args.rtol) and first_bad is None:
                first_bad = (ra, rb, f"{c} {a!r} vs {b!r}: relative error {e:.3e} > rtol {args.rtol:g}")

    print(f"compared {len(pairs)} rows (rtol {args.rtol:g}, floor {args.floor:g})")
    for c, (e, rnd) in worst.items():
        where = f" at round {rnd}" if rnd is not None else ""
        print(f"  max rel err {c:>13}: {e:.3e}{where}")
    if first_bad is not None:
        ra, rb, msg = first_bad
        print(f"FAIL: first bad row is round {ra['round']} "
              f"({args.a}:{ra['line']}, {args.b}:{rb['line']}): {msg}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
