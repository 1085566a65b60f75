#!/usr/bin/python3
"""End-to-end tests of tools/plot on a real run and a real sweep made by the built ef21sim.

usage: plot_test.py EF21SIM TOOLS_PLOT WORKDIR CASE
CASE: curves_run curves_sweep timeline sweep_lines sweep_heatmap sweep_seeds errors
      curves_best curves_target_logx curves_theory sweep_min_over out_checks
"""
import argparse
import csv
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

sys.dont_write_bytecode = True  # importing tools/plotting must not write into the source tree

BINARY, PLOT, WORK, CASE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ROOT = os.path.join(WORK, CASE)
CASES = ("curves_run", "curves_sweep", "timeline", "sweep_lines", "sweep_heatmap", "sweep_seeds", "errors",
         "curves_best", "curves_target_logx", "curves_theory", "sweep_min_over", "out_checks")

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


def make_run(timeline=True, name=None, sets=()):
    out = os.path.join(ROOT, name or ("run" if timeline else "run-notimeline"))
    extra = [a for s in sets for a in ("--set", s)]
    sh([BINARY, "run", scenario(), "--out", out, "--quiet", "--set", f"run.timeline={str(timeline).lower()}", *extra])
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


# ---- issue 12: --best, --logx, the stop-target line, --theory, --min-over, --out checks ----

def plotting_modules():
    sys.path.insert(0, os.path.dirname(os.path.realpath(PLOT)))
    import matplotlib

    matplotlib.use("Agg")
    from plotting import common, curves, sweep

    return common, curves, sweep


def draw(mode, *args):
    """Runs a plot mode in this process and returns its figure (to inspect what was drawn)."""
    import matplotlib.pyplot as plt

    common, curves, sweep = plotting_modules()
    module = {"curves": curves, "sweep": sweep}[mode]
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    plt.close("all")
    with open(os.devnull, "w") as null:
        stdout, sys.stdout = sys.stdout, null
        try:
            module.main(parser.parse_args(list(args)))
        finally:
            sys.stdout = stdout
    return plt.gcf()


def legend_texts(fig):
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
    return [t.get_text() for lg in legends for t in lg.get_texts()]


def table_rows(sweep_dir):
    with open(os.path.join(sweep_dir, "sweep.csv"), newline="") as f:
        return list(csv.DictReader(f))


def naive_best(rows, group_key, cost, tie):
    """`ef21sim best` by hand: per group, the least (cost, tie) among rows that reached the target."""
    out = {}
    for r in rows:
        if r["status"] == "error" or not r.get(cost):
            continue
        g = r[group_key]
        key = (float(r[cost]), float(r[tie]) if r.get(tie) else 0.0)
        if g not in out or key < out[g][0]:
            out[g] = (key, r["run"])
    return {g: run for g, (_, run) in out.items()}


def case_curves_best():
    sweep_dir = make_sweep()
    _, curves, _ = plotting_modules()
    rows = table_rows(sweep_dir)
    for by, cost, tie in (("bits", "_bits_up", "_time_s"), ("time", "_time_s", "_bits_up"),
                          ("rounds", "_round", "_time_s")):
        expected = naive_best(rows, "compressor.k", "grad_norm_sq" + cost, "grad_norm_sq" + tie)
        expect(set(expected) == {"2", "5"}, f"the fixture reaches the target for both k: {expected}")
        got = curves.collect([sweep_dir], [], best=True, by=by)
        runs = sorted(os.path.basename(r.path) for r, _ in got)
        expect(runs == sorted(expected.values()), f"--best --by {by}: drew {runs}, expected {sorted(expected.values())}")
        labels = [label for _, label in got]
        expect(all("k=" in lab for lab in labels) and len(set(labels)) == 2, f"--best labels {labels}")
        plot("curves", sweep_dir, "--best", "--by", by, "--out", out(f"best-{by}.png"))
        check_png(out(f"best-{by}.png"), colors=TAB10[:2])
    # Legends show only what varies: one group left (k fixed) -> no "k=" in the label.
    got = curves.collect([sweep_dir], [("compressor.k", "5")], best=True)
    expect(len(got) == 1 and "k=" not in got[0][1], f"one best run, nothing varies: {got[0][1]!r}")

    # Extra columns are ignored and missing bytes columns only matter to --by bytes.
    trimmed = os.path.join(ROOT, "trimmed")
    shutil.copytree(sweep_dir, trimmed)
    with open(os.path.join(trimmed, "sweep.csv"), newline="") as f:
        reader = csv.DictReader(f)
        columns = [c for c in reader.fieldnames if "bytes" not in c] + ["extra_column"]
        kept = [dict({c: r[c] for c in columns if c in r}, extra_column="x") for r in reader]
    with open(os.path.join(trimmed, "sweep.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(kept)
    plot("curves", trimmed, "--best", "--out", out("trimmed.png"))
    check_png(out("trimmed.png"), colors=TAB10[:2])
    p = plot("curves", trimmed, "--best", "--by", "bytes", "--out", out("never.png"), code=2)
    expect("grad_norm_sq_bytes_total" in p.stderr and "Traceback" not in p.stderr, f"--by bytes: {p.stderr}")
    if "grad_norm_sq_bytes_total" in rows[0]:  # tables with wire bytes (ef21sim sweep writes them)
        expected = naive_best(rows, "compressor.k", "grad_norm_sq_bytes_total", "grad_norm_sq_time_s")
        got = sorted(os.path.basename(r.path) for r, _ in curves.collect([sweep_dir], [], best=True, by="bytes"))
        expect(got == sorted(expected.values()), f"--best --by bytes: {got}")

    # Runs given one by one: grouped by what differs besides the multiplier, ranked from summary.json.
    plain = [make_run(timeline=False, name=f"plain-m{m}", sets=[f"algorithm.multiplier={m}"]) for m in (1, 4, 6, 8, 16)]
    summary_rows = []
    for d in plain:
        with open(os.path.join(d, "summary.json")) as f:
            summary = json.load(f)
        hit = [t for t in summary["targets"] if t["target"] == "grad_norm_sq"][0]
        summary_rows.append({"run": os.path.basename(d), "status": summary["status"], "group": "all",
                             "bits": "" if hit["bits_up"] is None else str(hit["bits_up"]),
                             "time": "" if hit["time_s"] is None else str(hit["time_s"])})
    expected = naive_best(summary_rows, "group", "bits", "time")["all"]
    got = curves.collect(plain, [], best=True, by="bits")
    expect([os.path.basename(r.path) for r, _ in got] == [expected], f"--best over plain runs: {got}, expected {expected}")
    expect(sum(1 for r in summary_rows if r["bits"]) >= 2, f"the plain runs should offer a choice: {summary_rows}")


def case_curves_target_logx():
    run = make_run()
    fig = draw("curves", run, "--x", "all", "--out", out("target.png"))
    for ax in fig.axes:
        dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--" and list(ln.get_ydata()) == [1e-5, 1e-5]]
        expect(len(dashed) == 1, f"one dashed line at the stop target 1e-5 per panel, got {len(dashed)}")
    expect(any("stop target" in t for t in legend_texts(fig)), f"legend {legend_texts(fig)}")
    fig = draw("curves", run, "--logx", "--out", out("logx.png"))
    expect(all(ax.get_xscale() == "log" for ax in fig.axes), "--logx: every panel on a log x axis")
    xs = [x for ax in fig.axes for ln in ax.lines if ln.get_linestyle() == "-" for x in ln.get_xdata()]
    expect(xs and min(xs) > 0, "--logx leaves out x = 0")
    plot(run, "--logx", "--out", out("logx-cli.png"))
    check_png(out("logx-cli.png"), colors=TAB10[:1])
    # A relative target is drawn at value * ||grad f(x^0)||^2.
    rel = make_run(timeline=False, name="relative", sets=["run.stop={grad_norm_sq_relative=1e-3}"])
    with open(os.path.join(rel, "trace.csv")) as f:
        g0 = float(list(csv.DictReader(f))[0]["grad_norm_sq"])
    fig = draw("curves", rel, "--x", "round", "--out", out("rel.png"))
    ys = [ln.get_ydata()[0] for ln in fig.axes[0].lines if ln.get_linestyle() == "--"]
    expect(len(ys) == 1 and abs(ys[0] - 1e-3 * g0) <= 1e-12 * g0, f"relative target line {ys}, expected {1e-3 * g0}")


def case_curves_theory():
    within = make_run(timeline=False, name="theory-m1", sets=["algorithm.multiplier=1", "run.record_running_mean=true",
                                                             "run.stop={}"])
    above = make_run(timeline=False, name="theory-m4", sets=["algorithm.multiplier=4", "run.record_running_mean=true"])
    every = make_run(timeline=False, name="theory-every", sets=["algorithm.multiplier=1", "run.metrics_every=1",
                                                               "run.stop={}"])
    thin = make_run(timeline=False, name="theory-thin", sets=["algorithm.multiplier=1", "run.stop={}"])
    with open(os.path.join(within, "summary.json")) as f:
        theory = json.load(f)["theory"]
    expect(theory["applies"] and theory["bound_times_T"] > 0, f"multiplier 1 is within the theorem: {theory}")
    fig = draw("curves", within, above, "--x", "round", "--theory", "--labels", "m1", "m4", "--out", out("theory.png"))
    ax = fig.axes[0]
    means = [ln for ln in ax.lines if ln.get_label().startswith("m1: running mean")]
    bounds = [ln for ln in ax.lines if ln.get_label().startswith("m1: bound")]
    expect(len(means) == 1 and len(bounds) == 1, f"m1 gets a running mean and a bound: {[ln.get_label() for ln in ax.lines]}")
    rounds, mean, bound = list(means[0].get_xdata()), list(means[0].get_ydata()), list(bounds[0].get_ydata())
    expect(list(bounds[0].get_xdata()) == rounds and rounds[0] == 0, "mean and bound at the trace's rows")
    for t, m, b in zip(rounds, mean, bound):
        expect(b == theory["bound_times_T"] / (t + 1), f"bound at round {t}: {b}")
        expect(m <= b, f"round {t}: running mean {m} above the bound {b}")
    expect(not any(ln.get_label().startswith("m4: bound") for ln in ax.lines), "no bound above the theorem's range")
    texts = legend_texts(fig)
    expect(any(t.startswith("m4") and "does not apply" in t for t in texts), f"legend says so: {texts}")
    # Without the column: recomputed when every round is in the trace, else said so.
    fig = draw("curves", every, thin, "--x", "round", "--theory", "--labels", "every", "thin", "--out", out("t2.png"))
    labels = [ln.get_label() for ln in fig.axes[0].lines]
    expect(any(lab.startswith("every: running mean") for lab in labels), f"recomputed from the trace: {labels}")
    expect(not any(lab.startswith("thin: running mean") for lab in labels), "metrics_every = 5 cannot recompute it")
    expect(any(t.startswith("thin") and "not recorded" in t for t in legend_texts(fig)), f"{legend_texts(fig)}")
    plot("curves", within, above, "--theory", "--out", out("theory-cli.png"))
    check_png(out("theory-cli.png"), colors=TAB10[:2])


def case_sweep_min_over():
    sweep_dir = make_sweep()
    rows = table_rows(sweep_dir)
    fig = draw("sweep", sweep_dir, "--x", "compressor.k", "--min-over", "algorithm.multiplier", "--metric", "bits",
               "--out", out("min.png"))
    expected = naive_best(rows, "compressor.k", "grad_norm_sq_bits_up", "grad_norm_sq_time_s")
    drawn = [ln for ln in fig.axes[0].lines if ln.get_marker() == "o" and len(ln.get_xdata()) == 2]
    expect(len(drawn) == 1, f"one line over k: {[ln.get_label() for ln in fig.axes[0].lines]}")
    by_run = {r["run"]: r for r in rows}
    want = [float(by_run[expected[k]]["grad_norm_sq_bits_up"]) for k in ("2", "5")]
    expect(list(drawn[0].get_ydata()) == want, f"--min-over: {list(drawn[0].get_ydata())}, expected {want}")
    notes = [t.get_text() for t in fig.axes[0].texts]
    for k in ("2", "5"):
        m = by_run[expected[k]]["algorithm.multiplier"]
        expect(f"multiplier={m}" in notes, f"the chosen multiplier {m} is written: {notes}")
    plot("sweep", sweep_dir, "--x", "compressor.k", "--min-over", "algorithm.multiplier", "--out", out("min-cli.png"))
    check_png(out("min-cli.png"), colors=TAB10[:1])
    plot("sweep", sweep_dir, "--x", "algorithm.multiplier", "--lines", "compressor.k", "--logx", "--out", out("logx.png"))
    check_png(out("logx.png"), colors=TAB10[:2])
    for args, needle in (
            (["--x", "compressor.k", "--min-over", "compressor.kk"], "not an axis"),
            (["--x", "compressor.k", "--min-over", "problem.lambda"], "not an axis"),
            (["--x", "compressor.k", "--min-over", "compressor.k"], "same key as --x"),
            (["--x", "algorithm.multiplier", "--min-over", "compressor.k", "--lines", "compressor.k"], "same key"),
            (["--x", "compressor.k", "--lines", "algorithm.multiplier", "--heatmap", "--logx"], "--logx")):
        p = plot("sweep", sweep_dir, *args, "--out", out("never.png"), code=2)
        expect(p.stderr.startswith("plot: ") and needle in p.stderr and "Traceback" not in p.stderr,
               f"{args}: stderr {p.stderr!r}")
        expect(not os.path.exists(out("never.png")), f"{args} wrote a file")


def case_out_checks():
    run = make_run()
    blocker = out("a-file")
    with open(blocker, "w") as f:
        f.write("x\n")
    os.makedirs(out("a-dir.png"), exist_ok=True)
    for mode_args in (["curves", run], ["timeline", run], ["sweep", run, "--x", "compressor.k"],
                      ["curves", out("missing-run")]):  # the bad --out is reported before the bad input
        for bad, needle in ((os.path.join(blocker, "x.png"), "is not a directory"),
                            (os.path.join(blocker, "sub", "x.png"), "is not a directory"),
                            (os.path.join(ROOT, "missing", "x.png"), "does not exist"),
                            (out("a-dir.png"), "is a directory")):
            p = plot(*mode_args, "--out", bad, code=2)
            expect(p.stderr.startswith("plot: --out") and needle in p.stderr and "Traceback" not in p.stderr,
                   f"{mode_args} --out {bad}: stderr {p.stderr!r}")


def main():
    if CASE not in CASES:
        fail(f"unknown case {CASE}; cases: {' '.join(CASES)}")
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(ROOT)
    globals()["case_" + CASE]()
    print("PASS", CASE)


if __name__ == "__main__":
    main()
