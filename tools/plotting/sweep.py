"""`tools/plot sweep`: time, bits or rounds to a stop target over one or two sweep keys."""
import math
import os
import statistics

from . import best as best_rules
from .common import PlotError, Sweep, dir_kind, parse_filters, power_of_two_axis, save, short_names, to_float, values_equal

METRICS = {  # --metric -> (sweep.csv column suffix, axis label)
    "time": ("_time_s", "simulated time to target (s)"),
    "bits": ("_bits_up", "bits per worker (uplink) to target"),
    "rounds": ("_round", "rounds to target"),
    "bytes": ("_bytes_total", "wire bytes per worker (up + down) to target"),
}


def add_arguments(p):
    p.add_argument("sweep", metavar="SWEEP_DIR", help="a directory written by `ef21sim sweep`")
    p.add_argument("--x", required=True, metavar="KEY", help="varied key on the x axis (a sweep.csv column)")
    p.add_argument("--lines", default=None, metavar="KEY",
                   help="varied key giving one line per value (the rows of --heatmap); "
                        "default: the only other key the sweep varies, if there is exactly one")
    p.add_argument("--metric", default="time", choices=sorted(METRICS),
                   help="what to plot: simulated time, bits per worker, rounds or wire bytes per worker to the "
                        "target (default time)")
    p.add_argument("--target", default=None, metavar="NAME",
                   help="stop target (grad_norm_sq, grad_norm_sq_relative, bits_up); "
                        "default: the first grad_norm_sq[_relative] target, as `ef21sim best`")
    p.add_argument("--min-over", default=None, metavar="KEY",
                   help="a varied key to take the best over (e.g. algorithm.multiplier): each point is the run of "
                        "least --metric among that key's values, ties as `ef21sim best`; the chosen values are "
                        "written next to the points")
    p.add_argument("--heatmap", action="store_true", help="a heatmap over --x and --lines instead of lines")
    p.add_argument("--logx", action="store_true", help="a logarithmic x axis (numeric --x values > 0)")
    p.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                   help="keep only rows whose sweep column KEY equals VALUE; repeatable")
    p.add_argument("--out", default="sweep.png", help="output PNG (default sweep.png)")
    p.add_argument("--title", default=None)


def pick_target(sweep, name):
    if not sweep.targets:
        raise PlotError(f"{sweep.path}: the sweep has no stop target (set run.stop.grad_norm_sq, "
                        f"for instance); nothing to measure")
    if name is None:
        for t in sweep.targets:
            if t in ("grad_norm_sq", "grad_norm_sq_relative"):
                return t
        return sweep.targets[0]
    if name not in sweep.targets:
        raise PlotError(f"--target {name}: unknown target; the sweep has {', '.join(sweep.targets)}")
    return name


def ordered_values(values):
    """Distinct values, numerically sorted if all are numbers, else in first-seen (grid) order."""
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    if all(to_float(v) is not None for v in seen):
        seen.sort(key=to_float)
    return seen


def cell_value(rows, column):
    """(value or None, reached count, total, statuses) for the rows of one grid cell (over seeds)."""
    reached = [to_float(r.get(column, "")) for r in rows]
    reached = [v for v in reached if v is not None and math.isfinite(v)]
    statuses = [r.get("status", "") for r in rows]
    value = statistics.median(reached) if reached else None
    return value, (min(reached) if reached else None), (max(reached) if reached else None), \
        len(reached), len(rows), statuses


def missing_text(cell):
    if cell is None:
        return "no run"
    statuses = {s for s in cell[5] if s not in ("converged",)}
    if statuses & {"error", "diverged"}:
        return "/".join(sorted(statuses & {"error", "diverged"}))
    return "not reached"


def fmt(v, metric):
    if metric in ("rounds", "bits") and v == int(v) and abs(v) < 1e7:
        return f"{v:.0f}"
    return f"{v:.3g}"


def main(a):
    if dir_kind(a.sweep) != "sweep":
        raise PlotError(f"{a.sweep}: a run directory, not a sweep directory (no sweep.csv)")
    sweep = Sweep(a.sweep)
    sweep.check_key(a.x, "--x key")
    if a.min_over is not None:
        if a.min_over not in sweep.varied:
            raise PlotError(f"--min-over {a.min_over}: not an axis of {a.sweep} (it varies "
                            f"{', '.join(sweep.varied) or 'nothing'})")
        if a.min_over == a.x:
            raise PlotError(f"--min-over {a.min_over}: the same key as --x")
    if a.heatmap and a.logx:
        raise PlotError("--logx applies to the line plot, not to --heatmap")
    rows = sweep.rows
    for key, value in parse_filters(a.filter):
        sweep.check_key(key, "--filter key")
        rows = [r for r in rows if values_equal(r[key], value)]
    if not rows:
        raise PlotError(f"{a.sweep}: no row left after --filter")
    target = pick_target(sweep, a.target)
    if a.min_over is not None:
        rows = best_over(sweep, rows, a.min_over, target, a.metric)
    multi = [k for k in sweep.varied if k != a.min_over and len({r[k] for r in rows}) > 1]
    lines = a.lines
    if lines is None:
        others = [k for k in multi if k not in (a.x, "seed")]
        if len(others) == 1:
            lines = others[0]
        elif a.heatmap:
            raise PlotError("--heatmap needs --lines KEY (the rows)" +
                            (f"; the sweep varies {', '.join(others)}" if others else
                             "; the sweep varies no second key"))
    if lines is not None:
        sweep.check_key(lines, "--lines key")
        if lines == a.x:
            raise PlotError(f"--lines {lines}: the same key as --x")
        if lines == a.min_over:
            raise PlotError(f"--lines {lines}: the same key as --min-over")
    extra = [k for k in multi if k not in (a.x, lines, "seed")]
    if extra:
        vals = ", ".join(ordered_values([r[extra[0]] for r in rows]))
        raise PlotError(f"the sweep also varies {extra[0]} ({vals}): fix it with --filter {extra[0]}=VALUE, "
                        f"draw it with --lines, or take the best over it with --min-over {extra[0]}")
    suffix, axis_label = METRICS[a.metric]
    column = target + suffix
    if column not in sweep.columns:
        raise PlotError(f"{sweep.table}: no {column} column for --metric {a.metric} (a table written before "
                        f"that column existed: `--resume` the sweep to rebuild it)")

    xs = ordered_values([r[a.x] for r in rows])
    ls = ordered_values([r[lines] for r in rows]) if lines else [None]
    cells = {}
    for xv in xs:
        for lv in ls:
            group = [r for r in rows if r[a.x] == xv and (lines is None or r[lines] == lv)]
            cells[(xv, lv)] = cell_value(group, column) if group else None
            if cells[(xv, lv)] is not None and a.min_over is not None:
                chosen = ordered_values([r[a.min_over] for r in group if to_float(r.get(column, "")) is not None])
                cells[(xv, lv)] += (chosen,)
    if all(c is None or c[0] is None for c in cells.values()):
        print(f"plot: no run of {a.sweep} reached the target {target}")
    seeds = "seed" in multi
    names = short_names([k for k in (a.x, lines) if k])
    what = f"{a.metric} to {target}"
    threshold = _threshold(sweep, rows, target)
    title = a.title or (f"{os.path.basename(os.path.normpath(a.sweep))}: {what}"
                        + (f" ≤ {threshold}" if threshold else "")
                        + (" (median over seeds)" if seeds else "")
                        + (f", best over {a.min_over}" if a.min_over else "")
                        + (" [" + ", ".join(f"{k}={v}" for k, v in parse_filters(a.filter)) + "]"
                           if a.filter else ""))
    import matplotlib.pyplot as plt

    if a.heatmap:
        fig = heatmap(plt, a, xs, ls, cells, names, lines, axis_label, what)
    else:
        fig = line_plot(plt, a, xs, ls, cells, names, lines, axis_label, what, seeds)
    fig.axes[0].set_title(title, fontsize=10)
    fig.tight_layout()
    save(fig, a.out)


def best_over(sweep, rows, key, target, metric):
    """One row per group of the other varied keys: the row of least `metric` to `target` over
    `key`'s values (`ef21sim best`'s ranking and tie-break, the earlier row on a full tie), or
    the group's first row when none reached the target (drawn as not reached)."""
    best_rules.check_columns(sweep.columns, target, metric, sweep.table)
    others = [k for k in sweep.varied if k != key]
    order, groups = [], {}
    for r in rows:
        g = tuple(r[k] for k in others)
        if g not in groups:
            order.append(g)
            groups[g] = []
        groups[g].append(r)
    out = []
    for g in order:
        members = groups[g]
        i = best_rules.pick(members, target, metric)
        if i is not None:
            out.append(members[i])
        else:  # none reached it: a row that says so (not-reached / diverged / error marks)
            statuses = {m.get("status", "") for m in members}
            marker = dict(members[0])
            marker["status"] = "error" if statuses == {"error"} else "diverged" if statuses <= {"diverged", "error"} \
                else members[0].get("status", "")
            out.append(marker)
    return out


def _threshold(sweep, rows, target):
    """The target's value from the first run's summary.json, for the title (None if unknown)."""
    import json

    for r in rows:
        path = os.path.join(sweep.path, r["run"], "summary.json")
        if os.path.isfile(path):
            try:
                with open(path) as f:
                    for t in json.load(f).get("targets", []):
                        if t.get("target") == target:
                            return f"{t.get('value'):g}"
            except (OSError, ValueError, TypeError):
                return None
            return None
    return None


def x_positions(xs):
    nums = [to_float(v) for v in xs]
    if all(v is not None for v in nums):
        if power_of_two_axis(xs):
            return nums, ("log", 2)
        if all(v > 0 for v in nums) and len(nums) >= 3 and max(nums) / min(nums) >= 100:
            return nums, ("log", 10)
        return nums, ("linear", None)
    return list(range(len(xs))), ("categorical", None)


def line_plot(plt, a, xs, ls, cells, names, lines, axis_label, what, seeds):
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    pos, (scale, base) = x_positions(xs)
    if a.logx:
        if scale == "categorical" or any(p <= 0 for p in pos):
            raise PlotError(f"--logx: the --x values of {a.x} must be numbers > 0")
        scale, base = "log", base or 10
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    cmap = plt.get_cmap("tab10" if len(ls) <= 10 else "tab20")
    top = blended_transform_factory(ax.transData, ax.transAxes)
    any_missing = any_partial = False
    reached_all = []
    for i, lv in enumerate(ls):
        color = cmap(i % cmap.N)
        ys, lo, hi = [], [], []
        for xv in xs:
            c = cells[(xv, lv)]
            v = c[0] if c else None
            ys.append(v if v is not None else float("nan"))
            lo.append(v - c[1] if v is not None else 0)
            hi.append(c[2] - v if v is not None else 0)
            if v is not None:
                reached_all.append(v)
        label = f"{names[lines]}={lv}" if lines else None
        ax.plot(pos, ys, marker="o", color=color, label=label, linewidth=1.5, markersize=5)
        if seeds:
            ax.errorbar(pos, ys, yerr=[lo, hi], fmt="none", ecolor=color, capsize=3, linewidth=1)
        for p, xv in zip(pos, xs):
            c = cells[(xv, lv)]
            if c is None or c[0] is None:
                any_missing = True
                ax.plot([p], [0.96 - 0.025 * (i % 4)], marker="x", markersize=9, mew=2, color=color,
                        transform=top, clip_on=False, linestyle="none")
            elif c[3] < c[4]:
                any_partial = True
                ax.plot([p], [c[0]], marker="o", markersize=10, mfc="none", color=color)
            if c is not None and c[0] is not None and a.min_over is not None and len(c) > 6:
                ax.annotate(f"{short_names([a.min_over])[a.min_over]}={'/'.join(c[6])}", (p, c[0]),
                            textcoords="offset points", xytext=(4, 4), fontsize=7, color=color)
    if scale == "log":
        ax.set_xscale("log", base=base)
        ax.set_xticks(pos)
        ax.set_xticklabels(xs)
        ax.minorticks_off()
    elif scale == "categorical":
        ax.set_xticks(pos)
        ax.set_xticklabels(xs, rotation=20 if max(len(x) for x in xs) > 8 else 0)
        ax.set_xlim(-0.5, len(xs) - 0.5)
    pos_vals = [v for v in reached_all if v > 0]
    if pos_vals and max(pos_vals) / min(pos_vals) > 10:
        ax.set_yscale("log")
    if reached_all:
        lo_y, hi_y = min(reached_all), max(reached_all)
        if ax.get_yscale() == "log":
            ax.set_ylim(lo_y / 1.5, hi_y * 3)  # headroom for the "not reached" marks
        else:
            pad = (hi_y - lo_y) or abs(hi_y) or 1.0
            ax.set_ylim(min(0, lo_y - 0.1 * pad), hi_y + 0.35 * pad)
    ax.set_xlabel(a.x)
    ax.set_ylabel(axis_label)
    ax.grid(True, which="both", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if any_missing:
        handles.append(Line2D([], [], marker="x", color="0.3", mew=2, linestyle="none"))
        labels.append("not reached / failed")
    if any_partial:
        handles.append(Line2D([], [], marker="o", mfc="none", color="0.3", markersize=10, linestyle="none"))
        labels.append("reached by some seeds only")
    if handles:
        ax.legend(handles, labels, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def heatmap(plt, a, xs, ls, cells, names, lines, axis_label, what):
    import numpy as np
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.patches import Rectangle

    grid = np.full((len(ls), len(xs)), np.nan)
    for i, lv in enumerate(ls):
        for j, xv in enumerate(xs):
            c = cells[(xv, lv)]
            if c is not None and c[0] is not None:
                grid[i, j] = c[0]
    vals = grid[np.isfinite(grid)]
    if vals.size and vals.min() > 0 and vals.max() / vals.min() > 10:
        norm = LogNorm(vmin=vals.min(), vmax=vals.max())
    elif vals.size:
        lo, hi = vals.min(), vals.max()
        norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1)
    else:
        norm = Normalize(0, 1)
    w = min(max(5.5, 1.0 * len(xs) + 3), 16)
    h = min(max(3.5, 0.6 * len(ls) + 2), 12)
    fig, ax = plt.subplots(figsize=(w, h))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("white")
    im = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto", origin="lower")
    for i, lv in enumerate(ls):
        for j, xv in enumerate(xs):
            c = cells[(xv, lv)]
            if c is None or c[0] is None:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="0.9", edgecolor="0.5",
                                       hatch="///", linewidth=0.5))
                ax.text(j, i, missing_text(c), ha="center", va="center", fontsize=7, color="0.2",
                        bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1))
            else:
                r, g, b, _ = cmap(norm(c[0]))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                text = fmt(c[0], a.metric) + ("*" if c[3] < c[4] else "")
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels(xs, rotation=20 if max(len(x) for x in xs) > 8 else 0)
    ax.set_yticks(range(len(ls)))
    ax.set_yticklabels(ls)
    ax.set_xlabel(a.x)
    ax.set_ylabel(lines)
    bar = fig.colorbar(im, ax=ax)
    bar.set_label(axis_label)
    if any(c is not None and c[0] is not None and c[3] < c[4] for c in cells.values()):
        ax.set_xlabel(f"{a.x}    (* reached by some seeds only: median of those)")
    return fig
