"""`tools/plot timeline`: per-worker horizontal bars of compute/upload/download spans."""
import json
import os

from .common import PlotError, dir_kind, parse_range, save

COLORS = {"compute": "#4c72b0", "upload": "#dd8452", "download": "#55a868"}
EXTRA_COLORS = ["#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]
DEFAULT_ROUNDS = 10


def add_arguments(p):
    p.add_argument("run", metavar="RUN_DIR", help="a run directory written with run.timeline = true")
    p.add_argument("--rounds", default=None, metavar="A..B",
                   help=f"rounds to draw, inclusive (default: the first {DEFAULT_ROUNDS})")
    p.add_argument("--out", default="timeline.png", help="output PNG (default timeline.png)")
    p.add_argument("--title", default=None)


def load(run_dir):
    kind = dir_kind(run_dir)
    if kind == "sweep":
        raise PlotError(f"{run_dir}: a sweep directory; pass one of its run directories")
    path = os.path.join(run_dir, "timeline.json")
    if not os.path.isfile(path):
        raise PlotError(f"{run_dir}: no timeline.json: rerun with `run.timeline = true` "
                        f"(--set run.timeline=true)")
    with open(path) as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            raise PlotError(f"{path}: not valid JSON ({e})")
    events = doc.get("traceEvents", []) if isinstance(doc, dict) else doc
    names, spans = {}, []
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            names[(e.get("pid", 0), e.get("tid", 0))] = e.get("args", {}).get("name")
        elif e.get("ph") == "X":
            spans.append(e)
    return names, spans


def main(a):
    names, spans = load(a.run)
    if not spans:
        raise PlotError(f"{a.run}/timeline.json: no spans")
    rounds = sorted({e.get("args", {}).get("round") for e in spans} - {None})
    if a.rounds:
        lo, hi = parse_range(a.rounds)
    else:
        lo, hi = (rounds[0], rounds[min(DEFAULT_ROUNDS, len(rounds)) - 1]) if rounds else (None, None)
    sel = [e for e in spans
           if (lo is None or e.get("args", {}).get("round", lo) >= lo)
           and (hi is None or e.get("args", {}).get("round", hi) <= hi)]
    if not sel:
        last = f"{rounds[0]}..{rounds[-1]}" if rounds else "none"
        raise PlotError(f"--rounds {a.rounds}: no spans in that range (the timeline has rounds {last})")

    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    t0 = min(e["ts"] for e in sel)
    t1 = max(e["ts"] + e.get("dur", 0) for e in sel)
    span_us = max(t1 - t0, 1e-9)
    unit, scale = ("s", 1e6) if span_us >= 1e6 else ("ms", 1e3) if span_us >= 1e3 else ("µs", 1.0)

    lanes = sorted({(e.get("pid", 0), e.get("tid", 0)) for e in sel})
    lane_of = {lane: i for i, lane in enumerate(lanes)}
    kinds = []
    for e in sel:
        if e["name"] not in kinds:
            kinds.append(e["name"])
    colors = dict(COLORS)
    for k in kinds:
        if k not in colors:
            colors[k] = EXTRA_COLORS[len([c for c in colors if c not in COLORS]) % len(EXTRA_COLORS)]

    height = min(max(2.2, 0.35 * len(lanes) + 1.4), 14)
    fig, ax = plt.subplots(figsize=(11, height))
    for k in kinds:
        by_lane = {}
        for e in sel:
            if e["name"] == k:
                by_lane.setdefault(lane_of[(e.get("pid", 0), e.get("tid", 0))], []).append(
                    ((e["ts"] - t0) / scale, max(e.get("dur", 0), 0) / scale))
        for lane, bars in by_lane.items():
            ax.broken_barh(bars, (lane - 0.38, 0.76), facecolors=colors[k], edgecolor="none")
    # round starts: the earliest span of each round
    starts = {}
    for e in sel:
        r = e.get("args", {}).get("round")
        if r is not None:
            starts[r] = min(starts.get(r, e["ts"]), e["ts"])
    if len(starts) <= 60:
        for r, ts in starts.items():
            ax.axvline((ts - t0) / scale, color="0.6", linewidth=0.6, linestyle=":", zorder=0)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([names.get(l) or f"tid {l[1]}" for l in lanes], fontsize=8 if len(lanes) < 30 else 6)
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.set_xlim(0, span_us / scale)
    ax.set_xlabel(f"simulated time ({unit})" if t0 == 0 else
                  f"simulated time since t = {t0 / scale:.6g} {unit} ({unit})")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(handles=[Patch(color=colors[k], label=k) for k in kinds], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    shown = sorted(starts)
    what = f"rounds {shown[0]}..{shown[-1]}" if shown else "all spans"
    if rounds:
        what += f" of {rounds[0]}..{rounds[-1]}"
    ax.set_title(a.title or f"{os.path.basename(os.path.normpath(a.run))}: {what}", fontsize=10)
    fig.tight_layout()
    save(fig, a.out)
