#!/usr/bin/env python3
"""ef21sim benchmarks: tables of ratios against references measured in the same run.

    python3 tools/bench/run.py [math|scale|clients|large|network|all] [--build DIR] [--repeats N] [--quick]

  math     per-round cost of EF21 (Top-1, n = 20) in the real models::Federation on a9a, w8a
           and a dense synthetic 20000x300 set, with --threads 1 and 2, against (i) a
           vectorized numpy implementation of the same equations (tools/bench/math/numpy_ref.py,
           dense float64, Debian's /usr/bin/python3) and (ii) the memory floor: bytes of data
           one round reads / the copy bandwidth (bytes read + written per second) that
           tools/bench/math/copy_bench.cpp measures on this machine. Both sides compute
           ||grad f||^2 every round and f every 10th round (a run with metrics_every = 10, as
           every shipped scenario).
  scale    `ef21sim run tools/bench/scale/scale.toml` at n = 1 000, 10 000, 100 000 workers
           (d = 1000, 10 sparse rows per worker, star with a shared server link): wall time and
           peak RSS of the 100-round run at the largest n, time per round at every n, and the
           math alone (Federation, no simulator) per round for comparison.
  clients  `ef21sim run tools/bench/clients/clients.toml`: EF21 with 1 000 participants a round out
           of 10^4, 10^5, 10^6 clients (d = 1000, run.evaluate = "trace-rows"): wall time and peak
           RSS of the 1000-round run, and the time per round (the run's own clock of its steady
           rounds, summary.json host.ms_per_round), which must not grow with the population.
  large    scenarios/large/synthetic-200k.toml and news20-sized.toml: setup, whole-run wall time,
           time per round (the run's own clock, summary.json host.ms_per_round; as shipped, with
           run.evaluate = "trace-rows", and with "every-round") and peak RSS, against the memory
           floor (one pass over the data and the workers' d-vectors at the copy bandwidth of
           copy_bench.cpp).
  network  tools/bench/network/ (written separately), if present.

The build directory (default: build, or $EF21SIM_BUILD) is brought up to date first
(targets ef21sim, ef21_bench_math, ef21_bench_copy) unless --no-build. Every figure is the
median over --repeats independent processes; the two configurations being compared are
run alternately so that load from other processes hits both alike.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tools" / "bench"
DATA = ROOT.parent / "shared" / "data" / "libsvm"
NUMPY_PYTHON = "/usr/bin/python3"  # Debian's python3-numpy


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_child(cmd, env=None, timeout=None):
    """Runs cmd; returns (stdout, wall seconds, peak RSS in MiB of that child alone)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, time.perf_counter() - start, None
    wall = time.perf_counter() - start
    # communicate() reaped the child; its rusage is folded into RUSAGE_CHILDREN, which keeps
    # the maximum over children. Callers that need one child's peak use run_timed below.
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{err}")
    return out, wall, None


def run_timed(cmd, timeout=None):
    """Runs cmd with its own wait4 rusage: (wall seconds, peak RSS MiB, stderr) or (None, ...) on timeout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            return None, None, "timeout"
        time.sleep(0.02)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({code}):\n{err}")
    return wall, usage.ru_maxrss / 1024.0, err


def build(build_dir, targets):
    if not (build_dir / "CMakeCache.txt").exists():
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release"], check=True)
    subprocess.run(["cmake", "--build", str(build_dir), "-j2", "--target", *targets], check=True,
                   stdout=subprocess.DEVNULL)


def numpy_env():
    env = dict(os.environ)
    # Some processors set these for OpenBLAS; they slow numpy down. Unset for the reference only.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def med(values):
    return statistics.median(values)


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).rjust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join([line, sep, *body])


# ----------------------------------------------------------------------------------------- math

def math_bench(args, build_dir):
    exe = build_dir / "tools" / "bench" / "math" / "ef21_bench_math"
    copy = build_dir / "tools" / "bench" / "math" / "ef21_bench_copy"
    rounds = "10" if args.quick else "20"
    reps = "3" if args.quick else "5"
    datasets = [
        ("a9a", ["--data", str(DATA / "a9a")], ["--data", str(DATA / "a9a")]),
        ("w8a", ["--data", str(DATA / "w8a")], ["--data", str(DATA / "w8a")]),
        ("synthetic 20000x300 dense", ["--data", "synthetic", "--rows", "20000", "--dim", "300", "--density", "1"], None),
    ]
    tmp = Path(tempfile.mkdtemp(prefix="ef21-bench-math-"))
    try:
        copies = []
        for _ in range(args.repeats):
            out, _, _ = run_child([str(copy)])
            copies.append(json.loads(out))
        copy_gbs = med([c["copy_gbs"] for c in copies])
        log(f"copy bandwidth (read + written): {copy_gbs:.2f} GB/s")
        rows = []
        blas = None
        common = ["--workers", "20", "--k", "1", "--rounds", rounds, "--repeats", reps, "--warmup", "3"]
        for name, cxx_args, np_args in datasets:
            if np_args is None:
                dense = tmp / "synthetic.bin"
                run_child([str(exe), *cxx_args, "--workers", "20", "--dump-dense", str(dense)])
                np_args = ["--dense", str(dense)]
            # This machine's speed drifts between slow and fast spells of several seconds (a
            # virtual machine on shared hosts). So every repeat measures all four things back to
            # back (the copy bandwidth too), in alternating order, and the ratios are taken within
            # a repeat: the table gives their median over the repeats, the log every repeat's.
            runs = {1: [], 2: [], "numpy": [], "copy": []}
            ratios = {"numpy/1t": [], "numpy/2t": [], "1t/floor": [], "1t/2t": []}
            for rep in range(args.repeats):
                order = ["copy", 1, 2, "numpy"] if rep % 2 == 0 else ["numpy", 2, 1, "copy"]
                for what in order:
                    if what == "numpy":
                        out, _, _ = run_child([NUMPY_PYTHON, str(BENCH / "math" / "numpy_ref.py"), *np_args, *common],
                                              env=numpy_env())
                    elif what == "copy":
                        out, _, _ = run_child([str(copy)])
                    else:
                        out, _, _ = run_child([str(exe), *cxx_args, *common, "--threads", str(what)])
                    runs[what].append(json.loads(out))
                one_ms, two_ms = runs[1][-1]["median_ms"], runs[2][-1]["median_ms"]
                np_ms = runs["numpy"][-1]["median_ms"]
                floor_rep = runs[1][-1]["data_bytes"] / (runs["copy"][-1]["copy_gbs"] * 1e9) * 1e3
                ratios["numpy/1t"].append(np_ms / one_ms)
                ratios["numpy/2t"].append(np_ms / two_ms)
                ratios["1t/floor"].append(one_ms / floor_rep)
                ratios["1t/2t"].append(one_ms / two_ms)
                log(f"math {name}: repeat {rep + 1}/{args.repeats}: 1t {one_ms:.3f} ms, 2t {two_ms:.3f} ms, "
                    f"numpy {np_ms:.3f} ms, copy {runs['copy'][-1]['copy_gbs']:.2f} GB/s -> "
                    + ", ".join(f"{k} {v[-1]:.2f}" for k, v in ratios.items()))
            blas = runs["numpy"][0]["blas"]
            one = med([r["median_ms"] for r in runs[1]])
            two = med([r["median_ms"] for r in runs[2]])
            ref = med([r["median_ms"] for r in runs["numpy"]])
            info = runs[1][0]
            floor_ms = info["data_bytes"] / (med([c["copy_gbs"] for c in runs["copy"]]) * 1e9) * 1e3
            f_cxx, f_np = runs[1][0]["f"], runs["numpy"][0]["f"]
            rel = abs(f_cxx - f_np) / max(abs(f_np), 1e-300)

            def spread(key, unit):
                values = ratios[key]
                return f"{med(values):.2f}{unit} ({min(values):.2f}-{max(values):.2f})"

            rows.append([name, f"{info['rows']}x{info['dim']}", info["nnz"], f"{info['data_bytes'] / 1e6:.1f}",
                         f"{floor_ms:.3f}", f"{one:.3f}", f"{two:.3f}", f"{ref:.3f}", spread("numpy/1t", "x"),
                         spread("numpy/2t", "x"), spread("1t/floor", ""), spread("1t/2t", "x"), f"{rel:.0e}"])
            split = med([r["compute_ms"] for r in runs[1]]), med([r["metrics_ms"] for r in runs[1]]), \
                med([r["aggregate_ms"] for r in runs[1]])
            log(f"math {name}: threads 1 split: workers {split[0]:.3f} ms, metrics {split[1]:.3f} ms, "
                f"server {split[2]:.3f} ms")
        print("\n## math: EF21, Top-1, n = 20, ms per round (median of "
              f"{args.repeats} processes x {reps} blocks of {rounds} rounds; ||grad f||^2 every round, "
              "f every 10th, as a run with metrics_every = 10). Ratios: median (min-max) over the "
              f"{args.repeats} repeats of the ratio within a repeat\n")
        print(table(["data", "N x d", "stored values", "data MB/round", "floor ms", "C++ 1t ms", "C++ 2t ms",
                     "numpy ms", "numpy/C++1t", "numpy/C++2t", "C++1t/floor", "1t/2t", "|f diff|/f"], rows))
        print(f"\nfloor = bytes of data read per round (CSR: 12 B per stored value, 4 B when every stored value "
              f"is 1.0 as in a9a and w8a, + row pointers + labels; "
              f"dense: 8 B per value + labels) / copy bandwidth (memcpy of 2 x 512 MiB, bytes read + bytes "
              f"written per second, best of 7; measured in every repeat, {copy_gbs:.2f} GB/s before the "
              f"first; the floor ms column uses the median).")
        kernel = blas.get("kernel") if blas else None
        print(f"numpy {runs['numpy'][0]['numpy']}, BLAS: {blas.get('library', '?')}"
              f"{', kernel ' + kernel if kernel else ''}"
              f"{', ' + str(blas.get('threads')) + ' threads' if blas.get('threads') else ''}"
              f" (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for numpy)")
        if blas.get("config"):
            print(f"OpenBLAS config: {blas['config']}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------- scale

def scale_bench(args, build_dir):
    ef21sim = build_dir / "tools" / "ef21sim"
    exe = build_dir / "tools" / "bench" / "math" / "ef21_bench_math"
    scenario = BENCH / "scale" / "scale.toml"
    sizes = [int(s) for s in args.workers.split(",")]
    short, full = 10, 100
    tmp = Path(tempfile.mkdtemp(prefix="ef21-bench-scale-"))
    rows = []
    try:
        for n in sizes:
            res = {}
            for rounds in (short, full):
                walls, peaks = [], []
                for rep in range(args.scale_repeats):
                    out_dir = tmp / f"n{n}-r{rounds}-{rep}"
                    cmd = [str(ef21sim), "run", str(scenario), "--set", f"data.workers={n}",
                           "--set", f"data.synthetic.rows={10 * n}", "--set", f"run.rounds={rounds}",
                           "--threads", str(args.threads), "--out", str(out_dir), "--quiet"]
                    wall, peak, err = run_timed(cmd, timeout=args.timeout)
                    shutil.rmtree(out_dir, ignore_errors=True)
                    if wall is None:
                        log(f"scale n={n} rounds={rounds}: timed out after {args.timeout} s")
                        break
                    walls.append(wall)
                    peaks.append(peak)
                    log(f"scale n={n} rounds={rounds}: {wall:.2f} s, peak RSS {peak:.0f} MiB")
                res[rounds] = (med(walls), max(peaks)) if walls else (None, None)
            # The math alone: the Federation's rounds on the same data (no simulator, no network).
            math_ms = []
            for rep in range(args.scale_repeats):
                out, _, _ = run_child([str(exe), "--data", "synthetic", "--rows", str(10 * n), "--dim", "1000",
                                       "--density", "0.01", "--workers", str(n), "--k", "1", "--rounds", "5",
                                       "--repeats", "3", "--warmup", "1", "--threads", str(args.threads)],
                                      timeout=args.timeout)
                math_ms.append(json.loads(out)["median_ms"])
            w_short, _ = res[short]
            w_full, peak_full = res[full]
            per_round = (w_full - w_short) / (full - short) * 1e3 if w_full and w_short else None
            rows.append([n, f"{w_full:.2f}" if w_full else "timeout", f"{peak_full:.0f}" if peak_full else "-",
                         f"{per_round:.2f}" if per_round else "-", f"{med(math_ms):.2f}",
                         f"{per_round / n * 1e3:.2f}" if per_round else "-"])
        print(f"\n## scale: EF21 Top-1, d = 1000, 10 rows per worker (density 1%), star with a shared "
              f"server link, --threads {args.threads} (median of {args.scale_repeats})\n")
        print(table(["workers", f"wall s ({full} rounds)", "peak RSS MiB", "ms/round (sim)",
                     "ms/round (math only)", "us/round/worker"], rows))
        print(f"\nms/round (sim) = (wall of {full} rounds - wall of {short} rounds) / {full - short}, whole "
              f"`ef21sim run` processes (setup cancels); math only = ef21_bench_math (Federation rounds, "
              f"no event loop or network) on the same data.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -------------------------------------------------------------------------------------- clients

def clients_bench(args, build_dir):
    """Cross-device EF21: 1 000 participants a round out of 10^4 .. 10^6 clients."""
    ef21sim = build_dir / "tools" / "ef21sim"
    scenario = BENCH / "clients" / "clients.toml"
    sizes = [int(s) for s in args.clients.split(",")]
    rounds = args.clients_rounds
    tmp = Path(tempfile.mkdtemp(prefix="ef21-bench-clients-"))
    runs = {n: [] for n in sizes}  # n -> [(wall s, peak MiB, ms per round, CPU ms per round)]
    try:
        # Sizes alternate within each repeat, so that load from other processes hits all alike.
        for repeat in range(args.clients_repeats):
            for n in sizes:
                out_dir = tmp / f"n{n}-{repeat}"
                # Rows only at round 0 and the last round: the rounds in between cost their
                # participants only (run.evaluate = "trace-rows").
                cmd = [str(ef21sim), "run", str(scenario), "--set", f"data.workers={n}",
                       "--set", f"data.synthetic.rows={2 * n}", "--set", f"run.rounds={rounds}",
                       "--set", f"run.metrics_every={rounds}", "--threads", str(args.threads),
                       "--out", str(out_dir), "--quiet"]
                wall, peak, _ = run_timed(cmd, timeout=args.timeout)
                # The run's own clock of its steady rounds (summary.json host.ms_per_round: rounds
                # 1 .. T-1, without setup, round 0, where every client sends g_i^0, and the final
                # evaluation over all clients, each O(n) and noisy under load at 10^6).
                host = json.loads((out_dir / "summary.json").read_text())["host"]
                shutil.rmtree(out_dir, ignore_errors=True)
                per_round, cpu_per_round = host["ms_per_round"], host["cpu_ms_per_round"]
                log(f"clients n={n} rounds={rounds} repeat {repeat + 1}: {wall:.2f} s, peak RSS {peak:.0f} MiB, "
                    f"{per_round:.2f} ms per round ({cpu_per_round:.2f} ms CPU)")
                runs[n].append((wall, peak, per_round, cpu_per_round))
        rows = []
        for n in sizes:
            walls, peaks, per_rounds, cpu_per_rounds = zip(*runs[n])
            rows.append((n, statistics.median(walls), max(peaks), statistics.median(per_rounds),
                         min(per_rounds), max(per_rounds), statistics.median(cpu_per_rounds)))
        base, cpu_base = rows[0][3], rows[0][6]
        print(f"\n## clients: EF21 Top-10, d = 1000, 2 sparse rows a client, 1 000 clients a round "
              f"(participation.clients), run.evaluate = \"trace-rows\", --threads {args.threads}\n")
        print(table(["clients", f"wall s ({rounds} rounds)", "peak RSS MiB", "ms per round", "min - max",
                     "vs smallest", "CPU ms per round", "CPU vs smallest"],
                    [[n, f"{w:.1f}", f"{p:.0f}", f"{r:.2f}", f"{lo:.2f} - {hi:.2f}", f"{r / base:.2f}x",
                      f"{c:.2f}", f"{c / cpu_base:.2f}x"]
                     for n, w, p, r, lo, hi, c in rows]))
        print(f"\nMedians over {args.clients_repeats} processes per size (sizes alternating). ms per round: "
              f"the run's own wall clock of rounds 1 .. {rounds - 1} (summary.json host.ms_per_round), "
              f"without setup, round 0 (every client sends g_i^0) and the final evaluation over all "
              f"clients; CPU ms: the same rounds' CPU time, all threads (host.cpu_ms_per_round), which "
              f"other jobs' load inflates much less than the wall time.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------- large

def large_bench(args, build_dir):
    """Large d: scenarios/large/*.toml, setup, per-round time and peak memory against the floor."""
    ef21sim = build_dir / "tools" / "ef21sim"
    copy = build_dir / "tools" / "bench" / "math" / "ef21_bench_copy"
    out, _, _ = run_child([str(copy), "--mib", "512", "--repeats", "5"])
    copy_gbs = json.loads(out)["copy_gbs"]
    tmp = Path(tempfile.mkdtemp(prefix="ef21-bench-large-"))
    rows = []

    def run(scenario, out_dir, *sets):
        cmd = [str(ef21sim), "run", str(scenario), "--threads", str(args.threads), "--out", str(out_dir), "--quiet"]
        for s in sets:
            cmd += ["--set", s]
        wall, peak, _ = run_timed(cmd, timeout=args.timeout)
        host = json.loads((out_dir / "summary.json").read_text())["host"] if wall is not None else {}
        shutil.rmtree(out_dir, ignore_errors=True)
        return wall, peak, host

    try:
        for name, (n_rows, dim, nnz_row, workers) in {"synthetic-200k": (20000, 200000, 30, 20),
                                                      "news20-sized": (20000, 1350000, 450, 20)}.items():
            scenario = ROOT / "scenarios" / "large" / f"{name}.toml"
            # Setup and round 0: a one-round run. The time per round: the run's own clock of its
            # steady rounds (summary.json host.ms_per_round), as shipped (run.evaluate =
            # "trace-rows") and with the whole objective's gradient summed every round.
            setup, _, _ = run(scenario, tmp / f"{name}-setup", "run.rounds=1")
            wall, peak, host = run(scenario, tmp / f"{name}-run")
            _, _, every = run(scenario, tmp / f"{name}-every", 'run.evaluate="every-round"')
            log(f"large {name}: setup {setup:.2f} s, run {wall:.2f} s, peak RSS {peak:.0f} MiB, "
                f"{host['ms_per_round']:.2f} ms a round ({every['ms_per_round']:.2f} every-round)")
            # The floor: one pass over the data (8 + 4 bytes a stored value, 4 a row start) and
            # one read of every worker's d-vector, at the measured copy bandwidth.
            floor_bytes = n_rows * nnz_row * 12 + n_rows * 4 + workers * dim * 8
            floor_ms = floor_bytes / (copy_gbs * 1e9) * 1e3
            rows.append([name, f"{setup:.1f}", f"{wall:.1f}", f"{host['ms_per_round']:.1f}",
                         f"{host['cpu_ms_per_round']:.1f}", f"{every['ms_per_round']:.1f}", f"{floor_ms:.2f}",
                         f"{host['ms_per_round'] / floor_ms:.1f}x", f"{every['ms_per_round'] / floor_ms:.1f}x",
                         f"{peak:.0f}"])
        print(f"\n## large d: EF21 on scenarios/large/, --threads {args.threads}; copy bandwidth "
              f"{copy_gbs:.1f} GB/s (read + written)\n")
        print(table(["scenario", "setup + round 0, s", "whole run, s", "ms per round", "CPU ms per round",
                     "ms per round, every-round", "floor ms", "per round / floor", "every-round / floor",
                     "peak RSS MiB"], rows))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -------------------------------------------------------------------------------------- network

def network_bench(args, build_dir):
    net = BENCH / "network"
    for runner in (net / "run.py", net / "run.sh"):
        if runner.exists():
            cmd = [sys.executable, str(runner)] if runner.suffix == ".py" else ["bash", str(runner)]
            env = dict(os.environ, EF21SIM_BUILD=str(build_dir))
            subprocess.run(cmd + args.network_args, check=True, env=env)
            return
    print("\n## network: tools/bench/network/ has no run.py or run.sh yet; skipped")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", default="all", choices=["math", "scale", "clients", "large", "network", "all"])
    ap.add_argument("--build", default=os.environ.get("EF21SIM_BUILD", str(ROOT / "build")),
                    help="CMake build directory (default: build or $EF21SIM_BUILD)")
    ap.add_argument("--no-build", action="store_true", help="do not bring the build up to date first")
    ap.add_argument("--repeats", type=int, default=5, help="math: processes per configuration (median)")
    ap.add_argument("--scale-repeats", type=int, default=1, help="scale: processes per configuration (median)")
    ap.add_argument("--workers", default="1000,10000,100000", help="scale: worker counts")
    ap.add_argument("--threads", type=int, default=2, help="scale: --threads of ef21sim")
    ap.add_argument("--timeout", type=float, default=1800, help="scale: seconds before a run is abandoned")
    ap.add_argument("--quick", action="store_true", help="fewer rounds per timing block")
    ap.add_argument("--clients", default="10000,100000,1000000", help="clients: population sizes")
    ap.add_argument("--clients-rounds", type=int, default=1000, help="clients: rounds of each run")
    ap.add_argument("--clients-repeats", type=int, default=3, help="clients: processes per size (median)")
    args, rest = ap.parse_known_args()
    args.network_args = rest  # anything else goes to tools/bench/network/run.sh
    build_dir = Path(args.build).resolve()
    if not args.no_build:
        targets = ["ef21sim", "ef21_bench_math", "ef21_bench_copy"]
        build(build_dir, targets)
    if args.what in ("math", "all"):
        math_bench(args, build_dir)
    if args.what in ("scale", "all"):
        scale_bench(args, build_dir)
    if args.what in ("clients", "all"):
        clients_bench(args, build_dir)
    if args.what in ("large", "all"):
        large_bench(args, build_dir)
    if args.what in ("network", "all"):
        network_bench(args, build_dir)


if __name__ == "__main__":
    main()
