"""The best run per group, with `ef21sim best`'s semantics (tools/ef21sim/best_selection.hpp):
the run reaching the stop target T at the least cost, --by
  bits    T_bits_up      ties: T_time_s
  time    T_time_s       ties: T_bits_up
  rounds  T_round        ties: T_time_s
  bytes   T_bytes_total  ties: T_time_s
then the earlier row. Failed runs (status `error`) and runs that never reach T are not
candidates. Rows are dicts keyed by column name (a sweep.csv / tune.csv row, or the same
columns made from a run's summary.json), so extra or missing columns do no harm."""
from .common import PlotError, to_float

BY = {  # --by -> (cost column suffix, tie-break suffix, what it measures)
    "bits": ("_bits_up", "_time_s", "bits per worker (uplink)"),
    "time": ("_time_s", "_bits_up", "simulated time (s)"),
    "rounds": ("_round", "_time_s", "rounds"),
    "bytes": ("_bytes_total", "_time_s", "wire bytes per worker (up + down)"),
}
# The axes a best run is chosen over: what `ef21sim tune` tunes.
TUNED_KEYS = ("algorithm.multiplier", "algorithm.stepsize")


def default_target(columns):
    """The first grad_norm_sq* stop target with a T_round column, as `ef21sim best`."""
    for c in columns:
        if c.startswith("grad_norm_sq") and c.endswith("_round"):
            return c[: -len("_round")]
    return None


def check_columns(columns, target, by, where):
    """PlotError when the table cannot rank by `by` to `target`."""
    cost, tie, _ = BY[by]
    if target + "_round" not in columns:
        raise PlotError(f"{where}: no stop target `{target}` (no {target}_round column)")
    for suffix in (cost, tie):
        if target + suffix not in columns:
            raise PlotError(f"{where}: no {target}{suffix} column to rank --by {by} (a table written before "
                            f"that column existed: `--resume` the sweep to rebuild it)")


def standing(row, target, by):
    """(cost, tie-break) of a row that reached the target, else None."""
    if row.get("status", "") == "error":
        return None
    cost_suffix, tie_suffix, _ = BY[by]
    cost = to_float(row.get(target + cost_suffix, ""))
    if cost is None:
        return None
    tie = to_float(row.get(target + tie_suffix, ""))
    return cost, (0.0 if tie is None else tie)


def pick(rows, target, by):
    """Index of the best row of `rows` (the earlier on a full tie), or None if none reached it."""
    best, best_standing = None, None
    for i, row in enumerate(rows):
        s = standing(row, target, by)
        if s is not None and (best_standing is None or s < best_standing):
            best, best_standing = i, s
    return best


def summary_row(summary):
    """The sweep.csv columns of one run (status, rounds, per-target cells) from its
    summary.json, for runs given one by one; wire bytes per worker as sweep.csv counts them
    (headers and round 0 included, per worker = total / n; T_bytes_* only for the target the
    run stopped at)."""
    row = {"status": str(summary.get("status", "")), "rounds": _text(summary.get("rounds"))}
    network = summary.get("network") or {}
    protocol = summary.get("protocol") or {}
    n = to_float((summary.get("constants") or {}).get("n"))
    up, down = to_float(network.get("bytes_up")), to_float(network.get("bytes_down"))
    wire = {}
    if n and n > 0 and up is not None and down is not None:
        peer = to_float(protocol.get("bytes_peer")) or 0.0
        sent, received = (up + peer) / n, (down + peer) / n
        wire = {"_bytes_up": sent, "_bytes_down": received, "_bytes_total": sent + received}
    for t in summary.get("targets") or []:
        name = t.get("target")
        if not name:
            continue
        row[name + "_round"] = _text(t.get("round"))
        row[name + "_time_s"] = _text(t.get("time_s"))
        row[name + "_bits_up"] = _text(t.get("bits_up"))
        at_stop = t.get("round") is not None and t.get("round") == summary.get("rounds")
        for suffix in ("_bytes_up", "_bytes_down", "_bytes_total"):
            row[name + suffix] = _text(wire.get(suffix)) if at_stop else ""
    return row


def _text(value):
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)
