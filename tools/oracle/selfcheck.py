#!/usr/bin/python3
"""Self-checks of the oracle (ef21_reference.py); prints figures, exits 1 on failure.

    /usr/bin/python3 tools/oracle/selfcheck.py [--data .../mushrooms] [--rounds 300]

1. grad f_i against central finite differences (small synthetic problem);
2. Top-k: ties to the lower index, signs kept, contraction ||C(x)-x||^2 <= (1-k/d)||x||^2;
3. the vectorized methods against a naive per-worker loop (a few rounds, synthetic);
4. on the data file (n = 20, k = 1, lam = 0.1, gamma = 0.5/L): each method for --rounds
   rounds, grad_norm_sq must decrease overall; timings printed;
5. EF21 with k = d against GD: max relative difference of f and grad_norm_sq.
"""

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ef21_reference as ref  # noqa: E402

FAILURES = []


def check(cond, msg):
    print(("  ok   " if cond else "  FAIL ") + msg)
    if not cond:
        FAILURES.append(msg)


def synthetic(seed=0, N=53, d=9, n=4, lam=0.1):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((N, d)) * (rng.random((N, d)) < 0.6)
    b = np.where(rng.random(N) < 0.5, -1.0, 1.0)
    return ref.LogRegNonconvex(A, b, n, lam), rng


def check_gradient():
    print("gradient vs central finite differences")
    P, rng = synthetic()
    x = rng.standard_normal(P.d)
    F, G = P.local(x)
    h = 1e-6
    worst = 0.0
    for j in range(P.d):
        e = np.zeros(P.d)
        e[j] = h
        Fp, _ = P.local(x + e)
        Fm, _ = P.local(x - e)
        fd = (Fp - Fm) / (2 * h)
        worst = max(worst, np.max(np.abs(fd - G[:, j])))
    check(worst < 1e-7, f"max |fd - grad| = {worst:.2e}")
    # f_i by a naive formula
    naive = []
    for i, (s, e_) in enumerate(P.ranges):
        z = P.b[s:e_] * (P.A[s:e_] @ x)
        naive.append(np.mean(np.log1p(np.exp(-z))) + P.lam * np.sum(x**2 / (1 + x**2)))
    check(np.allclose(naive, F, rtol=1e-13, atol=0), "f_i matches the naive formula")
    # the split
    check(ref.split_sequential(10, 3) == [(0, 3), (3, 6), (6, 10)], "split 10 rows / 3 workers")


def check_topk():
    print("top-k")
    v = np.array([1.0, -3.0, 3.0, 0.5, -3.0, 2.0])
    check(list(ref.top_k(v, 1)) == [0, -3.0, 0, 0, 0, 0], "k=1: tie among |3| -> lowest index, sign kept")
    check(list(ref.top_k(v, 2)) == [0, -3.0, 3.0, 0, 0, 0], "k=2")
    check(list(ref.top_k(v, 3)) == [0, -3.0, 3.0, 0, -3.0, 0], "k=3")
    check(list(ref.top_k(np.zeros(4), 2)) == [0, 0, 0, 0], "all-zero vector")
    rng = np.random.default_rng(1)
    ok = True
    for _ in range(200):
        d = int(rng.integers(1, 30))
        k = int(rng.integers(1, d + 1))
        x = rng.standard_normal(d)
        c = ref.top_k(x, k)
        ok &= np.sum((c - x) ** 2) <= (1 - k / d) * np.sum(x**2) * (1 + 1e-12)
        ok &= np.count_nonzero(c) == k
    check(bool(ok), "contraction bound and k nonzeros on 200 random vectors")


def naive_run(P, method, k, gamma, x0, rounds):
    """Per-worker loops, no vectorization across workers; same conventions."""
    n = P.n

    def grads(x):
        F, G = P.local(x)
        return F, [G[i].copy() for i in range(n)]

    def tk(v):
        order = sorted(range(len(v)), key=lambda j: (-abs(v[j]), j))[:k]
        out = np.zeros_like(v)
        out[order] = v[order]
        return out

    def ssum(vs):
        acc = vs[0].copy()
        for v in vs[1:]:
            acc = acc + v
        return acc

    x = x0.copy()
    F, G = grads(x)
    g_w = [gi.copy() for gi in G]
    g = ssum(g_w) / n
    e_w = [np.zeros(P.d) for _ in range(n)]
    out = []
    for t in range(rounds + 1):
        fsum = 0.0
        for fi in F:
            fsum += fi
        gf = ssum(G) / n
        out.append((fsum / n, float(gf @ gf)))
        if t == rounds:
            break
        if method == "gd":
            x = x - gamma * gf
            F, G = grads(x)
        elif method == "ef":
            ps = [e_w[i] + gamma * G[i] for i in range(n)]
            vs = [tk(p) for p in ps]
            x = x - ssum(vs) / n
            e_w = [ps[i] - vs[i] for i in range(n)]
            F, G = grads(x)
        else:
            x = x - gamma * g
            F, G = grads(x)
            deltas = []
            for i in range(n):
                c = tk(G[i] - g_w[i])
                u = g_w[i] + c
                if method == "ef21-plus":
                    w = tk(G[i])
                    if np.dot(w - G[i], w - G[i]) < np.dot(u - G[i], u - G[i]):
                        deltas.append(w - g_w[i])
                        g_w[i] = w
                        continue
                deltas.append(c)
                g_w[i] = u
            g = g + ssum(deltas) / n
    return out


def check_vs_naive():
    print("vectorized vs naive per-worker loop (synthetic, 25 rounds)")
    P, rng = synthetic(seed=3, N=61, d=7, n=5)
    x0 = rng.standard_normal(P.d)
    for method in ("gd", "ef", "ef21", "ef21-plus"):
        for k in (1, 3):
            for gamma in (0.3, 3.0):  # the large step makes EF21+ workers switch
                kk = k if method != "gd" else P.d
                fast = [(f, g) for _, _, f, g in ref.run(P, method, kk, gamma, 3 * x0, 25)]
                slow = naive_run(P, method, kk, gamma, 3 * x0, 25)
                check(fast == slow, f"{method} k={k} gamma={gamma}: identical bit for bit")
    # EF21+ must actually switch sometimes for the comparison above to mean anything.
    a = [r[2:] for r in ref.run(P, "ef21", 1, 3.0, 3 * x0, 25)]
    b = [r[2:] for r in ref.run(P, "ef21-plus", 1, 3.0, 3 * x0, 25)]
    check(a != b, "ef21-plus differs from ef21 there (some worker switched to Markov)")


def check_data(path, rounds):
    print(f"{os.path.basename(path)}: n=20, k=1, lam=0.1, {rounds} rounds")
    t0 = time.perf_counter()
    A, b = ref.read_libsvm(path)
    P = ref.LogRegNonconvex(A, b, 20, 0.1)
    C = P.constants(1)
    t1 = time.perf_counter()
    print(f"  load + constants {t1 - t0:.2f}s; N={P.N} d={P.d} L={C['L']:.6g} "
          f"L~={C['L_tilde']:.6g} gamma_theory(ef21)={C['gamma_theory']['ef21']:.4g}")
    x0 = np.random.default_rng(7).standard_normal(P.d)
    gamma = 0.5 / C["L"]
    for method in ("gd", "ef", "ef21", "ef21-plus"):
        k = P.d if method == "gd" else 1
        t = time.perf_counter()
        rows = list(ref.run(P, method, k, gamma, x0, rounds))
        dt = time.perf_counter() - t
        g0, g_end = rows[0][3], rows[-1][3]
        gmin = min(r[3] for r in rows)
        print(f"  {method:9s} gamma={gamma:.4g}: |grad|^2 {g0:.4e} -> {g_end:.4e} "
              f"(min {gmin:.4e}), f {rows[0][2]:.6f} -> {rows[-1][2]:.6f}, "
              f"bits_up {rows[-1][1]}, {dt:.2f}s")
        check(len(rows) == rounds + 1 and g_end < 0.5 * g0, f"{method}: grad_norm_sq decreased")
    # EF21 with k = d against GD
    gd = list(ref.run(P, "gd", P.d, gamma, x0, rounds))
    e21 = list(ref.run(P, "ef21", P.d, gamma, x0, rounds))
    rf = max(ref_rel(a[2], b[2]) for a, b in zip(gd, e21))
    rg = max(ref_rel(a[3], b[3]) for a, b in zip(gd, e21))
    same_bits = all(a[1] == b[1] for a, b in zip(gd, e21))
    print(f"  EF21(k=d) vs GD: max rel diff f {rf:.3e}, grad_norm_sq {rg:.3e}")
    check(rf < 1e-10 and rg < 1e-8 and same_bits, "EF21 with k = d agrees with GD (round-off)")


def ref_rel(a, b):
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.path.join(here, "../../../shared/data/libsvm/mushrooms"))
    ap.add_argument("--rounds", type=int, default=300)
    args = ap.parse_args()
    check_gradient()
    check_topk()
    check_vs_naive()
    if os.path.exists(args.data):
        check_data(args.data, args.rounds)
    else:
        print(f"skipping data checks: {args.data} not found")
    print("FAILED: " + "; ".join(FAILURES) if FAILURES else "all self-checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
