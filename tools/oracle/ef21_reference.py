#!/usr/bin/python3
"""Independent float64 reference ("oracle") for ef21sim's optimizer math.

This file re-implements DESIGN.md §7 (the EF21 paper's conventions) and the methods of
issue 10 §2 with plain numpy so that the C++ simulator can be checked against it trace by
trace. It knows nothing about time or networks: it writes `time_s = 0` on every row. It
draws no random numbers either: every random draw (participants, minibatch rows, coins,
rand-k indices) is replayed from the `samples.jsonl` file that ef21sim wrote.

Run it with Debian's python (the one that has numpy):

    /usr/bin/python3 tools/oracle/ef21_reference.py --data FILE --workers 20 \
        --method METHOD --k 1 --stepsize 0.05 --lam 0.1 \
        --x0 X0FILE --rounds 200 --out trace.csv [--problem logreg-nonconvex] \
        [--compressor {top-k,rand-k,identity}] [--scaled] [--k-down K] \
        [--momentum ETA] [--page-probability P] [--shift-rate ALPHA] \
        [--batch B | --batch-ratio R] [--fraction F] [--samples samples.jsonl] \
        [--allow-unused-draws] [--no-bits-down] [--print-constants] [--multiplier M]

    METHOD: gd, ef, ef21, ef21-plus, ef21-hb, ef21-bc, ef21-sgdm, ef21-page, ef21-w,
            dcgd, diana, marina

`--stepsize theory` uses the theory stepsize of the method (times `--multiplier`); it
exists for gd, ef, ef21, ef21-plus and ef21-w, deterministic and with full participation
only (anything else is an error that asks for a number). `--print-constants` prints the
derived constants as JSON on stdout; without `--out` the script stops there.

Conventions (every choice that could differ between two correct implementations)
--------------------------------------------------------------------------------
Data
  * LIBSVM text: `label idx:val idx:val ...`, 1-based indices, blank feature lists
    allowed. d = the largest index present. Labels: the minimum label -> -1, the maximum
    -> +1 (exactly two distinct labels required). No normalisation, no bias column.
  * Sequential split: m = N // n rows per worker in file order; worker n-1 also gets the
    N - n*m remaining rows. m_i = worker i's row count; its local row j (0-based) is row
    start_i + j of the file.

Objective (problem `logreg-nonconvex`)
  * f_i(x) = (1/m_i) sum_j log(1 + exp(-b_j a_j^T x)) + lam * sum_l x_l^2 / (1 + x_l^2)
    The loss uses np.logaddexp(0, -z); the row sum is numpy's np.sum, then / m_i.
  * grad f_i(x) = (A_i^T r) / m_i + lam * 2 x / (1 + x^2)^2 with
    r_j = -b_j * sigma(-b_j a_j^T x), sigma(u) = exp(-logaddexp(0, -u)) (stable).
  * Minibatch estimate on local rows B (a list, in the order given, no duplicates):
    grad f_{i,B}(x) = (A_B^T r_B) / |B| + lam * 2 x / (1 + x^2)^2, i.e. the mean loss
    gradient over the rows of B plus the FULL regulariser gradient (A_B = those rows of
    A_i, gathered in B's order).
  * f(x) = (sum_i f_i(x)) / n and grad f(x) = (sum_i grad f_i(x)) / n, the sums taken
    left to right in worker-id order (an explicit Python loop, see `sum_in_order`).
    grad_norm_sq = ||grad f(x)||^2 = np.dot(g, g). f and grad_norm_sq are ALWAYS the exact
    full-data values at x^t, whatever the method uses internally.

Compressors (`--compressor`, applied per worker to a length-d vector v)
  * top-k (default): keep the k entries of largest |v|, ties to the LOWER index, signs
    kept: a stable argsort of -|v| (kind='stable'), first k positions. k = d is the
    identity. Contractive, alpha = k/d.
  * rand-k: keep the k entries whose indices ef21sim drew (samples' "kept" for that worker
    and round, k distinct indices, ascending); the others are 0. Unscaled: the kept values
    as they are (contractive, alpha = k/d). `--scaled`: each kept value times s, where
    s = d / k is computed once as a double (unbiased, omega = d/k - 1).
  * identity: a copy of v; k is d for the bit accounting (omega = 0, alpha = 1).
  * ef21-bc's downlink compressor C_down is always top-k with `--k-down`.

Methods. x^t is the model after t rounds; row t of the trace describes x^t. Round r is
the round whose messages are computed at x^r (r = 0..rounds: the last row's round is
computed too, as ef21sim does). gamma = the stepsize; C = the uplink compressor;
sums over workers are `sum_in_order` (worker-id order) and "mean" is that sum / n.
  Round 0: every worker takes part with its FULL gradient (no minibatch); the states
  built from it are exact. Rounds r >= 1 see the draws of round r (below).
  * gd:   x^{t+1} = x^t - gamma * (sum_{i in P_t} ghat_i(x^t)) / |P_t|.
  * ef21: g_i^0 = grad f_i(x^0) (exact, free); g^0 = (sum_i g_i^0) / n.
          x^{t+1} = x^t - gamma * g^t
          for i in P_{t+1}: c_i = C(ghat_i(x^{t+1}) - g_i^t);  g_i^{t+1} = g_i^t + c_i
          other workers keep g_i; g^{t+1} = g^t + (sum_{i in P} c_i) / n   (EF21-PP: / n,
          all n workers, not |P|)
  * ef:   e_i^0 = 0.
          v_i = C(e_i + gamma * ghat_i(x^t))
          x^{t+1} = x^t - (sum_i v_i) / n            (sum in worker-id order)
          e_i <- e_i + gamma * ghat_i(x^t) - v_i  (evaluated left to right:
                                                     (e_i + gamma*grad) - v_i, i.e. the
                                                     same vector that was compressed,
                                                     minus v_i)
  * ef21-plus: initialisation as ef21. At x^{t+1} each worker forms, with
          h_i = ghat_i(x^{t+1}):
            c_i = C(h_i - g_i^t),  u_i = g_i^t + c_i   (EF21 candidate)
            w_i = C(h_i)                               (Markov candidate)
          It picks w_i iff ||w_i - h_i||^2 < ||u_i - h_i||^2 (strict: ties go to EF21);
          squared norms are np.dot(e, e) of the literal differences.
          g_i^{t+1} = the chosen candidate. The server updates
            g^{t+1} = g^t + (sum_i delta_i) / n,
          delta_i = c_i if worker i chose EF21 (so with no switch this is EF21 bit for
          bit), delta_i = w_i - g_i^t if it chose Markov (mathematically
          g_i^{t+1} - g_i^t in both cases). top-k or identity only (rand-k would need two
          draws per worker and round).
  * ef21-hb (momentum eta in [0, 1), default 0.99): EF21's g_i, g; v^0 = g^0 (a copy).
          x^{t+1} = x^t - gamma * v^t; EF21's update of g_i, g at x^{t+1};
          v^{t+1} = eta * v^t + g^{t+1}.          (eta = 0 is EF21 bit for bit)
  * ef21-bc (`--k-down` required): w_i^0 = grad f_i(x^0); w^0 = (sum_i w_i^0) / n;
          g^0 = w^0 (a copy). x^{t+1} = x^t - gamma * g^t; for i in P:
          c_i = C(ghat_i(x^{t+1}) - w_i); w_i <- w_i + c_i; w <- w + (sum_{i in P} c_i) / n;
          b = TopK_{k_down}(w - g); g <- g + b.
  * ef21-sgdm (momentum eta in (0, 1], default 0.1): v_i^0 = g_i^0 = grad f_i(x^0);
          for i in P: v_i <- (1 - eta) * v_i + eta * ghat_i(x^{t+1});
          c_i = C(v_i - g_i); g_i <- g_i + c_i; g <- g + (sum_{i in P} c_i) / n.
          (eta = 1 is EF21 bit for bit.) Non-participants keep v_i and g_i.
  * ef21-page (needs a batch; `--page-probability` p, default mean_i tau_i/(tau_i + m_i)):
          v_i^0 = g_i^0 = grad f_i(x^0). Round r >= 1 has one coin c (samples' "coin"):
          c = 1: v_i <- grad f_i(x^r) (full, a copy);
          c = 0: v_i <- v_i + (grad f_{i,B}(x^r) - grad f_{i,B}(x^{r-1})), B = the worker's
                 rows of round r at both points (both estimates carry the full regulariser
                 gradient, so its difference is included);
          then c_i = C(v_i - g_i); g_i <- g_i + c_i; g <- g + (sum_i c_i) / n.
          On coin-1 rounds no rows are used (recorded batches there are unused draws).
  * ef21-w: L_i as in Constants below; w_i = L_i / (sum_j L_j) (the sum in worker-id
          order); s_i = n * w_i. g_i^0 = grad f_i(x^0) / s_i; g^0 = sum_i w_i * g_i^0.
          For i in P: c_i = C(ghat_i(x^{t+1}) / s_i - g_i); g_i <- g_i + c_i;
          g <- g + sum_{i in P} w_i * c_i.
  * dcgd: x^{t+1} = x^t - gamma * (sum_{i in P_t} C(ghat_i(x^t))) / |P_t|; round 0 is
          compressed (and billed) too.
  * diana (`--shift-rate` alpha in (0, 1], default 1/(1 + omega)): h_i^0 = grad f_i(x^0)
          (free), h^0 = (sum_i h_i^0) / n, g^0 = h^0 (a copy), x^1 = x^0 - gamma * g^0.
          At x^t, t >= 1: Delta_i = C(ghat_i(x^t) - h_i); D = (sum_i Delta_i) / n;
          g^t = h + D; h_i <- h_i + alpha * Delta_i; h <- h + alpha * D;
          x^{t+1} = x^t - gamma * g^t.
  * marina (scaled rand-k or identity; `--page-probability` p, default 1/(1 + omega)):
          g^0 = (sum_i grad f_i(x^0)) / n (free). x^{t+1} = x^t - gamma * g^t; the coin c
          of round t+1: c = 1: g^{t+1} = (sum_i grad f_i(x^{t+1})) / n (dense messages);
          c = 0: g^{t+1} = g^t + (sum_i C(grad f_i(x^{t+1}) - grad f_i(x^t))) / n.
          (All coins 1 is gd bit for bit.)
  Here ghat_i(x^r) is worker i's full gradient, or with `--batch`/`--batch-ratio` (r >= 1)
  its minibatch estimate on the rows it drew in round r. P_r is the set of participants
  of round r (all n without `--fraction`, and always all n in round 0).
  Which options a method takes (anything else is an error, exit 2):
    --fraction: gd, dcgd, ef21, ef21-hb, ef21-bc, ef21-sgdm, ef21-w.
    --batch / --batch-ratio: every method but marina (required by ef21-page).
    rand-k: every method but ef21-plus; marina needs an unbiased compressor
    (rand-k --scaled or identity). gd ignores --k and --compressor (dense messages).
    --momentum: ef21-hb, ef21-sgdm. --page-probability: ef21-page, marina.
    --shift-rate: diana (required when omega is undefined: top-k, unscaled rand-k).
    --k-down: ef21-bc (required).
  Batch sizes: --batch B gives tau_i = B (B <= min_i m_i); --batch-ratio R in (0, 1]
  gives tau_i = max(1, floor(m_i * R)). --fraction F in (0, 1] gives
  |P_r| = max(1, floor(n * F)) participants in every round r >= 1.

Draws (`--samples samples.jsonl`, written by ef21sim)
  * One JSON object per line (blank lines skipped), rounds strictly increasing, keys only
    among "round", "participants", "batches", "coin", "kept":
      {"round": r, "participants": [ids ascending], "batches": {"<id>": [local rows]},
       "coin": 0 or 1, "kept": {"<id>": [rand-k indices ascending]}}
    Rounds after --rounds are ignored; a round without draws may be absent.
  * Checked when loaded, for every round r <= --rounds: participants only with
    --fraction, in rounds r >= 1, distinct ascending ids in [0, n), exactly
    max(1, floor(n F)) of them; batches only with a batch, in rounds r >= 1, only for
    that round's participants, tau_i distinct local rows in [0, m_i) each; coin only for
    ef21-page and marina, in rounds r >= 1, 0 or 1 (and equal to p when p is 0 or 1);
    kept only with rand-k, only for that round's participants, k distinct ascending
    indices in [0, d).
  * While running, a draw the method needs and the file lacks is an error (participants
    may be absent only when max(1, floor(n F)) = n; a coin only when p is 0 or 1). After
    the last round, a draw of rounds 0..--rounds the method never used is an error too
    (`--allow-unused-draws` makes it a warning): it means the two implementations read
    the method differently. A method that needs draws without --samples is an error.

Bits (the paper's accounting: 32 bits per sent value, no index bits; the trace's bits
are per worker: the total over workers / n)
  * bits_up at row t counts the billed uplink messages computed at x^0..x^t (rounds
    0..t), summed over the senders, divided by n. Round 0 is free (the exact initial
    states) except for dcgd, whose round 0 is compressed and billed. A compressed message
    is k values (identity: d); gd's message is d values; a MARINA coin-1 round sends d
    values per worker. With --fraction only the participants send. So: ef21, ef21-plus,
    ef and the other EF21 variants, diana: t*k*32; gd: t*d*32; dcgd (t+1)*k*32 (all
    without --fraction). (EF21+ is charged k values per round, its 1-bit choice flag is
    not billed.)
  * bits_down (the default downlink sends the dense model to the participants of the
    next round): row t = sum_{r=1..t} |P_r| * d * 32 / n. ef21-bc broadcasts its
    compressed update instead: row t = t * k_down * 32 (g^0's broadcast is free).
    `--no-bits-down` writes 0 (the oracle's behaviour before issue 10).
  * Per-worker values are written as integers when the total is a multiple of n, else
    as repr(total / n).

Constants (`--print-constants`)
  * L   = lambda_max(A^T A) / (4 N) + 2 lam over all N rows (np.linalg.eigvalsh),
    L_i = the same on worker i's m_i rows, L~ = sqrt(mean_i L_i^2), L_AM = mean_i L_i.
  * alpha = k/d, theta = 1 - sqrt(1 - alpha), beta = (1 - alpha) / (1 - sqrt(1 - alpha)).
  * theory stepsizes: ef21, ef: 1/(L + L~ sqrt(beta/theta)) (k = d: 1/L); gd: 1/L;
    ef21-plus: min(1/(L + L~ sqrt(2 beta/theta)), theta/(2 mu)) with mu = lam;
    ef21-w: 1/(L + L_AM sqrt(beta/theta)) (k = d: 1/L).

Output
  * trace.csv: `round,time_s,bits_up,bits_down,f,grad_norm_sq`, rows t = 0..rounds,
    floats printed with repr() (shortest round trip), bits as above.
  * If f or grad_norm_sq becomes non-finite at x^t, the run stops there: rows 0..t-1 are
    kept, row t is NOT written, and a warning goes to stderr (exit status 0; the
    unused-draw check is skipped).
  * Bad input (files, options, draws): a message on stderr, exit status 2.
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

    def minibatch_grad(self, i, x, rows):
        """grad f_{i,B}(x): mean loss gradient over worker i's local rows B (in B's order)
        plus the full regulariser gradient."""
        Ai = self.A_w[i][rows]
        bi = self.b_w[i][rows]
        z = bi * (Ai @ x)
        r = -bi * sigmoid(-z)
        return (Ai.T @ r) / len(rows) + self.regularizer_grad(x)

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

    def local_smoothness(self):
        """L_i of every worker (length-n array)."""
        return np.array([self._smoothness(Ai, self.lam) for Ai in self.A_w])

    def constants(self, k):
        L = self._smoothness(self.A, self.lam)
        Li = self.local_smoothness()
        L_tilde = math.sqrt(np.mean(Li * Li))
        L_am = float(np.mean(Li))
        d = self.d
        alpha = k / d
        theta = 1.0 - math.sqrt(1.0 - alpha)
        beta = (1.0 - alpha) / (1.0 - math.sqrt(1.0 - alpha))
        mu = self.lam
        if k >= d:
            gamma_ef21 = 1.0 / L
            gamma_w = 1.0 / L
        else:
            gamma_ef21 = 1.0 / (L + L_tilde * math.sqrt(beta / theta))
            gamma_w = 1.0 / (L + L_am * math.sqrt(beta / theta))
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
            "L_AM": L_am,
            "alpha": alpha,
            "theta": theta,
            "beta": beta,
            "mu": mu,
            "gamma_theory": {
                "gd": 1.0 / L,
                "ef21": gamma_ef21,
                "ef": gamma_ef21,
                "ef21-plus": gamma_plus,
                "ef21-w": gamma_w,
            },
        }


# --------------------------------------------------------------------------- methods

METHODS = ["gd", "ef", "ef21", "ef21-plus", "ef21-hb", "ef21-bc", "ef21-sgdm", "ef21-page",
           "ef21-w", "dcgd", "diana", "marina"]
COMPRESSORS = ["top-k", "rand-k", "identity"]
PARTICIPATION_METHODS = {"gd", "dcgd", "ef21", "ef21-hb", "ef21-bc", "ef21-sgdm", "ef21-w"}
BATCH_METHODS = set(METHODS) - {"marina"}
COIN_METHODS = {"ef21-page", "marina"}
# Methods whose round 0 is compressed (it then uses round 0's rand-k draws).
ROUND0_COMPRESSED = {"dcgd", "ef"}


class Spec:
    """A method with its compressor and options, validated against a problem by resolve().

    Options left None take the method's default (module docstring); an option that the
    method does not take is an error. After resolve(): k (the message size in values),
    omega (None when undefined), tau (per-worker batch sizes, or None), n_part (participants
    per round r >= 1), momentum / page_probability / shift_rate with their defaults."""

    def __init__(self, method, compressor="top-k", k=1, scaled=False, k_down=None,
                 momentum=None, page_probability=None, shift_rate=None, batch=None,
                 batch_ratio=None, fraction=None, bits_down=True):
        self.method = method
        self.compressor = compressor
        self.k = k
        self.scaled = scaled
        self.k_down = k_down
        self.momentum = momentum
        self.page_probability = page_probability
        self.shift_rate = shift_rate
        self.batch = batch
        self.batch_ratio = batch_ratio
        self.fraction = fraction
        self.bits_down = bits_down
        self.tau = None
        self.n_part = None
        self.omega = None
        self.n_workers = None

    def describe(self):
        parts = [self.method, f"{self.compressor}{' scaled' if self.scaled else ''} k={self.k}"]
        for name in ("k_down", "momentum", "page_probability", "shift_rate", "batch", "batch_ratio",
                     "fraction"):
            v = getattr(self, name)
            if v is not None:
                parts.append(f"{name}={v!r}")
        return " ".join(parts)

    def needs_samples(self):
        """True when the run replays draws: participants, batches, rand-k or coins."""
        return (self.n_part != self.n_workers
                or self.tau is not None
                or (self.compressor == "rand-k" and self.method != "gd")
                or (self.method in COIN_METHODS and self.page_probability not in (0.0, 1.0)))

    def resolve(self, problem):
        """Checks the options against the method and the problem; fills in defaults.
        Raises ValueError with a message naming the option."""
        m, n, d = self.method, problem.n, problem.d
        self.n_workers = n
        if m not in METHODS:
            raise ValueError(f"unknown method {m!r} (one of {', '.join(METHODS)})")
        if self.compressor not in COMPRESSORS:
            raise ValueError(f"unknown compressor {self.compressor!r} (one of {', '.join(COMPRESSORS)})")
        if self.scaled and self.compressor != "rand-k":
            raise ValueError("--scaled applies to the rand-k compressor only")
        if m == "gd" or self.compressor == "identity":
            self.k = d  # gd's messages are dense; identity sends d values
        elif not (isinstance(self.k, int) and 1 <= self.k <= d):
            raise ValueError(f"--k must be in [1, d={d}], got {self.k}")
        if m == "ef21-plus" and self.compressor == "rand-k":
            raise ValueError("ef21-plus compresses twice per round: top-k or identity only")
        if m == "marina" and not (self.compressor == "identity" or
                                  (self.compressor == "rand-k" and self.scaled)):
            raise ValueError("marina needs an unbiased compressor: rand-k with --scaled, or identity")
        if self.compressor == "identity":
            self.omega = 0.0
        elif self.compressor == "rand-k" and self.scaled:
            self.omega = d / self.k - 1.0
        else:
            self.omega = None  # top-k and unscaled rand-k are biased: no omega

        def only(option, value, methods):
            if value is not None and m not in methods:
                raise ValueError(f"--{option} does not apply to {m} (only {', '.join(sorted(methods))})")

        only("k-down", self.k_down, {"ef21-bc"})
        only("momentum", self.momentum, {"ef21-hb", "ef21-sgdm"})
        only("page-probability", self.page_probability, COIN_METHODS)
        only("shift-rate", self.shift_rate, {"diana"})
        only("fraction", self.fraction, PARTICIPATION_METHODS)
        only("batch", self.batch, BATCH_METHODS)
        only("batch-ratio", self.batch_ratio, BATCH_METHODS)

        if m == "ef21-bc":
            if self.k_down is None:
                raise ValueError("ef21-bc needs --k-down (its downlink top-k)")
            if not 1 <= self.k_down <= d:
                raise ValueError(f"--k-down must be in [1, d={d}], got {self.k_down}")

        if self.batch is not None and self.batch_ratio is not None:
            raise ValueError("give --batch or --batch-ratio, not both")
        if self.batch is not None:
            if not 1 <= self.batch <= min(problem.m_w):
                raise ValueError(f"--batch must be in [1, {min(problem.m_w)}] (the smallest shard), "
                                 f"got {self.batch}")
            self.tau = [self.batch] * n
        elif self.batch_ratio is not None:
            if not 0.0 < self.batch_ratio <= 1.0:
                raise ValueError(f"--batch-ratio must be in (0, 1], got {self.batch_ratio!r}")
            self.tau = [max(1, math.floor(mi * self.batch_ratio)) for mi in problem.m_w]
        if m == "ef21-page" and self.tau is None:
            raise ValueError("ef21-page needs a batch (--batch or --batch-ratio)")

        if self.fraction is not None:
            if not 0.0 < self.fraction <= 1.0:
                raise ValueError(f"--fraction must be in (0, 1], got {self.fraction!r}")
            self.n_part = max(1, math.floor(n * self.fraction))
        else:
            self.n_part = n

        if m == "ef21-hb":
            self.momentum = 0.99 if self.momentum is None else self.momentum
            if not 0.0 <= self.momentum < 1.0:
                raise ValueError(f"ef21-hb: --momentum must be in [0, 1), got {self.momentum!r}")
        if m == "ef21-sgdm":
            self.momentum = 0.1 if self.momentum is None else self.momentum
            if not 0.0 < self.momentum <= 1.0:
                raise ValueError(f"ef21-sgdm: --momentum must be in (0, 1], got {self.momentum!r}")
        if m == "ef21-page" and self.page_probability is None:
            self.page_probability = float(np.mean([t / (t + mi) for t, mi in zip(self.tau, problem.m_w)]))
        if m == "marina" and self.page_probability is None:
            self.page_probability = 1.0 / (1.0 + self.omega)
        if m in COIN_METHODS and not 0.0 <= self.page_probability <= 1.0:
            raise ValueError(f"--page-probability must be in [0, 1], got {self.page_probability!r}")
        if m == "diana":
            if self.shift_rate is None:
                if self.omega is None:
                    what = "unscaled rand-k" if self.compressor == "rand-k" else self.compressor
                    raise ValueError(f"diana with {what}: omega is undefined, give --shift-rate")
                self.shift_rate = 1.0 / (1.0 + self.omega)
            if not 0.0 < self.shift_rate <= 1.0:
                raise ValueError(f"diana: --shift-rate must be in (0, 1], got {self.shift_rate!r}")
        return self


class Compressor:
    """The uplink compressor: __call__(V, ids, r) compresses row j of V as worker ids[j]'s
    message of round r (rand-k takes its indices from the samples)."""

    def __init__(self, spec, d, samples):
        self.kind, self.k, self.d, self.samples = spec.compressor, spec.k, d, samples
        self.scale = d / spec.k if spec.scaled else None

    def __call__(self, V, ids, r):
        if self.kind == "top-k":
            return top_k(V, self.k)
        if self.kind == "identity":
            return V.copy()
        out = np.zeros_like(V)
        for j, i in enumerate(ids):
            idx = self.samples.kept(r, i)
            out[j, idx] = V[j, idx] if self.scale is None else V[j, idx] * self.scale
        return out


class Samples:
    """The draws of a run (samples.jsonl), replayed; see the module docstring, 'Draws'.

    Samples(path) reads a file; Samples(records=[dict, ...]) takes the parsed objects
    (for tests); Samples() is a run without draws. bind() checks the draws against the
    problem and spec; the accessors mark what they hand out as used."""

    KEYS = ("round", "participants", "batches", "coin", "kept")

    def __init__(self, path=None, records=None):
        self.name = path if path is not None else ("<records>" if records is not None else None)
        self.by_round = {}
        self.where = {}
        self.used = set()
        if path is not None:
            with open(path, "r") as fh:
                lines = [(n, line) for n, line in enumerate(fh, 1) if line.strip()]
            records = []
            for lineno, line in lines:
                try:
                    records.append((lineno, json.loads(line)))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{lineno}: not JSON: {e}") from None
        else:
            records = list(enumerate(records or [], 1))
        last = -1
        for lineno, rec in records:
            where = f"{self.name}:{lineno}"
            if not isinstance(rec, dict):
                raise ValueError(f"{where}: expected a JSON object")
            unknown = sorted(set(rec) - set(self.KEYS))
            if unknown:
                raise ValueError(f"{where}: unknown key(s) {unknown} (allowed: {', '.join(self.KEYS)})")
            r = rec.get("round")
            if not _is_int(r) or r < 0:
                raise ValueError(f"{where}: 'round' must be an integer >= 0, got {r!r}")
            if r <= last:
                raise ValueError(f"{where}: round {r} after round {last} (rounds must increase)")
            last = r
            self.by_round[r] = rec
            self.where[r] = f"{where} (round {r})"

    def bind(self, problem, spec, rounds):
        """Checks every round r <= rounds against the run's sizes (module docstring)."""
        self.n, self.spec, self.rounds = problem.n, spec, rounds
        n, d = problem.n, problem.d
        for r, rec in self.by_round.items():
            if r > rounds:
                continue
            where = self.where[r]
            everyone = list(range(n))
            part = everyone
            if "participants" in rec:
                p = rec["participants"]
                if spec.fraction is None:
                    raise ValueError(f"{where}: participants drawn, but no --fraction given")
                if r == 0:
                    raise ValueError(f"{where}: participants drawn in round 0 (every worker takes part)")
                _check_ids(p, n, where, "participants", ascending=True)
                if len(p) != spec.n_part:
                    raise ValueError(f"{where}: {len(p)} participants, expected max(1, floor(n * fraction)) "
                                     f"= {spec.n_part}")
                part = p
            if "batches" in rec:
                if spec.tau is None:
                    raise ValueError(f"{where}: batches drawn, but no --batch / --batch-ratio given")
                if r == 0:
                    raise ValueError(f"{where}: batches drawn in round 0 (full gradients there)")
                for i, rows in self._per_worker(rec, "batches", where, part):
                    _check_ids(rows, problem.m_w[i], f"{where} batches[{i}]", "local rows", ascending=False)
                    if len(rows) != spec.tau[i]:
                        raise ValueError(f"{where}: worker {i} has {len(rows)} rows, expected tau_{i} = "
                                         f"{spec.tau[i]}")
            if "coin" in rec:
                c = rec["coin"]
                if spec.method not in COIN_METHODS:
                    raise ValueError(f"{where}: a coin drawn, but {spec.method} flips none")
                if r == 0:
                    raise ValueError(f"{where}: a coin drawn in round 0")
                if not _is_int(c) or c not in (0, 1):
                    raise ValueError(f"{where}: coin must be 0 or 1, got {c!r}")
                if spec.page_probability in (0.0, 1.0) and c != spec.page_probability:
                    raise ValueError(f"{where}: coin {c} with page probability {spec.page_probability!r}")
            if "kept" in rec:
                if spec.compressor != "rand-k":
                    raise ValueError(f"{where}: rand-k indices drawn, but the compressor is {spec.compressor}")
                for i, idx in self._per_worker(rec, "kept", where, part):
                    _check_ids(idx, d, f"{where} kept[{i}]", "indices", ascending=True)
                    if len(idx) != spec.k:
                        raise ValueError(f"{where}: worker {i} kept {len(idx)} indices, expected k = {spec.k}")
        return self

    @staticmethod
    def _per_worker(rec, key, where, part):
        table = rec[key]
        if not isinstance(table, dict):
            raise ValueError(f"{where}: '{key}' must be an object keyed by worker id")
        allowed = set(part)
        out = []
        for key_i, v in table.items():
            try:
                i = int(key_i)
            except ValueError:
                i = None
            if i is None or str(i) != key_i:
                raise ValueError(f"{where}: {key}: bad worker id {key_i!r}")
            if i not in allowed:
                raise ValueError(f"{where}: {key} for worker {i}, which does not take part in that round")
            out.append((i, v))
        return out

    def _missing(self, r, what):
        src = (f"{self.where[r]}" if r in self.by_round else
               f"{self.name}: round {r}" if self.name is not None else f"round {r}")
        hint = "" if self.name is not None else " (no --samples file given)"
        return ValueError(f"{src}: {self.spec.method} needs {what}, which was not drawn{hint}")

    def participants(self, r):
        """P_r as an array of worker ids (everyone in round 0 and without participation)."""
        if r == 0:
            return np.arange(self.n)
        rec = self.by_round.get(r, {})
        if "participants" in rec:
            self.used.add((r, "participants", None))
            return np.array(rec["participants"], dtype=np.intp)
        if self.spec.n_part != self.n:
            raise self._missing(r, "the participants")
        return np.arange(self.n)

    def batch(self, r, i):
        rows = self.by_round.get(r, {}).get("batches", {}).get(str(i))
        if rows is None:
            raise self._missing(r, f"worker {i}'s minibatch rows")
        self.used.add((r, "batches", i))
        return np.array(rows, dtype=np.intp)

    def kept(self, r, i):
        idx = self.by_round.get(r, {}).get("kept", {}).get(str(i))
        if idx is None:
            raise self._missing(r, f"worker {i}'s rand-k indices")
        self.used.add((r, "kept", i))
        return np.array(idx, dtype=np.intp)

    def coin(self, r):
        rec = self.by_round.get(r, {})
        if "coin" in rec:
            self.used.add((r, "coin", None))
            return rec["coin"]
        p = self.spec.page_probability
        if p in (0.0, 1.0):
            return int(p)
        raise self._missing(r, "a coin")

    def unused(self):
        """The draws of rounds 0..rounds that no accessor handed out."""
        out = []
        for r, rec in self.by_round.items():
            if r > self.rounds:
                continue
            for key in ("participants", "coin"):
                if key in rec and (r, key, None) not in self.used:
                    out.append(f"round {r}: {key}")
            for key in ("batches", "kept"):
                for i in sorted(int(s) for s in rec.get(key, {})):
                    if (r, key, i) not in self.used:
                        out.append(f"round {r}: {key} of worker {i}")
        return out


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _check_ids(v, bound, where, what, ascending):
    if not isinstance(v, list) or not all(_is_int(j) for j in v):
        raise ValueError(f"{where}: {what} must be a list of integers")
    if any(j < 0 or j >= bound for j in v):
        raise ValueError(f"{where}: {what} outside [0, {bound})")
    if ascending and any(a >= b for a, b in zip(v, v[1:])):
        raise ValueError(f"{where}: {what} must be distinct and ascending")
    if len(set(v)) != len(v):
        raise ValueError(f"{where}: {what} must be distinct")


def simulate(problem, spec, gamma, x0, rounds, samples=None, allow_unused=False):
    """Yields (t, bits_up_total, bits_down_total, f, grad_norm_sq) for t = 0..rounds (stops
    early on NaN/Inf). The bit totals are summed over workers: divide by n for the trace.
    spec must be resolved; samples (a Samples, or None for a run without draws) is bound
    here. After the last row, draws never used are an error (a warning if allow_unused)."""
    n, d = problem.n, problem.d
    m = spec.method
    if samples is None:
        samples = Samples()
    samples.bind(problem, spec, rounds)
    comp = Compressor(spec, d, samples)
    k = spec.k
    up = 0  # bits summed over workers
    down = 0
    x = x0.copy()
    x_prev = None
    G_prev = None
    if m == "ef21-w":
        Li = problem.local_smoothness()
        total = 0.0
        for L in Li:  # worker-id order
            total += L
        wts = Li / total
        s = n * wts

    for r in range(rounds + 1):
        F, G = problem.local(x)  # exact, all workers, at x^r
        f, gns = problem.metrics(F, G)
        if not (math.isfinite(f) and math.isfinite(gns)):
            kept = f"rows 0..{r - 1} kept" if r > 0 else "no rows kept"
            print(f"warning: non-finite metrics at round {r}; trace stops ({kept})",
                  file=sys.stderr)
            return
        P = samples.participants(r)

        def est(ids):
            """ghat_i(x^r) for i in ids: full gradients, or minibatch estimates (r >= 1)."""
            if r == 0 or spec.tau is None:
                return G[ids]
            return np.array([problem.minibatch_grad(i, x, samples.batch(r, i)) for i in ids])

        values = 0  # values sent on the uplink this round, summed over senders (billed)
        if m == "gd":
            x_next = x - gamma * (sum_in_order(est(P)) / len(P))
            values = len(P) * d if r >= 1 else 0
        elif m == "dcgd":
            msg = comp(est(P), P, r)
            x_next = x - gamma * (sum_in_order(msg) / len(P))
            values = len(P) * k
        elif m == "ef":
            if r == 0:
                e_w = np.zeros((n, d))
            p = e_w + gamma * est(P)  # what each worker compresses
            v = comp(p, P, r)
            x_next = x - sum_in_order(v) / n
            e_w = p - v
            values = n * k if r >= 1 else 0
        elif m in ("ef21", "ef21-hb"):
            if r == 0:
                g_w = G.copy()  # g_i^0 = grad f_i(x^0), exact and free
                g = sum_in_order(g_w) / n
                if m == "ef21-hb":
                    v = g.copy()
            else:
                c = comp(est(P) - g_w[P], P, r)
                g_w[P] = g_w[P] + c
                g = g + sum_in_order(c) / n
                values = len(P) * k
                if m == "ef21-hb":
                    v = spec.momentum * v + g
            x_next = x - gamma * (v if m == "ef21-hb" else g)
        elif m == "ef21-plus":
            if r == 0:
                g_w = G.copy()
                g = sum_in_order(g_w) / n
            else:
                H = est(P)
                c = comp(H - g_w, P, r)
                u = g_w + c  # EF21 candidate
                w = comp(H, P, r)  # Markov candidate
                err_u = np.einsum("ij,ij->i", u - H, u - H)
                err_w = np.einsum("ij,ij->i", w - H, w - H)
                markov = err_w < err_u  # strict: ties to EF21
                delta = np.where(markov[:, None], w - g_w, c)
                g_w = np.where(markov[:, None], w, u)
                g = g + sum_in_order(delta) / n
                values = n * k
            x_next = x - gamma * g
        elif m == "ef21-bc":
            if r == 0:
                w_w = G.copy()
                w = sum_in_order(w_w) / n
                g = w.copy()
            else:
                c = comp(est(P) - w_w[P], P, r)
                w_w[P] = w_w[P] + c
                w = w + sum_in_order(c) / n
                g = g + top_k(w - g, spec.k_down)
                values = len(P) * k
            x_next = x - gamma * g
        elif m == "ef21-sgdm":
            if r == 0:
                v_w = G.copy()
                g_w = G.copy()
                g = sum_in_order(g_w) / n
            else:
                eta = spec.momentum
                v_w[P] = (1.0 - eta) * v_w[P] + eta * est(P)
                c = comp(v_w[P] - g_w[P], P, r)
                g_w[P] = g_w[P] + c
                g = g + sum_in_order(c) / n
                values = len(P) * k
            x_next = x - gamma * g
        elif m == "ef21-page":
            if r == 0:
                v_w = G.copy()
                g_w = G.copy()
                g = sum_in_order(g_w) / n
            else:
                if samples.coin(r) == 1:
                    v_w = G.copy()
                else:
                    for i in range(n):
                        B = samples.batch(r, i)
                        v_w[i] = v_w[i] + (problem.minibatch_grad(i, x, B)
                                           - problem.minibatch_grad(i, x_prev, B))
                c = comp(v_w - g_w, P, r)
                g_w = g_w + c
                g = g + sum_in_order(c) / n
                values = n * k
            x_next = x - gamma * g
        elif m == "ef21-w":
            if r == 0:
                g_w = G / s[:, None]
                g = sum_in_order(wts[:, None] * g_w)
            else:
                c = comp(est(P) / s[P, None] - g_w[P], P, r)
                g_w[P] = g_w[P] + c
                g = g + sum_in_order(wts[P, None] * c)
                values = len(P) * k
            x_next = x - gamma * g
        elif m == "diana":
            if r == 0:
                h_w = G.copy()
                h = sum_in_order(h_w) / n
                g = h.copy()
            else:
                Delta = comp(est(P) - h_w, P, r)
                D = sum_in_order(Delta) / n
                g = h + D
                h_w = h_w + spec.shift_rate * Delta
                h = h + spec.shift_rate * D
                values = n * k
            x_next = x - gamma * g
        elif m == "marina":
            if r == 0:
                g = sum_in_order(G) / n
            elif samples.coin(r) == 1:
                g = sum_in_order(G) / n
                values = n * d
            else:
                Delta = comp(G - G_prev, P, r)
                g = g + sum_in_order(Delta) / n
                values = n * k
            G_prev = G
            x_next = x - gamma * g
        else:
            raise ValueError(f"unknown method {m}")

        up += values * VALUE_BITS
        if spec.bits_down and r >= 1:
            if m == "ef21-bc":
                down += n * spec.k_down * VALUE_BITS  # the compressed broadcast, to all
            else:
                down += len(P) * d * VALUE_BITS  # the model x^r, to round r's participants
        yield r, up, down, f, gns
        x_prev, x = x, x_next

    bad = samples.unused()
    if bad:
        msg = (f"{samples.name}: {len(bad)} draw(s) of rounds 0..{rounds} never used by "
               f"{spec.describe()}, first: {'; '.join(bad[:3])}")
        if not allow_unused:
            raise ValueError(msg)
        print(f"warning: {msg}", file=sys.stderr)


def run(problem, method, k, gamma, x0, rounds):
    """The deterministic methods with top-k (the oracle's original interface): yields
    (t, bits_up, f, grad_norm_sq) for t = 0..rounds, bits_up per worker."""
    spec = Spec(method, k=k).resolve(problem)
    for t, up, _, f, gns in simulate(problem, spec, gamma, x0, rounds):
        yield t, up // problem.n, f, gns


def per_worker(total, n):
    """A bit total over workers as the trace's per-worker value (an integer if exact)."""
    return str(total // n) if total % n == 0 else repr(total / n)


# --------------------------------------------------------------------------- CLI


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="LIBSVM file")
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--method", choices=METHODS)
    ap.add_argument("--k", type=int, default=1, help="compressor k (ignored by gd and identity)")
    ap.add_argument("--compressor", choices=COMPRESSORS, default="top-k")
    ap.add_argument("--scaled", action="store_true", help="rand-k: multiply kept values by d/k")
    ap.add_argument("--k-down", type=int, help="ef21-bc: the downlink top-k")
    ap.add_argument("--momentum", type=float, help="ef21-hb (default 0.99), ef21-sgdm (default 0.1)")
    ap.add_argument("--page-probability", type=float, help="ef21-page, marina: P(coin = 1)")
    ap.add_argument("--shift-rate", type=float, help="diana: alpha (default 1/(1+omega))")
    ap.add_argument("--batch", type=int, help="rows per worker per round (rounds >= 1)")
    ap.add_argument("--batch-ratio", type=float, help="tau_i = max(1, floor(m_i * ratio))")
    ap.add_argument("--fraction", type=float, help="participants per round: max(1, floor(n * F))")
    ap.add_argument("--samples", help="samples.jsonl written by ef21sim (the draws to replay)")
    ap.add_argument("--allow-unused-draws", action="store_true",
                    help="warn instead of failing when the samples hold draws the method never uses")
    ap.add_argument("--no-bits-down", action="store_true", help="write bits_down = 0 (the old behaviour)")
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
    k = problem.d if args.method == "gd" or args.compressor == "identity" else args.k
    if not 1 <= k <= problem.d:
        ap.error(f"--k must be in [1, d={problem.d}]")

    spec = None
    if args.method is not None:
        spec = Spec(args.method, compressor=args.compressor, k=k, scaled=args.scaled,
                    k_down=args.k_down, momentum=args.momentum,
                    page_probability=args.page_probability, shift_rate=args.shift_rate,
                    batch=args.batch, batch_ratio=args.batch_ratio, fraction=args.fraction,
                    bits_down=not args.no_bits_down)
        try:
            spec.resolve(problem)
        except ValueError as e:
            ap.error(str(e))

    need_constants = args.print_constants or (args.out is not None and args.stepsize == "theory")
    consts = problem.constants(k) if need_constants else None
    if args.print_constants:
        print(json.dumps(consts, indent=2))
    if args.out is None:
        if not args.print_constants:
            ap.error("nothing to do: give --out and/or --print-constants")
        return 0
    if spec is None or args.x0 is None:
        ap.error("--method and --x0 are required with --out")
    if args.rounds < 0:
        ap.error("--rounds must be >= 0")

    if args.stepsize == "theory":
        if (args.method not in consts["gamma_theory"] or spec.tau is not None
                or spec.n_part != problem.n or args.compressor not in ("top-k", "identity")):
            ap.error(f"no theory stepsize in the oracle for {spec.describe()}: give --stepsize NUMBER")
        gamma = consts["gamma_theory"][args.method] * args.multiplier
    else:
        gamma = float(args.stepsize)
    if spec.needs_samples() and args.samples is None:
        ap.error(f"{spec.describe()} replays random draws: give --samples FILE "
                 f"(written by ef21sim --samples)")
    x0 = read_x0(args.x0, problem.d)
    samples = Samples(args.samples) if args.samples is not None else None

    t1 = time.perf_counter()
    # Overflow on a diverging run is expected: it is reported by simulate(), not by numpy.
    # Rows go to a list first: an input error found mid-run (a missing draw) leaves no file.
    lines = ["round,time_s,bits_up,bits_down,f,grad_norm_sq\n"]
    n = problem.n
    with np.errstate(over="ignore", invalid="ignore"):
        for t, up, down, f, gns in simulate(problem, spec, gamma, x0, args.rounds, samples,
                                            args.allow_unused_draws):
            lines.append(f"{t},0,{per_worker(up, n)},{per_worker(down, n)},{f!r},{gns!r}\n")
    with open(args.out, "w") as fh:
        fh.writelines(lines)
    t2 = time.perf_counter()
    print(f"oracle: {spec.describe()} N={problem.N} d={problem.d} n={problem.n} "
          f"gamma={gamma!r} rounds={args.rounds}: load {t1 - t0:.2f}s, run {t2 - t1:.2f}s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError) as e:  # bad input: a message, not a traceback
        print(f"ef21_reference: error: {e}", file=sys.stderr)
        sys.exit(2)
