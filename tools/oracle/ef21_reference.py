#!/usr/bin/python3
"""Independent float64 reference ("oracle") for ef21sim's optimizer math.

This file re-implements DESIGN.md §7 (the EF21 paper's conventions) with plain numpy so
that the C++ simulator can be checked against it trace by trace. It knows nothing about
time or networks: it writes `time_s = 0` and `bits_down = 0` on every row.

Run it with Debian's python (the one that has numpy):

    /usr/bin/python3 tools/oracle/ef21_reference.py --data FILE --workers 20 \
        --method {gd,ef,ef21,ef21-plus} --k 1 --stepsize 0.05 --lam 0.1 \
        --x0 X0FILE --rounds 200 --out trace.csv [--problem logreg-nonconvex] \
        [--print-constants] [--multiplier M]

`--stepsize theory` uses the theory stepsize of the method (times `--multiplier`).
`--print-constants` prints the derived constants as JSON on stdout; without `--out` the
script stops there.

Conventions (every choice that could differ between two correct implementations)
--------------------------------------------------------------------------------
Data
  * LIBSVM text: `label idx:val idx:val ...`, 1-based indices, blank feature lists
    allowed. d = the largest index present. Labels: the minimum label -> -1, the maximum
    -> +1 (exactly two distinct labels required). No normalisation, no bias column.
  * Sequential split: m = N // n rows per worker in file order; worker n-1 also gets the
    N - n*m remaining rows.

Objective (problem `logreg-nonconvex`)
  * f_i(x) = (1/m_i) sum_j log(1 + exp(-b_j a_j^T x)) + lam * sum_l x_l^2 / (1 + x_l^2)
    The loss uses np.logaddexp(0, -z); the row sum is numpy's np.sum, then / m_i.
  * grad f_i(x) = (A_i^T r) / m_i + lam * 2 x / (1 + x^2)^2 with
    r_j = -b_j * sigma(-b_j a_j^T x), sigma(u) = exp(-logaddexp(0, -u)) (stable).
  * f(x) = (sum_i f_i(x)) / n and grad f(x) = (sum_i grad f_i(x)) / n, the sums taken
    left to right in worker-id order (an explicit Python loop, see `sum_in_order`).
    grad_norm_sq = ||grad f(x)||^2 = np.dot(g, g).

Compressor
  * Top-k: keep the k entries of largest |v|, ties to the LOWER index, signs kept:
    a stable argsort of -|v| (kind='stable'), first k positions. k = d is the identity.

Methods (x^t is the model after t rounds; row t of the trace describes x^t)
  * gd:   x^{t+1} = x^t - gamma * grad f(x^t).
  * ef21: g_i^0 = grad f_i(x^0) (exact, free); g^0 = (sum_i g_i^0) / n.
          x^{t+1} = x^t - gamma * g^t
          c_i = TopK(grad f_i(x^{t+1}) - g_i^t);  g_i^{t+1} = g_i^t + c_i
          g^{t+1} = g^t + (sum_i c_i) / n            (sum in worker-id order)
  * ef:   e_i^0 = 0.
          v_i = TopK(e_i + gamma * grad f_i(x^t))
          x^{t+1} = x^t - (sum_i v_i) / n            (sum in worker-id order)
          e_i <- e_i + gamma * grad f_i(x^t) - v_i  (evaluated left to right:
                                                     (e_i + gamma*grad) - v_i, i.e. the
                                                     same vector that was compressed,
                                                     minus v_i)
  * ef21-plus: initialisation as ef21. At x^{t+1} each worker forms, with
          h_i = grad f_i(x^{t+1}):
            c_i = TopK(h_i - g_i^t),  u_i = g_i^t + c_i   (EF21 candidate)
            w_i = TopK(h_i)                               (Markov candidate)
          It picks w_i iff ||w_i - h_i||^2 < ||u_i - h_i||^2 (strict: ties go to EF21);
          squared norms are np.dot(e, e) of the literal differences.
          g_i^{t+1} = the chosen candidate. The server updates
            g^{t+1} = g^t + (sum_i delta_i) / n,
          delta_i = c_i if worker i chose EF21 (so with no switch this is EF21 bit for
          bit), delta_i = w_i - g_i^t if it chose Markov (mathematically
          g_i^{t+1} - g_i^t in both cases).

Bits (the paper's accounting: 32 bits per sent value, no index bits, uplink only, the
initial exact gradients free; `bits_up` is per worker)
  * row t: bits_up = t * k * 32 for ef21, ef21-plus and ef; t * d * 32 for gd.
    (EF21+ is charged k values per round, its 1-bit choice flag is not billed.)
  * bits_down = 0, time_s = 0 (the oracle has no network).

Constants (`--print-constants`)
  * L   = lambda_max(A^T A) / (4 N) + 2 lam over all N rows (np.linalg.eigvalsh),
    L_i = the same on worker i's m_i rows, L~ = sqrt(mean_i L_i^2).
  * alpha = k/d, theta = 1 - sqrt(1 - alpha), beta = (1 - alpha) / (1 - sqrt(1 - alpha)).
  * theory stepsizes: ef21, ef: 1/(L + L~ sqrt(beta/theta)) (k = d: 1/L); gd: 1/L;
    ef21-plus: min(1/(L + L~ sqrt(2 beta/theta)), theta/(2 mu)) with mu = lam.

Output
  * trace.csv: `round,time_s,bits_up,bits_down,f,grad_norm_sq`, rows t = 0..rounds,
    floats printed with repr() (shortest round trip), bits as integers.
  * If f or grad_norm_sq becomes non-finite at x^t, the run stops there: rows 0..t-1 are
    kept, row t is NOT written, and a warning goes to stderr (exit status 0).
"""

import argparse
import json
import math
import sys
import time

import numpy as np

VALUE_BITS = 32  # the paper's accounting: 32 bits per value, no index bits


# --------------------------------------------------------------------------- data


def read_libsvm(path):
    """Read a LIBSVM file into a dense float64 matrix A (N x d) and labels b in {-1,+1}."""
    labels = []
    rows = []  # list of (indices, values), indices 0-based
    d = 0
    with open(path, "r") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue  # skip blank lines
            labels.append(float(parts[0]))
            idx = []
            val = []
            for tok in parts[1:]:
                i_str, v_str = tok.split(":")
                i = int(i_str)
                if i < 1:
                    raise ValueError(f"{path}:{lineno}: feature index {i} < 1")
                idx.append(i - 1)
                val.append(float(v_str))
            if idx:
                d = max(d, max(idx) + 1)
            rows.append((idx, val))
    if not rows:
        raise ValueError(f"{path}: no data rows")
    A = np.zeros((len(rows), d), dtype=np.float64)
    for r, (idx, val) in enumerate(rows):
        # Duplicate indices within a line are not expected; the last one wins.
        A[r, idx] = val
    raw = np.array(labels, dtype=np.float64)
    lo, hi = raw.min(), raw.max()
    if lo == hi or np.any((raw != lo) & (raw != hi)):
        raise ValueError(f"{path}: expected exactly two distinct labels, got {np.unique(raw)}")
    b = np.where(raw == hi, 1.0, -1.0)
    return A, b


def split_sequential(N, n):
    """Row ranges [start, stop) per worker: m = N // n each, remainder to the last."""
    if n < 1 or N < n:
        raise ValueError(f"cannot split {N} rows over {n} workers")
    m = N // n
    ranges = [(i * m, (i + 1) * m) for i in range(n)]
    ranges[-1] = ((n - 1) * m, N)
    return ranges


def read_x0(path, d):
    with open(path, "r") as fh:
        x0 = np.array([float(t) for t in fh.read().split()], dtype=np.float64)
    if x0.shape != (d,):
        raise ValueError(f"{path}: expected {d} numbers, found {x0.size}")
    return x0


# --------------------------------------------------------------------------- helpers


def sum_in_order(rows):
    """Sum the rows of an (n, d) array (or a list of vectors) left to right, in worker-id
    order: ((r0 + r1) + r2) + ... . Well-defined, independent of numpy's reduction order."""
    acc = np.array(rows[0], dtype=np.float64, copy=True)
    for r in rows[1:]:
        acc += r
    return acc


def top_k(v, k):
    """Top-k of each row of v (1-D or 2-D): largest |value|, ties to the lower index."""
    v = np.asarray(v)
    if v.ndim == 1:
        return top_k(v[None, :], k)[0]
    n, d = v.shape
    if k >= d:
        return v.copy()
    order = np.argsort(-np.abs(v), axis=1, kind="stable")[:, :k]
    out = np.zeros_like(v)
    rows = np.arange(n)[:, None]
    out[rows, order] = v[rows, order]
    return out


def sigmoid(u):
    """1 / (1 + exp(-u)), computed stably as exp(-log(1 + exp(-u)))."""
    return np.exp(-np.logaddexp(0.0, -u))


# --------------------------------------------------------------------------- problem


class LogRegNonconvex:
    """Per-worker logistic loss + nonconvex regularizer lam * sum x^2/(1+x^2)."""

    def __init__(self, A, b, n, lam):
        self.A, self.b, self.n, self.lam = A, b, n, lam
        self.N, self.d = A.shape
        self.ranges = split_sequential(self.N, n)
        # Contiguous per-worker views (slices of a C-contiguous matrix are contiguous).
        self.A_w = [A[s:e] for (s, e) in self.ranges]
        self.b_w = [b[s:e] for (s, e) in self.ranges]
        self.m_w = [e - s for (s, e) in self.ranges]

    def regularizer(self, x):
        x2 = x * x
        return self.lam * np.sum(x2 / (1.0 + x2))

    def regularizer_grad(self, x):
        x2 = x * x
        return self.lam * 2.0 * x / ((1.0 + x2) * (1.0 + x2))

    def local(self, x):
        """Returns (F, G): F[i] = f_i(x) (length n), G[i] = grad f_i(x) (n x d)."""
        F = np.empty(self.n)
        G = np.empty((self.n, self.d))
        reg = self.regularizer(x)
        reg_g = self.regularizer_grad(x)
        for i in range(self.n):
            Ai, bi, mi = self.A_w[i], self.b_w[i], self.m_w[i]
            z = bi * (Ai @ x)  # b_j a_j^T x
            F[i] = np.sum(np.logaddexp(0.0, -z)) / mi + reg
            r = -bi * sigmoid(-z)  # d/dz_j log(1+exp(-b_j z_j)) with z_j = a_j^T x
            G[i] = (Ai.T @ r) / mi + reg_g
        return F, G

    def metrics(self, F, G):
        """(f, grad_norm_sq) from the per-worker values, means in worker-id order."""
        f = 0.0
        for fi in F:  # left to right, worker-id order
            f += fi
        f /= self.n
        g = sum_in_order(G) / self.n
        return float(f), float(np.dot(g, g))

    # ---- smoothness constants
    @staticmethod
    def _smoothness(A_rows, lam):
        M = A_rows.T @ A_rows
        lmax = np.linalg.eigvalsh(M)[-1]
        return lmax / (4.0 * A_rows.shape[0]) + 2.0 * lam

    def constants(self, k):
        L = self._smoothness(self.A, self.lam)
        Li = np.array([self._smoothness(Ai, self.lam) for Ai in self.A_w])
        L_tilde = math.sqrt(np.mean(Li * Li))
        d = self.d
        alpha = k / d
        theta = 1.0 - math.sqrt(1.0 - alpha)
        beta = (1.0 - alpha) / (1.0 - math.sqrt(1.0 - alpha))
        mu = self.lam
        if k >= d:
            gamma_ef21 = 1.0 / L
        else:
            gamma_ef21 = 1.0 / (L + L_tilde * math.sqrt(beta / theta))
        gamma_plus = min(1.0 / (L + L_tilde * math.sqrt(2.0 * beta / theta)), theta / (2.0 * mu))
        return {
            "N": self.N,
            "d": d,
            "n": self.n,
            "k": k,
            "lambda": self.lam,
            "L": L,
            "L_i": Li.tolist(),
            "L_i_max": float(Li.max()),
            "L_tilde": L_tilde,
            "alpha": alpha,
            "theta": theta,
            "beta": beta,
            "mu": mu,
            "gamma_theory": {
                "gd": 1.0 / L,
                "ef21": gamma_ef21,
                "ef": gamma_ef21,
                "ef21-plus": gamma_plus,
            },
        }


# --------------------------------------------------------------------------- methods


def run(problem, method, k, gamma, x0, rounds):
    """Yields (t, bits_up, f, grad_norm_sq) for t = 0..rounds (stops early on NaN/Inf)."""
    n, d = problem.n, problem.d
    if not 1 <= k <= d:
        raise ValueError(f"k must be in [1, d={d}], got {k}")
    bits_per_round = (d if method == "gd" else k) * VALUE_BITS
    x = x0.copy()
    F, G = problem.local(x)  # all workers at x^0

    if method in ("ef21", "ef21-plus"):
        g_w = G.copy()  # g_i^0 = grad f_i(x^0), exact and free
        g = sum_in_order(g_w) / n
    elif method == "ef":
        e_w = np.zeros((n, d))

    for t in range(rounds + 1):
        f, gns = problem.metrics(F, G)
        if not (math.isfinite(f) and math.isfinite(gns)):
            kept = f"rows 0..{t - 1} kept" if t > 0 else "no rows kept"
            print(f"warning: non-finite metrics at round {t}; trace stops ({kept})",
                  file=sys.stderr)
            return
        yield t, t * bits_per_round, f, gns
        if t == rounds:
            return

        # ---- one round: x^t -> x^{t+1}; afterwards F, G are at x^{t+1}
        if method == "gd":
            x = x - gamma * (sum_in_order(G) / n)
            F, G = problem.local(x)
        elif method == "ef":
            p = e_w + gamma * G  # what each worker compresses (G is at x^t)
            v = top_k(p, k)
            x = x - sum_in_order(v) / n
            e_w = p - v
            F, G = problem.local(x)
        elif method == "ef21":
            x = x - gamma * g
            F, G = problem.local(x)
            c = top_k(G - g_w, k)
            g_w = g_w + c
            g = g + sum_in_order(c) / n
        elif method == "ef21-plus":
            x = x - gamma * g
            F, G = problem.local(x)
            c = top_k(G - g_w, k)
            u = g_w + c  # EF21 candidate
            w = top_k(G, k)  # Markov candidate
            err_u = np.einsum("ij,ij->i", u - G, u - G)
            err_w = np.einsum("ij,ij->i", w - G, w - G)
            markov = err_w < err_u  # strict: ties to EF21
            delta = np.where(markov[:, None], w - g_w, c)
            g_w = np.where(markov[:, None], w, u)
            g = g + sum_in_order(delta) / n
        else:
            raise ValueError(f"unknown method {method}")


# --------------------------------------------------------------------------- CLI


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="LIBSVM file")
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--method", choices=["gd", "ef", "ef21", "ef21-plus"])
    ap.add_argument("--k", type=int, default=1, help="top-k parameter (ignored by gd)")
    ap.add_argument("--stepsize", default="theory", help="a number or 'theory'")
    ap.add_argument("--multiplier", type=float, default=1.0, help="scales a theory stepsize")
    ap.add_argument("--lam", type=float, default=0.1)
    ap.add_argument("--x0", help="file of d whitespace-separated numbers")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--out", help="trace.csv to write")
    ap.add_argument("--problem", default="logreg-nonconvex", choices=["logreg-nonconvex"])
    ap.add_argument("--print-constants", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    A, b = read_libsvm(args.data)
    problem = LogRegNonconvex(A, b, args.workers, args.lam)
    k = problem.d if args.method == "gd" else args.k
    if not 1 <= k <= problem.d:
        ap.error(f"--k must be in [1, d={problem.d}]")

    need_constants = args.print_constants or args.stepsize == "theory"
    consts = problem.constants(k) if need_constants else None
    if args.print_constants:
        print(json.dumps(consts, indent=2))
    if args.out is None:
        if not args.print_constants:
            ap.error("nothing to do: give --out and/or --print-constants")
        return 0
    if args.method is None or args.x0 is None:
        ap.error("--method and --x0 are required with --out")

    if args.stepsize == "theory":
        gamma = consts["gamma_theory"][args.method] * args.multiplier
    else:
        gamma = float(args.stepsize)
    x0 = read_x0(args.x0, problem.d)

    t1 = time.perf_counter()
    # Overflow on a diverging run is expected: it is reported by run(), not by numpy.
    with open(args.out, "w") as fh, np.errstate(over="ignore", invalid="ignore"):
        fh.write("round,time_s,bits_up,bits_down,f,grad_norm_sq\n")
        for t, bits, f, gns in run(problem, args.method, k, gamma, x0, args.rounds):
            fh.write(f"{t},0,{bits},0,{f!r},{gns!r}\n")
    t2 = time.perf_counter()
    print(f"oracle: {args.method} N={problem.N} d={problem.d} n={problem.n} k={k} "
          f"gamma={gamma!r} rounds={args.rounds}: load {t1 - t0:.2f}s, run {t2 - t1:.2f}s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError) as e:  # bad input: a message, not a traceback
        print(f"ef21_reference: error: {e}", file=sys.stderr)
        sys.exit(2)
