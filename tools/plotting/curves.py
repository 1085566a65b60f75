"""`tools/plot curves`: ||grad f||^2 (log y) against bits_up, time_s and round, runs overlaid."""
import math
import os
import sys

from . import best as best_rules
from .common import (PlotError, Run, Sweep, apply_filters, differing_keys, dir_kind, format_value,
                     parse_filters, save, short_names, to_float)

AXES = {"bits_up": "bits per worker (uplink)", "bits_down": "bits per worker (downlink)",
        "time_s": "simulated time (s)", "round": "round"}
MAX_LEGEND_KEYS = 4
GRAD_TARGETS = ("grad_norm_sq", "grad_norm_sq_relative")  # stop targets on the y quantity


def add_arguments(p):
    p.add_argument("dirs", nargs="+", metavar="RUN_OR_SWEEP_DIR",
                   help="run directories and/or sweep or tune directories (every run of a sweep is drawn)")
    p.add_argument("--x", default="all", choices=["all", "bits_up", "time_s", "round", "bits_down"],
                   help="x axis; `all` (default) draws bits_up, time_s and round panels")
    p.add_argument("--out", default="plot.png", help="output PNG (default plot.png)")
    p.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                   help="keep only runs whose sweep column or scenario key KEY equals VALUE "
                        "(numbers compared as numbers); repeatable")
    p.add_argument("--best", action="store_true",
                   help="draw only the best run of each group: a group is a grid point without the "
                        "algorithm.multiplier / algorithm.stepsize axis, the best run reaches the stop target "
                        "at the least --by cost (as `ef21sim best`)")
    p.add_argument("--by", default="bits", choices=sorted(best_rules.BY),
                   help="with --best: what the best run minimises to the target (default bits; ties as "
                        "`ef21sim best`)")
    p.add_argument("--target", default=None, metavar="NAME",
                   help="with --best: the stop target (default: the first grad_norm_sq[_relative] one)")
    p.add_argument("--logx", action="store_true", help="logarithmic x axes (points at x = 0 are left out)")
    p.add_argument("--theory", action="store_true",
                   help="overlay each run's convergence guarantee where its method has one: the running mean "
                        "(1/T) sum_{t<T} ||grad f(x^t)||^2 (dotted) and its bound (dash-dot), from summary.json's "
                        "`theory` and trace.csv's grad_norm_sq_mean (run.record_running_mean = true; recomputed "
                        "when the trace keeps every round)")
    p.add_argument("--title", default=None)
    p.add_argument("--labels", nargs="*", help="legend labels, one per plotted run")


def legend_value(value):
    """A value for a legend: numbers to 4 significant digits (a tuned multiplier is
    53.81737057623773 in tune.csv), anything else as written."""
    text = format_value(value)
    number = to_float(text)
    if number is not None and math.isfinite(number) and any(c in text for c in ".eE"):
        return f"{number:.4g}"
    return text


def label_from_keys(run, keys):
    names = short_names(keys)
    return ", ".join(f"{names[k]}={legend_value(run.value(k))}" for k in keys)


def plain_labels(runs):
    names = [r.name for r in runs]
    if len(runs) == 1 or len(set(names)) == len(names):
        return names
    keys = differing_keys(runs)
    if keys and len(keys) <= MAX_LEGEND_KEYS:
        labels = [label_from_keys(r, keys) for r in runs]
        if len(set(labels)) == len(labels):
            return labels
    return [os.path.basename(os.path.normpath(r.path)) for r in runs]


def table_labels(entries):
    """Labels when some runs come from sweep/tune tables: the table columns (and, for runs
    given one by one, the same scenario keys) whose values vary among the drawn runs only;
    the directory's name is added where that leaves two labels equal."""
    runs = [r for r, _ in entries]
    candidates = []
    for r in runs:
        for k in r.sweep_keys:
            if k not in candidates:
                candidates.append(k)
    keys = [k for k in candidates if len({format_value(r.value(k)) for r in runs}) > 1]
    if keys:
        labels = [label_from_keys(r, keys) for r in runs]
    else:
        labels = [os.path.basename(os.path.normpath(r.path)) for r in runs]
    if len(set(labels)) < len(labels):
        sources = {src for _, src in entries}
        if len(sources) > 1:
            labels = [f"{os.path.basename(os.path.normpath(src or r.path))}: {lab}"
                      for (r, src), lab in zip(entries, labels)]
    if len(set(labels)) < len(labels):
        labels = [f"{lab} ({os.path.basename(os.path.normpath(r.path))})" for r, lab in zip(runs, labels)]
    return labels


def _group_value(run, keys):
    return tuple(format_value(run.value(k)) for k in keys)


def best_of_table(sweep, runs, by, target_name):
    """The best run of each group of one sweep/tune directory (groups in order of first row)."""
    target = target_name or best_rules.default_target(sweep.columns)
    if target is None:
        raise PlotError(f"{sweep.path}: --best: the table has no grad_norm_sq or grad_norm_sq_relative stop "
                        f"target; name one with --target")
    best_rules.check_columns(sweep.columns, target, by, sweep.table)
    tuned = [k for k in sweep.varied if k in best_rules.TUNED_KEYS]
    if not tuned:
        print(f"plot: {sweep.path}: --best: the table varies neither {' nor '.join(best_rules.TUNED_KEYS)}; "
              f"every run is its own group", file=sys.stderr)
    keys = [k for k in sweep.varied if k not in best_rules.TUNED_KEYS]
    return _best_per_group(runs, [r.row for r in runs], keys, by, target, sweep.path)


def best_of_plain(runs, by, target_name):
    """The best of runs given one by one: grouped by the scenario keys that differ among them
    (the multiplier and stepsize aside), ranked from their summary.json as sweep.csv would."""
    rows = [best_rules.summary_row(r.summary) for r in runs]
    columns = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    target = target_name or best_rules.default_target(columns)
    if target is None:
        raise PlotError("--best: the runs have no grad_norm_sq or grad_norm_sq_relative stop target; name one "
                        "with --target")
    best_rules.check_columns(columns, target, by, "run directories")
    keys = [k for k in differing_keys(runs) if k not in best_rules.TUNED_KEYS + ("run.output",)]
    return _best_per_group(runs, rows, keys, by, target, "run directories")


def _best_per_group(runs, rows, keys, by, target, where):
    order, members = [], {}
    for i, r in enumerate(runs):
        g = _group_value(r, keys)
        if g not in members:
            order.append(g)
            members[g] = []
        members[g].append(i)
    chosen = []
    for g in order:
        idx = members[g]
        pick = best_rules.pick([rows[i] for i in idx], target, by)
        if pick is None:
            what = ", ".join(f"{k}={v}" for k, v in zip(keys, g)) or "all runs"
            print(f"plot: {where}: no run of group {what} reached {target}: nothing drawn for it", file=sys.stderr)
        else:
            chosen.append(runs[idx[pick]])
    return chosen


def collect(dirs, filters, best=False, by="bits", target=None):
    """[(run, label)] over every directory, sweeps expanded, filters applied; with `best`, the
    best run of each group only."""
    plain, entries = [], []
    for d in dirs:
        kind = dir_kind(d)
        if kind == "sweep":
            sweep = Sweep(d)
            runs = sweep.runs(filters)
            if best:
                runs = best_of_table(sweep, runs, by, target)
            for r in runs:
                if not os.path.isfile(os.path.join(r.path, "trace.csv")):
                    status = r.row.get("status", "?")
                    print(f"plot: skipping {r.path} (status {status}, no trace.csv)", file=sys.stderr)
                else:
                    entries.append((r, d))
        else:
            plain.append(Run(d))
    if plain:
        plain = apply_filters(plain, filters, "run directories")
        if best:
            plain = best_of_plain(plain, by, target)
    if not entries:
        out = list(zip(plain, plain_labels(plain)))
    else:
        entries += [(r, None) for r in plain]
        out = list(zip([r for r, _ in entries], table_labels(entries)))
    if not out:
        raise PlotError("nothing to plot: no run left" + (" after --filter" if filters else "")
                        + (" that reached the target" if best else ""))
    return out


def running_mean_of(run):
    """(1/(t+1)) sum_{s<=t} ||grad f(x^s)||^2 at each trace row: the grad_norm_sq_mean column, or
    recomputed (in the simulator's order) when the trace keeps every round; None otherwise."""
    cols = run.trace
    if "grad_norm_sq_mean" in cols:
        return cols["grad_norm_sq_mean"]
    rounds = cols["round"]
    if not all(r == i for i, r in enumerate(rounds)):
        return None
    out, total = [], 0.0
    for i, g in enumerate(cols["grad_norm_sq"]):
        total += g
        out.append(total / (i + 1))
    return out


def theory_of(run):
    """(mean, bound, info) per trace row when the run's guarantee applies, else (None, None, note)."""
    th = run.summary.get("theory")
    if not isinstance(th, dict):
        return None, None, "no convergence guarantee for this method"
    name = th.get("guarantee", "guarantee")
    if not th.get("applies"):
        return None, None, f"{name} does not apply: {th.get('reason') or 'outside its hypotheses'}"
    bound_times_T = to_float(th.get("bound_times_T"))
    mean = running_mean_of(run)
    if mean is None or bound_times_T is None:
        print(f"plot: {run.path}: --theory: no running mean of ||grad f||^2 in trace.csv: rerun with "
              f"--set run.record_running_mean=true (or run.metrics_every = 1)", file=sys.stderr)
        return None, None, f"{name}: running mean not recorded"
    bound = [bound_times_T / (r + 1) for r in run.trace["round"]]
    ratio = to_float(th.get("max_mean_to_bound"))
    info = f"{name}" + (f", max mean/bound {ratio:.2g}" if ratio is not None else "")
    if th.get("in_expectation"):
        info += ", in expectation"
    return mean, bound, info


def stop_targets(runs):
    """{"y": [values of grad_norm_sq targets], "bits_up": [bits budgets]}, distinct, sorted."""
    ys, bits = set(), set()
    for run in runs:
        for t in run.summary.get("targets") or []:
            value = to_float(t.get("value"))
            if value is None:
                continue
            name = t.get("target")
            if name == "grad_norm_sq":
                ys.add(float(f"{value:.12g}"))
            elif name == "grad_norm_sq_relative":
                g0 = run.trace["grad_norm_sq"][0] if run.trace["round"] and run.trace["round"][0] == 0 else None
                if g0 is not None and math.isfinite(g0):
                    ys.add(float(f"{value * g0:.12g}"))
            elif name == "bits_up":
                bits.add(float(f"{value:.12g}"))
    return {"y": sorted(ys), "bits_up": sorted(bits)}


def _finite_points(xs, ys, logx):
    return [(x, y) for x, y in zip(xs, ys)
            if y is not None and y > 0 and math.isfinite(y) and math.isfinite(x) and (x > 0 or not logx)]


def main(a):
    if not a.best and (a.target is not None):
        raise PlotError("--target chooses the target of --best: give --best too")
    runs = collect(a.dirs, parse_filters(a.filter), best=a.best, by=a.by, target=a.target)
    if a.labels:
        if len(a.labels) != len(runs):
            raise PlotError(f"--labels needs one label per plotted run ({len(runs)})")
        runs = [(r, lab) for (r, _), lab in zip(runs, a.labels)]
    theory = {}
    if a.theory:
        for i, (run, label) in enumerate(runs):
            mean, bound, info = theory_of(run)
            theory[i] = (mean, bound, info)
            if mean is None:
                runs[i] = (run, f"{label} [{info}]")
    import matplotlib.pyplot as plt

    keys = ["bits_up", "time_s", "round"] if a.x == "all" else [a.x]
    fig, axes = plt.subplots(1, len(keys), figsize=(5.2 * len(keys), 4.2), squeeze=False)
    cmap = plt.get_cmap("tab10" if len(runs) <= 10 else "tab20")
    styles = ["-", "--", ":", "-."]
    targets = stop_targets([r for r, _ in runs])
    drawn = 0
    for ax, key in zip(axes[0], keys):
        for i, (run, label) in enumerate(runs):
            cols = run.trace
            color = cmap(i % cmap.N)
            pts = _finite_points(cols[key], cols["grad_norm_sq"], a.logx)
            ax.plot([x for x, _ in pts], [y for _, y in pts], label=label, linewidth=1.4,
                    color=color, linestyle=styles[(i // cmap.N) % len(styles)])
            drawn += len(pts)
            mean, bound, info = theory.get(i, (None, None, None))
            if mean is not None:
                pts = _finite_points(cols[key], mean, a.logx)
                ax.plot([x for x, _ in pts], [y for _, y in pts], color=color, linestyle=":", linewidth=1.6,
                        label=f"{label}: running mean (1/T) Σ_t<T ‖∇f‖²")
                pts = _finite_points(cols[key], bound, a.logx)
                ax.plot([x for x, _ in pts], [y for _, y in pts], color=color, linestyle="-.", linewidth=1.0,
                        alpha=0.8, label=f"{label}: bound 2(f(x⁰)−f_low)/(γT) [{info}]")
        for j, v in enumerate(targets["y"]):
            label = (f"stop target ‖∇f‖² ≤ {v:.3g}" if len(targets["y"]) <= 3 else
                     ("stop targets" if j == 0 else None))
            ax.axhline(v, color="0.25", linestyle="--", linewidth=1.0, label=label)
        if key == "bits_up":
            for v in targets["bits_up"]:
                ax.axvline(v, color="0.45", linestyle="--", linewidth=1.0, label=f"bits budget {v:.3g}")
        ax.set_yscale("log")
        if a.logx:
            ax.set_xscale("log")
        ax.set_xlabel(AXES[key])
        ax.set_ylabel("||grad f(x^t)||^2")
        ax.grid(True, which="both", alpha=0.3)
        if key in ("time_s", "bits_up", "bits_down") and not a.logx:
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 4), useMathText=True)
    if drawn == 0:
        raise PlotError("nothing to plot: the traces have no positive finite grad_norm_sq"
                        + (" at x > 0 (--logx)" if a.logx else ""))
    handles, labels = axes[0][0].get_legend_handles_labels()
    inside = len(handles) <= 8 and max(len(lab) for lab in labels) <= 48
    if a.title:
        fig.suptitle(a.title)
    fig.tight_layout()
    if inside:
        axes[0][0].legend(fontsize=8)
    else:  # below the panels, so that long labels (guarantees, many runs) do not squeeze them
        ncol = max(1, min(len(keys), math.ceil(len(handles) / 10)))
        fig.legend(handles, labels, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol)
    save(fig, a.out, tight=not inside)  # a legend outside the axes must stay in the image
