#!/usr/bin/python3
"""End-to-end tests of tools/plot on a real run and a real sweep made by the built ef21sim.

usage: plot_test.py EF21SIM TOOLS_PLOT WORKDIR CASE
CASE: curves_run curves_sweep timeline sweep_lines sweep_heatmap sweep_seeds errors
"""
import csv
import os
import shutil
import struct
import subprocess
import sys
import zlib

sys.dont_write_bytecode = True  # importing tools/plotting must not write into the source tree

BINARY, PLOT, WORK, CASE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ROOT = os.path.join(WORK, CASE)
CASES = ("curves_run", "curves_sweep", "timeline", "sweep_lines", "sweep_heatmap", "sweep_seeds", "errors")

SCENARIO = """\
[run]
name = "tiny"
rounds = 60
metrics_every = 5
seed = 1
timeline = true
[run.stop]
grad_norm_sq = 1e-5
[data]
workers = 4
source = "synthetic"
[data.synthetic]
rows = 200
dim = 10
[problem]
kind = "logreg-nonconvex"
lambda = 0.1
[algorithm]
kind = "ef21"
multiplier = 4
[compressor]
kind = "top-k"
k = 2
[network]
uplink = "100 Mbps"
latency = "10 us"
"""
# With 60 rounds, multiplier 1 reaches the target only with k = 5, 4 with both, 16 with neither.
GRID = ["--grid", "algorithm.multiplier=1,4,16", "--grid", "compressor.k=2,5"]


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def sh(cmd, code=0):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if code is not None and proc.returncode != code:
        fail(f"{' '.join(cmd)}: exit {proc.returncode}, expected {code}\nstdout:\n{proc.stdout}\n"
             f"stderr:\n{proc.stderr}")
    return proc


def scenario():
    path = os.path.join(ROOT, "tiny.toml")
    with open(path, "w") as f:
        f.write(SCENARIO)
    return path


def make_run(timeline=True):
    out = os.path.join(ROOT, "run" if timeline else "run-notimeline")
    sh([BINARY, "run", scenario(), "--out", out, "--quiet", "--set", f"run.timeline={str(timeline).lower()}"])
    for name in ("trace.csv", "summary.json") + (("timeline.json",) if timeline else ()):
        expect(os.path.isfile(os.path.join(out, name)), f"ef21sim run wrote no {name}")
    return out


def make_sweep(seeds=None, name="sweep"):
    out = os.path.join(ROOT, name)
    args = [BINARY, "sweep", scenario(), *GRID, "--set", "run.timeline=false", "--out", out, "--jobs", "2", "--quiet"]
    if seeds:
        args += ["--seeds", seeds]
    sh(args)
    with open(os.path.join(out, "sweep.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    reached = [r for r in rows if r["grad_norm_sq_round"]]
    expect(0 < len(reached) < len(rows), f"the fixture sweep should reach the target in some runs only: "
           f"{len(reached)} of {len(rows)}")
    return out


def plot(*args, code=0):
    return sh([PLOT, *args], code)


def hex_rgb(text):
    return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))


def check_png(path, min_size=(300, 200), colors=(), min_distinct=40):
    """A valid, decodable, non-blank PNG; `colors` (#rrggbb) must each cover some pixels."""
    expect(os.path.isfile(path), f"{path} was not written")
    with open(path, "rb") as f:
        data = f.read()
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG signature")
    length, kind = struct.unpack(">I4s", data[8:16])
    expect(kind == b"IHDR" and length == 13, f"{path}: first chunk is not a 13-byte IHDR")
    ihdr = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    expect(zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF == crc, f"{path}: bad IHDR CRC")
    width, height, depth, color_type = struct.unpack(">IIBB", ihdr[:10])
    expect(width >= min_size[0] and height >= min_size[1], f"{path}: {width}x{height} is too small")
    expect(width <= 6000 and height <= 6000, f"{path}: {width}x{height} is absurdly large")
    expect(depth == 8 and color_type in (2, 6), f"{path}: unexpected depth {depth} / colour type {color_type}")
    expect(data[-12:-8] == b"\x00\x00\x00\x00" and data[-8:-4] == b"IEND", f"{path}: no IEND chunk at the end")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import numpy as np

    img = mpimg.imread(path)
    expect(img.shape[:2] == (height, width), f"{path}: decoded shape {img.shape} != IHDR {width}x{height}")
    rgb = np.round(img[:, :, :3] * 255).astype(np.int64)
    flat = rgb.reshape(-1, 3)
    distinct = len(np.unique(flat[:, 0] * 65536 + flat[:, 1] * 256 + flat[:, 2]))
    expect(distinct >= min_distinct, f"{path}: only {distinct} distinct colours: a blank or trivial image")
    expect(float(img[:, :, :3].std()) > 0.05, f"{path}: pixel std {img[:, :, :3].std():.4f}: nearly uniform")
    inked = float((flat.min(axis=1) < 200).mean())
    expect(0.01 < inked < 0.98, f"{path}: {inked:.1%} of the pixels are non-white: blank or saturated")
    for c in colors:
        near = int((np.abs(flat - np.array(hex_rgb(c))).max(axis=1) <= 12).sum())
        expect(near >= 30, f"{path}: colour {c} covers only {near} pixels (its series is missing)")
    return width, height


TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
SPANS = ["#4c72b0", "#dd8452", "#55a868"]  # compute, upload, download in tools/plotting/timeline.py


def out(name):
    return os.path.join(ROOT, name)


def rejects(path, **kwargs):
    """check_png must fail on `path` (the checks are not vacuous)."""
    try:
        with open(os.devnull, "w") as null:
            stdout, sys.stdout = sys.stdout, null
            try:
                check_png(path, **kwargs)
            finally:
                sys.stdout = stdout
    except SystemExit:
        return
    fail(f"check_png accepted {path}")


def case_curves_run():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(5, 4))
    fig.savefig(out("blank.png"), dpi=110)
    rejects(out("blank.png"))
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.set_yscale("log")
    ax.set_xlabel("round")
    fig.savefig(out("empty-axes.png"), dpi=110)
    rejects(out("empty-axes.png"), colors=TAB10[:1])

    run = make_run()
    # the historic usage (no mode word), each x axis, and the explicit mode
    plot(run, "--out", out("all.png"))
    w3, _ = check_png(out("all.png"), colors=TAB10[:1])
    for x in ("bits_up", "time_s", "round"):
        plot(run, "--x", x, "--out", out(f"{x}.png"))
        w1, _ = check_png(out(f"{x}.png"), colors=TAB10[:1])
        expect(w3 > 2 * w1, f"--x all ({w3} px) should be three panels wide, --x {x} is {w1} px")
    p = plot("curves", run, run + "/", "--x", "round", "--labels", "a", "b", "--out", out("two.png"))
    expect("wrote" in p.stdout, "no `plot: wrote` line")
    check_png(out("two.png"), colors=TAB10[:2])


def case_curves_sweep():
    sweep = make_sweep()
    plot("curves", sweep, "--out", out("sweep.png"))
    check_png(out("sweep.png"), colors=TAB10[:6])
    plot(sweep, "--x", "time_s", "--filter", "compressor.k=5", "--out", out("filtered.png"))
    check_png(out("filtered.png"), colors=TAB10[:3])
    # a sweep run plus a plain run, and the filter on a scenario key that the sweep does not vary
    run = make_run()
    plot(sweep, run, "--filter", "problem.kind=logreg-nonconvex", "--x", "bits_up", "--out", out("mixed.png"))
    check_png(out("mixed.png"), colors=TAB10[:7])

    # legends come from the varied keys, not the run names
    sys.path.insert(0, os.path.dirname(os.path.realpath(PLOT)))
    from plotting import curves

    labels = [label for _, label in curves.collect([sweep], [])]
    expect(labels == [f"multiplier={m}, k={k}" for m in (1, 4, 16) for k in (2, 5)], f"sweep legend {labels}")
    labels = [label for _, label in curves.collect([sweep], [("algorithm.multiplier", "4.0")])]
    expect(labels == ["k=2", "k=5"], f"filtered sweep legend {labels} (a fixed key is not repeated)")
    runs = [os.path.join(sweep, n) for n in ("algorithm.multiplier-1_compressor.k-5", "algorithm.multiplier-4_compressor.k-5")]
    labels = [label for _, label in curves.collect(runs, [])]
    expect(labels == ["multiplier=1", "multiplier=4"], f"runs with the same name are told apart by keys: {labels}")


def case_timeline():
    run = make_run()
    plot("timeline", run, "--out", out("timeline.png"))
    check_png(out("timeline.png"), colors=SPANS[1:])  # compute spans are a few pixels wide
    plot("timeline", run, "--rounds", "3..5", "--out", out("rounds.png"))
    check_png(out("rounds.png"), colors=SPANS[1:])
    plot("timeline", run, "--rounds", "0..0", "--out", out("one.png"))
    check_png(out("one.png"), colors=SPANS)  # one round: compute is wide enough to see


def case_sweep_lines():
    sweep = make_sweep()
    for metric in ("time", "bits", "rounds"):
        plot("sweep", sweep, "--x", "algorithm.multiplier", "--lines", "compressor.k", "--metric", metric,
             "--out", out(f"lines-{metric}.png"))
        check_png(out(f"lines-{metric}.png"), colors=TAB10[:2])
    # --lines defaults to the only other varied key; the other orientation; an explicit target
    plot("sweep", sweep, "--x", "compressor.k", "--target", "grad_norm_sq", "--out", out("lines-k.png"))
    check_png(out("lines-k.png"), colors=TAB10[:3])
    plot("sweep", sweep, "--x", "algorithm.multiplier", "--filter", "compressor.k=5", "--out", out("one-line.png"))
    check_png(out("one-line.png"), colors=TAB10[:1])


def case_sweep_heatmap():
    sweep = make_sweep()
    for metric in ("time", "bits", "rounds"):
        plot("sweep", sweep, "--x", "algorithm.multiplier", "--lines", "compressor.k", "--heatmap",
             "--metric", metric, "--out", out(f"heat-{metric}.png"))
        # unreached cells are hatched on light grey (0.9 -> #e6e6e6)
        check_png(out(f"heat-{metric}.png"), colors=["#e6e6e6"])


def case_sweep_seeds():
    sweep = make_sweep(seeds="1..2")
    plot("sweep", sweep, "--x", "algorithm.multiplier", "--lines", "compressor.k", "--out", out("seeds.png"))
    check_png(out("seeds.png"), colors=TAB10[:2])
    plot("sweep", sweep, "--x", "compressor.k", "--lines", "algorithm.multiplier", "--heatmap", "--out",
         out("seeds-heat.png"))
    check_png(out("seeds-heat.png"), colors=["#e6e6e6"])
    plot("curves", sweep, "--filter", "seed=2", "--out", out("seed2.png"))
    check_png(out("seed2.png"), colors=TAB10[:6])


def case_errors():
    run = make_run()
    bare = make_run(timeline=False)
    sweep = make_sweep()
    empty = out("empty")
    os.makedirs(empty, exist_ok=True)
    target = out("never.png")
    bad = [
        (["curves", out("missing")], "no such directory"),
        ([out("missing")], "no such directory"),
        ([empty], "neither a run directory"),
        (["curves", os.path.join(ROOT, "tiny.toml")], "not a directory"),
        (["timeline", bare], "run.timeline = true"),
        (["timeline", sweep], "sweep directory"),
        (["timeline", run, "--rounds", "5000..6000"], "no spans"),
        (["timeline", run, "--rounds", "x..y"], "A..B"),
        (["sweep", run, "--x", "compressor.k"], "not a sweep directory"),
        (["sweep", empty, "--x", "compressor.k"], "neither a run directory"),
        (["sweep", sweep, "--x", "compressor.kk"], "unknown --x key `compressor.kk`"),
        (["sweep", sweep, "--x", "compressor.k", "--lines", "nope"], "unknown --lines key `nope`"),
        (["sweep", sweep, "--x", "compressor.k", "--lines", "compressor.k"], "same key"),
        (["sweep", sweep, "--x", "compressor.k", "--target", "bits_up"], "unknown target"),
        (["sweep", sweep, "--x", "compressor.k", "--filter", "nope=1"], "unknown --filter key `nope`"),
        (["sweep", sweep, "--x", "compressor.k", "--metric", "joules"], "invalid choice"),
        (["sweep", sweep], "--x"),
        (["curves", sweep, "--filter", "nope=1"], "unknown key `nope`"),
        (["curves", sweep, "--filter", "compressor.k=7"], "no run left"),
        (["curves", sweep, "--filter", "compressor.k"], "KEY=VALUE"),
        ([run, "--x", "flops"], "invalid choice"),
        ([run, run, "--labels", "only-one"], "one label per"),
        ([run, "--out", os.path.join(ROOT, "no", "such", "dir", "x.png")], "does not exist"),
        ([run, "--out", out("x.pdf")], ".png"),
        ([], "Usage"),
    ]
    for args, needle in bad:
        cmd = args + (["--out", target] if args and "--out" not in args else [])
        p = plot(*cmd, code=2)
        expect(needle in p.stderr, f"tools/plot {' '.join(cmd)}: stderr lacks {needle!r}:\n{p.stderr}")
        expect("Traceback" not in p.stderr, f"tools/plot {' '.join(cmd)}: a traceback:\n{p.stderr}")
        expect(not os.path.exists(target), f"tools/plot {' '.join(cmd)} wrote {target}")
    p = plot("--help")
    expect("timeline" in p.stdout and "sweep" in p.stdout, "--help lists the modes")
    for mode in ("curves", "timeline", "sweep"):
        expect("usage" in plot(mode, "--help").stdout, f"{mode} --help")


def main():
    if CASE not in CASES:
        fail(f"unknown case {CASE}; cases: {' '.join(CASES)}")
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(ROOT)
    globals()["case_" + CASE]()
    print("PASS", CASE)


if __name__ == "__main__":
    main()
