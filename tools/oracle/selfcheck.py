#!/usr/bin/python3
"""Self-checks of the oracle (ef21_reference.py); prints figures, exits 1 on failure.

    /usr/bin/python3 tools/oracle/selfcheck.py [--data .../mushrooms] [--rounds 300]

1. grad f_i against central finite differences (small synthetic problem);
2. Top-k: ties to the lower index, signs kept, contraction ||C(x)-x||^2 <= (1-k/d)||x||^2;
3. the vectorized methods against a naive per-worker loop (a few rounds, synthetic);
4. on the data file (n = 20, k = 1, lam = 0.1, gamma = 0.5/L): each method for --rounds
   rounds, grad_norm_sq must decrease overall; timings printed;
5. EF21 with k = d against GD: max relative difference of f and grad_norm_sq;
6. rand-k (exact expectations over every index set: unbiased when scaled, omega = d/k - 1;
   the contraction 1 - k/d unscaled) and identity; the minibatch gradient (all rows =
   grad f_i, one row against finite differences);
7. the new methods (issue 10) against naive per-worker loops on a small synthetic problem
   with synthesized draws (participants, batches, coins, rand-k), bits included;
8. bad options and bad samples are errors naming the problem (and the CLI exits 2 and
   writes nothing); a CLI run with a samples file matches simulate();
9. on the data file, reductions: ef21-hb (eta 0), ef21-sgdm (eta 1), ef21-page (every coin
   1), ef21 with every worker drawn, marina (every coin 1, or identity), dcgd (identity)
   equal ef21 / gd bit for bit; diana (identity) = gd, ef21-w (top-1) = ef21, ef21-bc
   (k_down = d) = ef21, ef21 and ef21-page with every row as the batch = ef21, all to
   round-off; the bit accounting (dcgd, ef21-bc, participation, marina); and the
   issue's comparison set (synthesized draws) makes progress.
"""

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
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


# --------------------------------------------------------------------------- draws


def synth_records(P, spec, rounds, seed, coin=None, batch_rows=None):
    """Draws as ef21sim would record them, for the oracle's own checks: participants,
    minibatch rows (in random order), coins and rand-k indices, each only where the method
    uses it (so no draw is left unused). spec must be resolved. coin: None (Bernoulli(p)
    from the stream) or a function r -> 0/1; batch_rows: None, or a function (r, i) ->
    rows replacing the random batch of worker i."""
    rng = np.random.default_rng(seed)
    n, d = P.n, P.d
    recs = []
    for r in range(rounds + 1):
        rec = {"round": r}
        part = list(range(n))
        if r >= 1 and spec.fraction is not None:
            part = sorted(int(i) for i in rng.choice(n, spec.n_part, replace=False))
            rec["participants"] = part
        c = None
        if r >= 1 and spec.method in ref.COIN_METHODS:
            c = coin(r) if coin is not None else int(rng.random() < spec.page_probability)
            rec["coin"] = c
        if r >= 1 and spec.tau is not None and c != 1:
            rec["batches"] = {
                str(i): (batch_rows(r, i) if batch_rows is not None
                         else [int(j) for j in rng.choice(P.m_w[i], spec.tau[i], replace=False)])
                for i in part}
        if (spec.compressor == "rand-k" and spec.method != "gd"
                and (r >= 1 or spec.method in ref.ROUND0_COMPRESSED)
                and not (spec.method == "marina" and c == 1)):
            rec["kept"] = {str(i): sorted(int(j) for j in rng.choice(d, spec.k, replace=False))
                           for i in part}
        if len(rec) > 1:
            recs.append(rec)
    return recs


def trace(P, spec, gamma, x0, rounds, recs=None, allow_unused=False):
    """The oracle's rows (t, bits_up_total, bits_down_total, f, grad_norm_sq)."""
    spec.resolve(P)
    S = ref.Samples(records=recs) if recs is not None else None
    return list(ref.simulate(P, spec, gamma, x0, rounds, S, allow_unused))


def max_rel(A, B, col):
    return max(ref_rel(a[col], b[col]) for a, b in zip(A, B))


def naive_new(P, spec, gamma, x0, rounds, recs):
    """Per-worker loops over plain vectors for every method, reading the draws straight
    from the records; the minibatch gradient is a loop over rows. Same conventions,
    different summation order in places: agreement is to round-off."""
    n, d, k, m = P.n, P.d, spec.k, spec.method
    by = {rec["round"]: rec for rec in recs}

    def draw(r):
        return by.get(r, {})

    def mb(i, x, rows):
        s = P.ranges[i][0]
        acc = np.zeros(d)
        for j in rows:
            a, bj = P.A[s + j], P.b[s + j]
            acc = acc + a * (-bj / (1.0 + math.exp(bj * float(a @ x))))
        return acc / len(rows) + P.lam * 2 * x / (1 + x * x) ** 2

    def tk(v, kk):
        order = sorted(range(d), key=lambda j: (-abs(v[j]), j))[:kk]
        out = np.zeros(d)
        out[order] = v[order]
        return out

    def C(v, i, r):
        if spec.compressor == "identity":
            return v.copy()
        if spec.compressor == "top-k":
            return tk(v, k)
        out = np.zeros(d)
        for j in draw(r)["kept"][str(i)]:
            out[j] = v[j] * (d / k) if spec.scaled else v[j]
        return out

    def total(vs):
        acc = np.zeros(d)
        for v in vs:
            acc = acc + v
        return acc

    Li = P.local_smoothness()
    wts = [Li[i] / sum(Li) for i in range(n)]
    x = x0.copy()
    xp = Gp = None
    up = down = 0
    out = []
    for r in range(rounds + 1):
        F, Gm = P.local(x)
        G = [Gm[i].copy() for i in range(n)]
        gf = total(G) / n
        out.append((sum(F) / n, float(gf @ gf)))
        part = list(range(n)) if r == 0 else draw(r).get("participants", list(range(n)))

        def gh(i):
            return G[i] if r == 0 or spec.tau is None else mb(i, x, draw(r)["batches"][str(i)])

        sent = 0
        if m == "gd":
            xn = x - gamma * (total([gh(i) for i in part]) / len(part))
            sent = len(part) * d if r else 0
        elif m == "dcgd":
            xn = x - gamma * (total([C(gh(i), i, r) for i in part]) / len(part))
            sent = len(part) * k
        elif m == "ef":
            if r == 0:
                e = [np.zeros(d) for _ in range(n)]
            vs = []
            for i in range(n):
                p = e[i] + gamma * gh(i)
                vs.append(C(p, i, r))
                e[i] = p - vs[-1]
            xn = x - total(vs) / n
            sent = n * k if r else 0
        elif m == "ef21-plus":
            if r == 0:
                gi = [G[i].copy() for i in range(n)]
                g = total(gi) / n
            else:
                ds = []
                for i in range(n):
                    h = gh(i)
                    c = C(h - gi[i], i, r)
                    u = gi[i] + c
                    w = C(h, i, r)
                    if (w - h) @ (w - h) < (u - h) @ (u - h):
                        ds.append(w - gi[i])
                        gi[i] = w
                    else:
                        ds.append(c)
                        gi[i] = u
                g = g + total(ds) / n
                sent = n * k
            xn = x - gamma * g
        elif m in ("ef21", "ef21-hb", "ef21-sgdm", "ef21-page", "ef21-w", "ef21-bc"):
            s = [n * wts[i] if m == "ef21-w" else 1.0 for i in range(n)]
            if r == 0:
                gi = [G[i].copy() / s[i] if m == "ef21-w" else G[i].copy() for i in range(n)]
                vi = [G[i].copy() for i in range(n)]
                g = total([wts[i] * gi[i] for i in range(n)]) if m == "ef21-w" else total(gi) / n
                v = g.copy()
            else:
                if m == "ef21-page":
                    coin = draw(r).get("coin", int(spec.page_probability))
                cs = []
                for i in part:
                    if m == "ef21-sgdm":
                        vi[i] = (1 - spec.momentum) * vi[i] + spec.momentum * gh(i)
                        target = vi[i]
                    elif m == "ef21-page":
                        if coin:
                            vi[i] = G[i].copy()
                        else:
                            B = draw(r)["batches"][str(i)]
                            vi[i] = vi[i] + (mb(i, x, B) - mb(i, xp, B))
                        target = vi[i]
                    elif m == "ef21-w":
                        target = gh(i) / s[i]
                    else:
                        target = gh(i)
                    c = C(target - gi[i], i, r)
                    gi[i] = gi[i] + c
                    cs.append(wts[i] * c if m == "ef21-w" else c)
                if m == "ef21-w":
                    g = g + total(cs)
                elif m == "ef21-bc":  # gi are the w_i, g the broadcast estimate
                    w = w + total(cs) / n
                    g = g + tk(w - g, spec.k_down)
                else:
                    g = g + total(cs) / n
                v = spec.momentum * v + g if m == "ef21-hb" else v
                sent = len(part) * k
            if m == "ef21-bc" and r == 0:
                w = g.copy()
            xn = x - gamma * (v if m == "ef21-hb" else g)
        elif m == "diana":
            if r == 0:
                hi = [G[i].copy() for i in range(n)]
                h = total(hi) / n
                g = h.copy()
            else:
                Ds = [C(gh(i) - hi[i], i, r) for i in range(n)]
                D = total(Ds) / n
                g = h + D
                for i in range(n):
                    hi[i] = hi[i] + spec.shift_rate * Ds[i]
                h = h + spec.shift_rate * D
                sent = n * k
            xn = x - gamma * g
        elif m == "marina":
            if r == 0 or draw(r).get("coin", int(spec.page_probability)) == 1:
                g = total(G) / n
                sent = n * d if r else 0
            else:
                g = g + total([C(G[i] - Gp[i], i, r) for i in range(n)]) / n
                sent = n * k
            Gp = G
            xn = x - gamma * g
        up += sent * 32
        if r:
            down += (n * spec.k_down if m == "ef21-bc" else len(part) * d) * 32
        out[-1] = (up, down) + out[-1]
        xp, x = x, xn
    return out


NEW_CASES = [  # (name, spec options, gamma) on the small synthetic problem
    ("gd fraction 0.6 batch 4", dict(method="gd", fraction=0.6, batch=4), 0.5),
    ("dcgd scaled rand-2 fraction 0.6", dict(method="dcgd", compressor="rand-k", k=2, scaled=True,
                                            fraction=0.6), 0.05),
    ("dcgd top-2", dict(method="dcgd", k=2), 0.3),
    ("ef rand-2 batch 3", dict(method="ef", compressor="rand-k", k=2, batch=3), 0.3),
    ("ef21-plus top-2 batch 3", dict(method="ef21-plus", k=2, batch=3), 3.0),
    ("ef21 rand-2 ratio 0.5 fraction 0.6", dict(method="ef21", compressor="rand-k", k=2,
                                               batch_ratio=0.5, fraction=0.6), 0.3),
    ("ef21-hb top-2 eta 0.9 fraction 0.6 batch 3", dict(method="ef21-hb", k=2, momentum=0.9,
                                                        fraction=0.6, batch=3), 0.1),
    ("ef21-bc top-2 down 3 fraction 0.6 batch 3", dict(method="ef21-bc", k=2, k_down=3,
                                                       fraction=0.6, batch=3), 0.3),
    ("ef21-bc rand-2 down 1", dict(method="ef21-bc", compressor="rand-k", k=2, k_down=1), 0.3),
    ("ef21-sgdm rand-3 eta 0.3 batch 3 fraction 0.6", dict(method="ef21-sgdm", compressor="rand-k",
                                                           k=3, momentum=0.3, batch=3,
                                                           fraction=0.6), 0.3),
    ("ef21-page top-2 batch 3 p 0.3", dict(method="ef21-page", k=2, batch=3,
                                           page_probability=0.3), 0.3),
    ("ef21-w rand-2 fraction 0.6 batch 3", dict(method="ef21-w", compressor="rand-k", k=2,
                                                fraction=0.6, batch=3), 0.3),
    ("ef21-w top-1", dict(method="ef21-w", k=1), 0.3),
    ("diana scaled rand-3 batch 4", dict(method="diana", compressor="rand-k", k=3, scaled=True,
                                         batch=4), 0.1),
    ("diana top-2 shift 0.5", dict(method="diana", k=2, shift_rate=0.5), 0.3),
    ("marina scaled rand-2 p 0.4", dict(method="marina", compressor="rand-k", k=2, scaled=True,
                                        page_probability=0.4), 0.1),
]


def check_new_vs_naive():
    print("new methods: vectorized vs naive per-worker loop (synthetic, random draws, 25 rounds)")
    P, rng = synthetic(seed=5, N=61, d=7, n=5)
    x0 = 2 * rng.standard_normal(P.d)
    for seed, (name, opts, gamma) in enumerate(NEW_CASES):
        spec = ref.Spec(**opts).resolve(P)
        recs = synth_records(P, spec, 25, seed)
        fast = trace(P, spec, gamma, x0, 25, recs)
        slow = naive_new(P, spec, gamma, x0, 25, recs)
        rf = max(ref_rel(a[3], b[2]) for a, b in zip(fast, slow))
        rg = max(ref_rel(a[4], b[3]) for a, b in zip(fast, slow))
        bits = all(a[1:3] == b[:2] for a, b in zip(fast, slow)) and len(fast) == len(slow) == 26
        check(rf < 1e-12 and rg < 1e-11 and bits,
              f"{name}: f {rf:.1e}, grad_norm_sq {rg:.1e}, bits equal: {bits}")


# --------------------------------------------------------------------------- compressors


def check_rand_k():
    print("rand-k and identity (exact expectations over every index set)")
    d, k = 6, 2
    x = np.array([1.5, -2.0, 0.25, 3.0, -0.5, 1.0])
    subsets = [list(c) for c in itertools.combinations(range(d), k)]
    for scaled in (False, True):
        spec = ref.Spec("dcgd", compressor="rand-k", k=k, scaled=scaled)
        spec.omega = d / k - 1 if scaled else None
        outs = []
        for sub in subsets:
            S = ref.Samples(records=[{"round": 0, "kept": {"0": sub}}])
            S.spec, S.n = spec, 1
            outs.append(ref.Compressor(spec, d, S)(x[None, :], [0], 0)[0])
        mean = np.mean(outs, axis=0)
        err = np.mean([np.sum((c - x) ** 2) for c in outs])
        if scaled:
            check(np.allclose(mean, x, rtol=1e-14, atol=0), "scaled rand-k is unbiased")
            check(abs(err - (d / k - 1) * (x @ x)) <= 1e-12 * (x @ x),
                  "scaled rand-k: E||C(x)-x||^2 = (d/k - 1)||x||^2 (omega = d/k - 1)")
        else:
            check(np.allclose(mean, x * k / d, rtol=1e-14, atol=0), "unscaled rand-k: E C(x) = (k/d) x")
            check(abs(err - (1 - k / d) * (x @ x)) <= 1e-12 * (x @ x),
                  "unscaled rand-k: E||C(x)-x||^2 = (1 - k/d)||x||^2 (alpha = k/d)")
        check(all(np.count_nonzero(c) == k for c in outs), f"{'scaled' if scaled else 'unscaled'}: k nonzeros")
    spec = ref.Spec("dcgd", compressor="identity")
    c = ref.Compressor(spec, d, None)
    y = c(x[None, :], [0], 0)
    check(np.array_equal(y[0], x) and y is not x, "identity returns a copy")


def check_minibatch():
    print("minibatch gradient")
    P, rng = synthetic(seed=4)
    x = rng.standard_normal(P.d)
    _, G = P.local(x)
    i = 1
    rows = np.arange(P.m_w[i])
    full = P.minibatch_grad(i, x, rows)
    check(np.allclose(full, G[i], rtol=1e-13, atol=1e-15), "all rows in order = grad f_i")
    perm = rng.permutation(P.m_w[i])
    check(np.allclose(P.minibatch_grad(i, x, perm), G[i], rtol=1e-13, atol=1e-15),
          "all rows shuffled = grad f_i (round-off)")
    j = 3  # one row against finite differences of its loss + the regulariser
    s = P.ranges[i][0]
    a, bj = P.A[s + j], P.b[s + j]

    def fj(y):
        return math.log1p(math.exp(-bj * (a @ y))) + P.regularizer(y)

    h = 1e-6
    fd = np.array([(fj(x + h * e) - fj(x - h * e)) / (2 * h) for e in np.eye(P.d)])
    check(np.max(np.abs(fd - P.minibatch_grad(i, x, np.array([j])))) < 1e-7,
          "one row against finite differences (loss + full regulariser)")


# --------------------------------------------------------------------------- bad input


def expect_error(fn, needle, what):
    try:
        fn()
    except ValueError as e:
        check(needle in str(e), f"{what}: {e}")
        return
    check(False, f"{what}: no error")


def check_bad_input():
    print("bad options and bad draws are errors")
    P, rng = synthetic(seed=6, N=61, d=7, n=5)  # m_i = 12, 12, 12, 12, 13
    x0 = rng.standard_normal(P.d)
    for opts, needle in [
        (dict(method="ef21-page", k=2), "needs a batch"),
        (dict(method="marina", k=2), "unbiased"),
        (dict(method="marina", compressor="rand-k", k=2), "unbiased"),
        (dict(method="ef21-hb", momentum=1.0), "[0, 1)"),
        (dict(method="ef21-sgdm", momentum=0.0), "(0, 1]"),
        (dict(method="ef21", fraction=0.0), "(0, 1]"),
        (dict(method="ef21", fraction=1.5), "(0, 1]"),
        (dict(method="ef21", batch=13), "smallest shard"),
        (dict(method="ef21", batch=2, batch_ratio=0.5), "not both"),
        (dict(method="marina", compressor="identity", batch=2), "--batch does not apply"),
        (dict(method="ef21", k_down=2), "--k-down does not apply"),
        (dict(method="ef21-bc"), "needs --k-down"),
        (dict(method="diana", compressor="rand-k", k=2), "give --shift-rate"),
        (dict(method="ef21-plus", compressor="rand-k", k=2), "top-k or identity"),
        (dict(method="diana", compressor="identity", fraction=0.5), "--fraction does not apply"),
        (dict(method="ef21", momentum=0.5), "--momentum does not apply"),
        (dict(method="ef21", scaled=True), "--scaled"),
    ]:
        expect_error(lambda: ref.Spec(**opts).resolve(P), needle, f"spec {opts}")

    def run_with(opts, recs, rounds=3, allow=False):
        return lambda: trace(P, ref.Spec(**opts), 0.1, x0, rounds, recs, allow)

    pp = dict(method="ef21", fraction=0.5)  # 2 participants
    for recs, needle, what in [
        ([{"round": 1, "participants": [0, 1, 2]}], "expected max(1, floor(n * fraction)) = 2", "3 participants"),
        ([{"round": 1, "participants": [2, 1]}], "ascending", "participants out of order"),
        ([{"round": 1, "participants": [0, 5]}], "outside", "participant id out of range"),
        ([{"round": 0, "participants": [0, 1]}], "round 0", "participants in round 0"),
        ([{"round": 1, "participants": [0, 1]}], "round 2", "participants missing in round 2"),
        ([{"round": 1, "participants": [0, 1], "coin": 1}], "flips none", "a coin for ef21"),
        ([{"round": 1, "participants": [0, 1], "kept": {"0": [1]}}], "compressor is top-k", "kept with top-k"),
        ([{"round": 1, "participants": [0, 1], "batches": {"0": [1]}}], "no --batch", "batches without batch"),
        ([{"round": 1, "participants": [0, 1], "extra": 1}], "unknown key", "unknown key"),
        ([{"round": 2, "participants": [0, 1]}, {"round": 1, "participants": [0, 1]}], "must increase",
         "rounds out of order"),
    ]:
        expect_error(run_with(pp, recs), needle, what)
    expect_error(run_with(dict(method="ef21"), [{"round": 1, "participants": [0, 1, 2, 3, 4]}]),
                 "no --fraction", "participants without --fraction")
    sgd = dict(method="ef21", batch=3)
    full = {str(i): [0, 1, 2] for i in range(5)}
    for recs, needle, what in [
        ([{"round": 1, "batches": {**full, "0": [0, 1]}}], "expected tau_0 = 3", "a batch of 2 rows"),
        ([{"round": 1, "batches": {**full, "4": [0, 1, 13]}}], "outside [0, 13)", "a row past the shard"),
        ([{"round": 1, "batches": {**full, "2": [4, 4, 1]}}], "distinct", "a repeated row"),
        ([{"round": 1, "batches": {**full, "x": [0, 1, 2]}}], "bad worker id", "a bad worker id"),
        ([{"round": 0, "batches": full}], "round 0", "batches in round 0"),
        ([{"round": 1, "batches": full}], "round 2", "batches missing in round 2"),
    ]:
        expect_error(run_with(sgd, recs), needle, what)
    expect_error(run_with(dict(method="ef21", batch=3, fraction=0.5),
                          [{"round": 1, "participants": [0, 1], "batches": {"0": [0, 1, 2], "3": [0, 1, 2]}}]),
                 "does not take part", "a batch for a non-participant")
    rk = dict(method="dcgd", compressor="rand-k", k=2, scaled=True)
    kept = {str(i): [0, 1] for i in range(5)}
    expect_error(run_with(rk, [{"round": 0, "kept": {**kept, "1": [3, 2]}}]), "ascending", "kept not ascending")
    expect_error(run_with(rk, [{"round": 0, "kept": {**kept, "1": [3]}}]), "expected k = 2", "kept 1 of k = 2")
    expect_error(run_with(rk, [{"round": 0, "kept": kept}]), "round 1", "kept missing in round 1")
    mar = dict(method="marina", compressor="rand-k", k=2, scaled=True, page_probability=0.5)
    expect_error(run_with(mar, [{"round": 1, "coin": 2}]), "0 or 1", "coin 2")
    expect_error(run_with(mar, [{"round": 1, "coin": 1}]), "a coin", "coin missing in round 2")
    # A draw the method never uses: marina on a coin-1 round sends dense gradients.
    extra = [{"round": r, "coin": 1} for r in (1, 2, 3)]
    extra[1]["kept"] = kept
    expect_error(run_with(mar, extra), "never used", "rand-k indices on a coin-1 round")
    try:
        print("  (the warning expected next)")
        trace(P, ref.Spec(**mar), 0.1, x0, 3, extra, allow_unused=True)
        check(True, "... accepted with allow_unused (a warning)")
    except ValueError as e:
        check(False, f"allow_unused still fails: {e}")
    # Rounds after the last one are ignored, whatever they hold.
    rows = trace(P, ref.Spec(**mar), 0.1, x0, 2, [{"round": 1, "coin": 1}, {"round": 2, "coin": 1},
                                                     {"round": 3, "coin": 7}])
    check(len(rows) == 3, "draws of rounds after --rounds are ignored")


def check_cli():
    print("command line (tiny LIBSVM file, subprocesses)")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ef21_reference.py")
    P, rng = synthetic(seed=8, N=40, d=5, n=4)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "tiny.libsvm")
        with open(data, "w") as fh:
            for row, lab in zip(P.A, P.b):
                feats = " ".join(f"{j + 1}:{v!r}" for j, v in enumerate(row) if v != 0)
                fh.write(f"{1 if lab > 0 else 0} {feats}\n")
        A, b = ref.read_libsvm(data)
        P = ref.LogRegNonconvex(A, b, 4, 0.1)
        x0 = os.path.join(tmp, "x0.txt")
        with open(x0, "w") as fh:
            fh.write("\n".join(repr(float(v)) for v in rng.standard_normal(P.d)))
        spec = ref.Spec("ef21", compressor="rand-k", k=2, fraction=0.5, batch=3).resolve(P)
        recs = synth_records(P, spec, 10, 3)
        samples = os.path.join(tmp, "samples.jsonl")
        with open(samples, "w") as fh:
            for rec in recs:
                fh.write(json.dumps(rec) + "\n")
        base = [sys.executable, script, "--data", data, "--workers", "4", "--method", "ef21", "--k", "2",
                "--compressor", "rand-k", "--fraction", "0.5", "--batch", "3", "--stepsize", "0.2",
                "--x0", x0, "--rounds", "10"]
        out = os.path.join(tmp, "trace.csv")

        def cli(extra):
            return subprocess.run(base + extra, capture_output=True, text=True)

        p = cli(["--out", out, "--samples", samples])
        check(p.returncode == 0, f"a run with --samples exits 0 {p.stderr.strip()[-200:]}")
        with open(out) as fh:
            lines = fh.read().splitlines()
        want = [f"{t},0,{ref.per_worker(u, 4)},{ref.per_worker(dn, 4)},{f!r},{g!r}"
                for t, u, dn, f, g in trace(P, ref.Spec("ef21", compressor="rand-k", k=2, fraction=0.5,
                                                         batch=3), 0.2, read_x0(x0, P.d), 10, recs)]
        check(lines[1:] == want, "its trace.csv is simulate()'s rows, bits per worker (2 of 4 send)")
        check(lines[-1].split(",")[2:4] == [str(10 * 2 * 2 * 32 // 4), str(10 * 2 * P.d * 32 // 4)],
              f"bits_up, bits_down at row 10: {lines[-1].split(',')[2:4]}")
        os.remove(out)
        p = cli(["--out", out])
        check(p.returncode == 2 and "give --samples" in p.stderr and not os.path.exists(out),
              "without --samples: exit 2, a message, no file")
        bad = os.path.join(tmp, "bad.jsonl")
        with open(bad, "w") as fh:
            for rec in recs:
                if rec["round"] == 4:
                    first = next(iter(rec["batches"]))
                    rec["batches"][first] = rec["batches"][first][:2]
                fh.write(json.dumps(rec) + "\n")
        p = cli(["--out", out, "--samples", bad])
        check(p.returncode == 2 and "bad.jsonl:" in p.stderr and "expected tau_" in p.stderr
              and not os.path.exists(out), "a batch of the wrong size: exit 2, located, no file")
        p = cli(["--out", out, "--samples", samples, "--rounds", "11"])
        check(p.returncode == 2 and "round 11" in p.stderr and not os.path.exists(out),
              "more rounds than the samples hold: exit 2, no file")


def read_x0(path, d):
    return ref.read_x0(path, d)


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
    check_data_new(P, x0, gamma, rounds)


def check_data_new(P, x0, gamma, rounds):
    """The new methods on the data file: reductions to known methods, bits, progress."""
    n, d = P.n, P.d
    print(f"  new methods ({rounds} rounds, gamma = {gamma:.4g} unless said)")

    def same(a, b, what, bits=True):
        ok = [r[3:] for r in a] == [r[3:] for r in b] and len(a) == len(b) == rounds + 1
        if bits:
            ok = ok and [r[1:3] for r in a] == [r[1:3] for r in b]
        check(ok, f"{what}: identical bit for bit" + (" (f, grad_norm_sq, bits)" if bits else " (f, grad_norm_sq)"))

    def close(a, b, what, tol_f=1e-10, tol_g=1e-8):
        rf, rg = max_rel(a, b, 3), max_rel(a, b, 4)
        bits = [r[1:3] for r in a] == [r[1:3] for r in b]
        check(rf < tol_f and rg < tol_g and bits and len(a) == len(b) == rounds + 1,
              f"{what}: max rel diff f {rf:.2e}, grad_norm_sq {rg:.2e}, bits equal")

    def per_row(rows, col):
        return [r[col] // n if r[col] % n == 0 else r[col] / n for r in rows]

    t0 = time.perf_counter()
    ef21 = trace(P, ref.Spec("ef21", k=1), gamma, x0, rounds)
    gd = trace(P, ref.Spec("gd"), gamma, x0, rounds)
    check(per_row(ef21, 1) == [t * 32 for t in range(rounds + 1)]
          and per_row(ef21, 2) == [t * d * 32 for t in range(rounds + 1)],
          "ef21: bits_up t*k*32, bits_down t*d*32 (the model, to everyone)")

    same(trace(P, ref.Spec("ef21-hb", k=1, momentum=0.0), gamma, x0, rounds), ef21, "ef21-hb eta = 0 vs ef21")
    same(trace(P, ref.Spec("ef21-sgdm", k=1, momentum=1.0), gamma, x0, rounds), ef21,
         "ef21-sgdm eta = 1 vs ef21")
    spec = ref.Spec("ef21-page", k=1, batch=5).resolve(P)
    same(trace(P, spec, gamma, x0, rounds, synth_records(P, spec, rounds, 0, coin=lambda r: 1)), ef21,
         "ef21-page with every coin 1 vs ef21")
    spec = ref.Spec("ef21", k=1, fraction=1.0).resolve(P)
    same(trace(P, spec, gamma, x0, rounds, synth_records(P, spec, rounds, 0)), ef21,
         "ef21 with fraction 1 (every worker drawn) vs ef21")
    spec = ref.Spec("marina", compressor="rand-k", k=1, scaled=True, page_probability=0.5).resolve(P)
    same(trace(P, spec, gamma, x0, rounds, synth_records(P, spec, rounds, 0, coin=lambda r: 1)), gd,
         "marina (scaled rand-1) with every coin 1 vs gd")
    same(trace(P, ref.Spec("marina", compressor="identity"), gamma, x0, rounds), gd,
         "marina with identity (p = 1/(1+0) = 1, no draws) vs gd")
    dcgd = trace(P, ref.Spec("dcgd", compressor="identity"), gamma, x0, rounds)
    same(dcgd, gd, "dcgd with identity vs gd", bits=False)
    check(per_row(dcgd, 1) == [(t + 1) * d * 32 for t in range(rounds + 1)],
          "dcgd bills round 0: bits_up (t+1)*d*32")
    close(trace(P, ref.Spec("diana", compressor="identity"), gamma, x0, rounds), gd, "diana with identity vs gd")
    close(trace(P, ref.Spec("ef21-w", k=1), gamma, x0, rounds), ef21, "ef21-w top-1 vs ef21")
    bc = trace(P, ref.Spec("ef21-bc", k=1, k_down=d), gamma, x0, rounds)
    close(bc, ef21, "ef21-bc with k_down = d vs ef21 (and bits_down t*d*32 both ways)")
    bc = trace(P, ref.Spec("ef21-bc", k=1, k_down=2), gamma, x0, rounds)
    check(per_row(bc, 2) == [t * 2 * 32 for t in range(rounds + 1)], "ef21-bc k_down = 2: bits_down t*2*32")
    spec = ref.Spec("ef21", k=1, batch_ratio=1.0).resolve(P)
    check(spec.tau == P.m_w, "batch ratio 1: tau_i = m_i")
    rng = np.random.default_rng(1)
    recs = synth_records(P, spec, rounds, 0, batch_rows=lambda r, i: [int(j) for j in rng.permutation(P.m_w[i])])
    close(trace(P, spec, gamma, x0, rounds, recs), ef21, "ef21 with every row (shuffled) as its batch vs ef21")
    spec = ref.Spec("ef21-page", k=1, batch_ratio=1.0).resolve(P)
    recs = synth_records(P, spec, rounds, 0, coin=lambda r: 0,
                         batch_rows=lambda r, i: list(range(P.m_w[i])))
    close(trace(P, spec, gamma, x0, rounds, recs), ef21,
          "ef21-page, every coin 0, every row: v_i telescopes to grad f_i, vs ef21", tol_g=1e-7)
    spec = ref.Spec("ef21", k=1, fraction=0.5).resolve(P)
    pp = trace(P, spec, gamma, x0, rounds, synth_records(P, spec, rounds, 0))
    check(spec.n_part == 10 and per_row(pp, 1) == [t * 16 for t in range(rounds + 1)]
          and per_row(pp, 2) == [t * 10 * d * 32 // 20 for t in range(rounds + 1)],
          "ef21 fraction 0.5: 10 of 20 send, bits_up t*16, bits_down t*1792")
    spec = ref.Spec("marina", compressor="rand-k", k=1, scaled=True).resolve(P)
    recs = synth_records(P, spec, rounds, 0)
    ones = sum(rec.get("coin", 0) for rec in recs)
    mar = trace(P, spec, gamma / 10, x0, rounds, recs)
    check(abs(spec.page_probability - 1 / d) < 1e-15 and mar[-1][1] == n * 32 * (d * ones + (rounds - ones)),
          f"marina default p = k/d = 1/{d}: {ones} coins 1; bits_up = (d*#ones + #zeros)*32")
    print(f"  reductions {time.perf_counter() - t0:.2f}s")

    # The comparison set, with draws from a stream: each makes progress.
    L = P.constants(1)["L"]
    cases = [
        ("ef21-hb", dict(method="ef21-hb", k=1), 0.05 / L),
        ("ef21-bc k=1 k_down=2", dict(method="ef21-bc", k=1, k_down=2), gamma),
        ("ef21 batch_ratio 0.5", dict(method="ef21", k=1, batch_ratio=0.5), gamma),
        ("ef21 fraction 0.5", dict(method="ef21", k=1, fraction=0.5), gamma),
        ("ef21-page batch_ratio 0.1", dict(method="ef21-page", k=1, batch_ratio=0.1), gamma),
        ("ef21-sgdm batch_ratio 0.1", dict(method="ef21-sgdm", k=1, batch_ratio=0.1), gamma),
        ("ef21-w", dict(method="ef21-w", k=1), gamma),
        ("dcgd scaled rand-1", dict(method="dcgd", compressor="rand-k", k=1, scaled=True), 0.05 / L),
        ("diana scaled rand-1", dict(method="diana", compressor="rand-k", k=1, scaled=True), 0.05 / L),
        ("marina scaled rand-1", dict(method="marina", compressor="rand-k", k=1, scaled=True), 0.05 / L),
    ]
    for seed, (name, opts, g) in enumerate(cases):
        spec = ref.Spec(**opts).resolve(P)
        t = time.perf_counter()
        rows = trace(P, spec, g, x0, rounds, synth_records(P, spec, rounds, 100 + seed))
        dt = time.perf_counter() - t
        print(f"  {name:26s} gamma={g:.3g}: |grad|^2 {rows[0][4]:.4e} -> {rows[-1][4]:.4e}, "
              f"bits_up {ref.per_worker(rows[-1][1], n)}, bits_down {ref.per_worker(rows[-1][2], n)}, {dt:.2f}s")
        check(len(rows) == rounds + 1 and rows[-1][4] < 0.5 * rows[0][4], f"{name}: grad_norm_sq decreased")


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
    check_rand_k()
    check_minibatch()
    check_new_vs_naive()
    check_bad_input()
    check_cli()
    if os.path.exists(args.data):
        check_data(args.data, args.rounds)
    else:
        print(f"skipping data checks: {args.data} not found")
    print("FAILED: " + "; ".join(FAILURES) if FAILURES else "all self-checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
