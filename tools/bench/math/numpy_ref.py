#!/usr/bin/python3
"""Vectorized numpy reference for the math benchmark: EF21 + Top-k (DESIGN §7), float64,
dense arrays (numpy has no sparse type). Same equations, split, x0 (zeros) and stepsize as
ef21_bench_math, so f after the same number of rounds agrees to rounding.

  numpy_ref.py --data FILE.libsvm | --dense FILE.bin  [--workers 20] [--k 1] [--rounds R]
               [--repeats P] [--warmup W] [--gamma G] [--value-every K]

Prints one JSON object: median ms per round (metrics included: ||grad f||^2 every round, f in
the rounds that are multiples of --value-every, default 10, as ef21_bench_math and a run with
metrics_every = K do), the BLAS numpy uses, and f / grad_norm_sq at the last x^t (f there is
computed after the timing). Data loading is not timed.
"""
import argparse
import ctypes
import io
import json
import os
import sys
import time
import contextlib

import numpy as np

LAMBDA = 0.1


def read_libsvm(path):
    labels, rows = [], []
    d = 0
    with open(path) as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                continue
            labels.append(float(parts[0]))
            row = []
            for item in parts[1:]:
                i, v = item.split(":")
                i = int(i)
                d = max(d, i)
                row.append((i - 1, float(v)))
            rows.append(row)
    a = np.zeros((len(rows), d))
    for j, row in enumerate(rows):
        for i, v in row:
            a[j, i] = v
    y = np.asarray(labels)
    lo, hi = y.min(), y.max()
    y = np.where(y == hi, 1.0, -1.0) if lo != hi else np.ones_like(y)
    return a, y


def read_dense(path):
    raw = np.fromfile(path, dtype=np.int64, count=2)
    rows, d = int(raw[0]), int(raw[1])
    body = np.fromfile(path, dtype=np.float64, offset=16)
    return body[: rows * d].reshape(rows, d).copy(), body[rows * d: rows * d + rows].copy()


def blas_info():
    """The BLAS numpy runs and, for OpenBLAS, the kernel (core) it picked at runtime."""
    info = {}
    try:
        from threadpoolctl import threadpool_info  # noqa
        for p in threadpool_info():
            if p.get("user_api") == "blas":
                info = {"library": p.get("internal_api"), "kernel": p.get("architecture"),
                        "threads": p.get("num_threads"), "version": p.get("version")}
                return info
    except ImportError:
        pass
    libs = set()
    with open("/proc/self/maps") as fh:
        for line in fh:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if "blas" in path or "lapack" in path:
                libs.add(path)
    info["loaded"] = sorted(libs)
    for path in sorted(libs):
        if "/blas/libblas.so" in path:  # Debian's libblas3: the netlib reference BLAS, no kernels
            info["library"] = "netlib reference BLAS (Debian libblas3, " + os.path.realpath(path) + ")"
            info["kernel"] = "none (reference Fortran loops)"
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        if hasattr(lib, "openblas_get_corename"):
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["library"] = "openblas"
            info["kernel"] = lib.openblas_get_corename().decode()
            info["config"] = lib.openblas_get_config().decode()
            if hasattr(lib, "openblas_get_num_threads"):
                info["threads"] = lib.openblas_get_num_threads()
            return info
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        np.show_config()
    info["show_config"] = buf.getvalue()
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--dense")
    ap.add_argument("--workers", type=int, default=20)
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--gamma", type=float, default=0.05)
    ap.add_argument("--value-every", type=int, default=10)
    args = ap.parse_args()

    a, y = read_libsvm(args.data) if args.data else read_dense(args.dense)
    N, d = a.shape
    n = args.workers
    m = N // n
    bounds = [i * m for i in range(n)] + [N]  # sequential split, remainder to the last worker
    A = [np.ascontiguousarray(a[bounds[i]:bounds[i + 1]]) for i in range(n)]
    Y = [y[bounds[i]:bounds[i + 1]] for i in range(n)]
    inv_m = np.array([1.0 / (bounds[i + 1] - bounds[i]) for i in range(n)])
    del a

    x = np.zeros(d)
    G = np.empty((n, d))       # grad f_i(x^t), row i
    F = np.empty(n)            # f_i(x^t)
    g_loc = np.zeros((n, d))   # g_i
    g = np.zeros(d)            # g = mean g_i
    k = args.k

    def gradients(x, with_value):
        q = 1.0 + x * x
        reg_val = LAMBDA * np.sum(x * x / q)
        reg_grad = 2.0 * LAMBDA * x / (q * q)
        for i in range(n):
            t = -Y[i] * (A[i] @ x)
            # log(1 + e^t) and sigma(t), both stable
            if with_value:
                F[i] = np.logaddexp(0.0, t).sum() * inv_m[i] + reg_val
            e = np.exp(-np.abs(t))
            sig = np.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
            G[i] = (A[i].T @ (-Y[i] * sig)) * inv_m[i] + reg_grad

    def step(t):
        nonlocal x, g
        with_value = t % args.value_every == 0
        gradients(x, with_value)
        f = F.mean() if with_value else None
        gn = float(np.square(G.mean(axis=0)).sum())
        if t == 0:
            g_loc[:] = G
            g = G.mean(axis=0)
        else:
            D = G - g_loc
            if k == 1:
                idx = np.argmax(np.abs(D), axis=1)[:, None]  # first maximum: ties to the lower index
            else:
                idx = np.sort(np.argpartition(-np.abs(D), k - 1, axis=1)[:, :k], axis=1)
            c = np.take_along_axis(D, idx, axis=1)
            np.put_along_axis(g_loc, idx, np.take_along_axis(g_loc, idx, axis=1) + c, axis=1)
            s = np.zeros(d)
            np.add.at(s, idx.ravel(), c.ravel())
            g = g + s / n
        x_seen = x
        x = x - args.gamma * g
        return x_seen, f, gn

    t = 0
    step(t)
    t += 1
    for _ in range(args.warmup):
        step(t)
        t += 1
    per_round = []
    last = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.rounds):
            last = step(t)
            t += 1
        per_round.append((time.perf_counter() - start) * 1e3 / args.rounds)
    x_last, f_last, gn_last = last
    if f_last is None:  # f at the last x^t, untimed
        gradients(x_last, True)
        f_last = F.mean()
    print(json.dumps({"rows": N, "dim": d, "workers": n, "k": k, "rounds_run": t,
                      "median_ms": float(np.median(per_round)), "min_ms": min(per_round),
                      "f": float(f_last), "grad_norm_sq": gn_last, "numpy": np.__version__,
                      "blas": blas_info()}))


if __name__ == "__main__":
    sys.exit(main())
