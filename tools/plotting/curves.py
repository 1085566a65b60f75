"""`tools/plot curves`: ||grad f||^2 (log y) against bits_up, time_s and round, runs overlaid."""
import math
import os
import sys

from .common import (PlotError, Run, Sweep, apply_filters, differing_keys, dir_kind, format_value,
                     parse_filters, save, short_names)

AXES = {"bits_up": "bits per worker (uplink)", "bits_down": "bits per worker (downlink)",
        "time_s": "simulated time (s)", "round": "round"}
MAX_LEGEND_KEYS = 4


def add_arguments(p):
    p.add_argument("dirs", nargs="+", metavar="RUN_OR_SWEEP_DIR",
                   help="run directories and/or sweep directories (every run of a sweep is drawn)")
    p.add_argument("--x", default="all", choices=["all", "bits_up", "time_s", "round", "bits_down"],
                   help="x axis; `all` (default) draws bits_up, time_s and round panels")
    p.add_argument("--out", default="plot.png", help="output PNG (default plot.png)")
    p.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                   help="keep only runs whose sweep column or scenario key KEY equals VALUE "
                        "(numbers compared as numbers); repeatable")
    p.add_argument("--title", default=None)
    p.add_argument("--labels", nargs="*", help="legend labels, one per plotted run")


def label_from_keys(run, keys):
    names = short_names(keys)
    return ", ".join(f"{names[k]}={format_value(run.keys().get(k, '-'))}" for k in keys)


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


def sweep_labels(runs):
    """Legend from the sweep columns that vary among the drawn runs."""
    if not runs:
        return []
    varied = list(runs[0].sweep_keys)
    keys = [k for k in varied if len({r.sweep_keys[k] for r in runs}) > 1]
    if not keys:
        return [", ".join(f"{n}={runs[0].sweep_keys[k]}" for k, n in short_names(varied).items())
                or runs[0].name] * len(runs)
    names = short_names(keys)
    return [", ".join(f"{names[k]}={r.sweep_keys[k]}" for k in keys) for r in runs]


def collect(dirs, filters):
    """[(run, label)] over every directory, sweeps expanded, filters applied."""
    plain, groups = [], []
    for d in dirs:
        kind = dir_kind(d)
        if kind == "sweep":
            runs = Sweep(d).runs(filters)
            drawable = []
            for r in runs:
                if not os.path.isfile(os.path.join(r.path, "trace.csv")):
                    status = r.row.get("status", "?")
                    print(f"plot: skipping {r.path} (status {status}, no trace.csv)", file=sys.stderr)
                else:
                    drawable.append(r)
            groups.append((d, drawable))
        else:
            plain.append(Run(d))
    if plain:
        plain = apply_filters(plain, filters, "run directories")
    out = list(zip(plain, plain_labels(plain)))
    prefix = len(groups) > 1 or (groups and plain)
    for d, runs in groups:
        base = os.path.basename(os.path.normpath(d))
        for r, label in zip(runs, sweep_labels(runs)):
            out.append((r, f"{base}: {label}" if prefix else label))
    if not out:
        raise PlotError("nothing to plot: no run left" + (" after --filter" if filters else ""))
    return out


def main(a):
    runs = collect(a.dirs, parse_filters(a.filter))
    if a.labels:
        if len(a.labels) != len(runs):
            raise PlotError(f"--labels needs one label per plotted run ({len(runs)})")
        runs = [(r, lab) for (r, _), lab in zip(runs, a.labels)]
    import matplotlib.pyplot as plt

    keys = ["bits_up", "time_s", "round"] if a.x == "all" else [a.x]
    fig, axes = plt.subplots(1, len(keys), figsize=(5.2 * len(keys), 4.2), squeeze=False)
    cmap = plt.get_cmap("tab10" if len(runs) <= 10 else "tab20")
    styles = ["-", "--", ":", "-."]
    drawn = 0
    for ax, key in zip(axes[0], keys):
        for i, (run, label) in enumerate(runs):
            cols = run.trace
            pts = [(x, y) for x, y in zip(cols[key], cols["grad_norm_sq"])
                   if y > 0 and math.isfinite(y) and math.isfinite(x)]
            ax.plot([x for x, _ in pts], [y for _, y in pts], label=label, linewidth=1.4,
                    color=cmap(i % cmap.N), linestyle=styles[(i // cmap.N) % len(styles)])
            drawn += len(pts)
        ax.set_yscale("log")
        ax.set_xlabel(AXES[key])
        ax.set_ylabel("||grad f(x^t)||^2")
        ax.grid(True, which="both", alpha=0.3)
        if key in ("time_s", "bits_up", "bits_down"):
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 4), useMathText=True)
    if drawn == 0:
        raise PlotError("nothing to plot: the traces have no positive finite grad_norm_sq")
    if len(runs) <= 8:
        axes[0][0].legend(fontsize=8)
    else:
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if a.title:
        fig.suptitle(a.title)
    fig.tight_layout()
    save(fig, a.out, tight=len(runs) > 8)  # a legend outside the axes must stay in the image
