#!/usr/bin/python3
"""Write a reproducible starting point x0 for the oracle and the simulator.

    /usr/bin/python3 tools/oracle/make_x0.py --dim D --seed S --out FILE [--scale C]

D numbers drawn i.i.d. N(0, 1) from numpy.random.default_rng(S).standard_normal(D),
multiplied by C (default 1: no multiplication is done), written one per line with repr()
(shortest round trip), so both implementations read back exactly the same doubles.
"""

import argparse
import sys

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description="reproducible N(0,1) x0 file")
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args(argv)
    if args.dim < 1:
        ap.error("--dim must be >= 1")
    x = np.random.default_rng(args.seed).standard_normal(args.dim)
    if args.scale != 1.0:
        x = x * args.scale
    with open(args.out, "w") as fh:
        for v in x:
            fh.write(repr(float(v)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
