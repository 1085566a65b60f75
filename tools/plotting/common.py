"""Loading run and sweep directories, --filter matching, labels and saving, for tools/plot."""
import csv
import json
import math
import os

try:
    import tomllib
except ImportError:  # Python < 3.11: labels and filters fall back to sweep.csv and run names
    tomllib = None

TRACE_COLUMNS = ("round", "time_s", "bits_up", "bits_down", "f", "grad_norm_sq")
OPTIONAL_TRACE_COLUMNS = ("grad_norm_sq_mean",)  # run.record_running_mean = true
TARGET_SUFFIXES = ("_round", "_time_s", "_bits_up")
# The tables a study directory holds: sweep.csv (ef21sim sweep) or tune.csv (ef21sim tune);
# both have the varied columns first, then `run` and the per-run columns.
TABLES = ("sweep.csv", "tune.csv")
# Sweep columns that are not scenario keys under their own name.
COLUMN_KEYS = {"seed": "run.seed"}


class PlotError(Exception):
    """Bad input: printed as `plot: MESSAGE`, exit code 2."""


def is_run_dir(path):
    return os.path.isfile(os.path.join(path, "trace.csv"))


def table_of(path):
    """The study table of a sweep or tune directory (sweep.csv, else tune.csv), or None."""
    for name in TABLES:
        if os.path.isfile(os.path.join(path, name)):
            return os.path.join(path, name)
    return None


def is_sweep_dir(path):
    return table_of(path) is not None


def dir_kind(path):
    """'run' or 'sweep'; PlotError for a missing directory or one that is neither."""
    if not os.path.exists(path):
        raise PlotError(f"{path}: no such directory")
    if not os.path.isdir(path):
        raise PlotError(f"{path}: not a directory (expected a run or sweep directory)")
    if is_sweep_dir(path):
        return "sweep"
    if is_run_dir(path):
        return "run"
    raise PlotError(f"{path}: neither a run directory (no trace.csv) nor a sweep or tune directory "
                    f"(no sweep.csv or tune.csv)")


def to_float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def flatten(table, prefix=""):
    out = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def format_value(value):
    """A scenario or sweep value as a short legend string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def values_equal(a, b):
    """A --filter value against a scenario/sweep value: numerically if both are numbers."""
    fa, fb = to_float(a), to_float(b)
    if fa is not None and fb is not None:
        return fa == fb or math.isclose(fa, fb, rel_tol=1e-12)
    sa, sb = format_value(a).strip().strip('"'), format_value(b).strip().strip('"')
    return sa == sb


class Run:
    """One run directory: its trace columns, summary, resolved scenario and sweep columns."""

    def __init__(self, path, sweep_keys=None):
        self.path = path
        self.sweep_keys = dict(sweep_keys or {})
        self.summary = {}
        summary = os.path.join(path, "summary.json")
        if os.path.isfile(summary):
            with open(summary) as f:
                try:
                    self.summary = json.load(f)
                except json.JSONDecodeError as e:
                    raise PlotError(f"{summary}: not valid JSON ({e})")
        self._scenario = None
        self._trace = None

    @property
    def name(self):
        return self.summary.get("name") or os.path.basename(os.path.normpath(self.path))

    @property
    def scenario(self):
        """The resolved scenario, flattened to dotted keys ({} if unreadable)."""
        if self._scenario is None:
            self._scenario = {}
            path = os.path.join(self.path, "scenario.toml")
            if tomllib is not None and os.path.isfile(path):
                with open(path, "rb") as f:
                    try:
                        self._scenario = flatten(tomllib.load(f))
                    except tomllib.TOMLDecodeError:
                        pass
        return self._scenario

    def keys(self):
        """Everything a --filter or a legend may use: scenario keys, then sweep columns."""
        merged = dict(self.scenario)
        merged.update(self.sweep_keys)
        return merged

    def value(self, key, default="-"):
        """A sweep column or scenario key (`seed` is run.seed), for labels and groups."""
        if key in self.sweep_keys:
            return self.sweep_keys[key]
        return self.scenario.get(COLUMN_KEYS.get(key, key), default)

    @property
    def trace(self):
        if self._trace is None:
            path = os.path.join(self.path, "trace.csv")
            if not os.path.isfile(path):
                raise PlotError(f"{self.path}: no trace.csv (the run did not start or failed: "
                                f"see its error.txt)")
            with open(path, newline="") as f:
                reader = csv.DictReader(f)
                names = reader.fieldnames or []
                missing = [c for c in TRACE_COLUMNS if c not in names]
                if missing:
                    raise PlotError(f"{path}: missing column(s) {', '.join(missing)}")
                wanted = TRACE_COLUMNS + tuple(c for c in OPTIONAL_TRACE_COLUMNS if c in names)
                cols = {c: [] for c in wanted}
                for row in reader:
                    for c in wanted:
                        v = to_float(row[c])
                        cols[c].append(float("nan") if v is None else v)
            self._trace = cols
        return self._trace


class Sweep:
    """A sweep or tune directory: the rows of sweep.csv (tune.csv), the varied columns (those
    before `run`; a tune's tuned key is one), targets. Columns are read by name: a table with
    more columns (bytes, a tune's exponent) or fewer (an older table) is fine."""

    def __init__(self, path):
        self.path = path
        table = table_of(path)
        if table is None:
            raise PlotError(f"{path}: not a sweep or tune directory (no sweep.csv or tune.csv)")
        self.table = table
        with open(table, newline="") as f:
            reader = csv.DictReader(f)
            self.columns = list(reader.fieldnames or [])
            self.rows = [{k: (v if v is not None else "") for k, v in r.items()} for r in reader]
        if "run" not in self.columns:
            raise PlotError(f"{table}: no `run` column (not a table written by ef21sim sweep or tune)")
        self.varied = self.columns[: self.columns.index("run")]
        self.targets = []
        for c in self.columns:
            if c.endswith("_round"):
                t = c[: -len("_round")]
                if all(t + s in self.columns for s in TARGET_SUFFIXES):
                    self.targets.append(t)

    def check_key(self, key, what="key"):
        if key not in self.varied:
            raise PlotError(f"{self.path}: unknown {what} `{key}`: the sweep varies "
                            f"{', '.join(self.varied) or 'nothing'}")

    def runs(self, filters=()):
        out = []
        for row in self.rows:
            keys = {k: row[k] for k in self.varied}
            run = Run(os.path.join(self.path, row["run"]), keys)
            run.row = row
            out.append(run)
        return apply_filters(out, filters, self.path)


def parse_filters(specs):
    out = []
    for spec in specs or []:
        key, sep, value = spec.partition("=")
        if not sep or not key.strip():
            raise PlotError(f"--filter {spec}: expected KEY=VALUE")
        out.append((key.strip(), value.strip()))
    return out


def apply_filters(runs, filters, where):
    for key, value in filters:
        if runs and not any(key in r.keys() for r in runs):
            known = sorted({k for r in runs for k in r.sweep_keys}) or sorted(runs[0].keys())
            raise PlotError(f"{where}: --filter: unknown key `{key}` (known: {', '.join(known)})")
        runs = [r for r in runs if key in r.keys() and values_equal(r.keys()[key], value)]
    return runs


def short_names(keys):
    """Legend names for dotted keys: the last component unless two keys share it."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def differing_keys(runs, ignore=("run.name",)):
    """Scenario/sweep keys whose values differ between the runs, in first-seen order."""
    order = []
    for r in runs:
        for k in r.keys():
            if k not in order and k not in ignore:
                order.append(k)
    out = []
    for k in order:
        vals = [format_value(r.keys().get(k, "-")) for r in runs]
        if len(set(vals)) > 1:
            out.append(k)
    return out


def parse_range(text, what="--rounds"):
    """`A..B` (inclusive), `A..`, `..B` or `A` -> (lo, hi) with None for an open end."""
    t = text.strip()
    try:
        if ".." in t:
            a, b = t.split("..", 1)
            lo = int(a) if a.strip() else None
            hi = int(b) if b.strip() else None
        else:
            lo = hi = int(t)
    except ValueError:
        raise PlotError(f"{what} {text}: expected A..B (integers, inclusive)")
    if lo is not None and hi is not None and hi < lo:
        raise PlotError(f"{what} {text}: empty range")
    return lo, hi


def power_of_two_axis(values):
    """True if every value is a positive power of two and there are at least 3 of them."""
    nums = [to_float(v) for v in values]
    if len(set(values)) < 3 or any(v is None or v <= 0 for v in nums):
        return False
    return all(math.isclose(v, 2.0 ** round(math.log2(v)), rel_tol=1e-9) for v in nums)


def check_out(out):
    """--out must name a PNG file we can create: checked before any work (exit 2 otherwise)."""
    if not out.lower().endswith(".png"):
        raise PlotError(f"--out {out}: expected a .png file name")
    full = os.path.abspath(out)
    directory = os.path.dirname(full)
    if os.path.isdir(full):
        raise PlotError(f"--out {out}: is a directory (expected a .png file name)")
    if not os.path.exists(directory):
        # Name the first missing or non-directory component: the usual typo.
        probe = directory
        while not os.path.exists(probe) and os.path.dirname(probe) != probe:
            probe = os.path.dirname(probe)
        if not os.path.isdir(probe):
            raise PlotError(f"--out {out}: {probe} is not a directory")
        raise PlotError(f"--out {out}: directory {directory} does not exist")
    if not os.path.isdir(directory):
        raise PlotError(f"--out {out}: {directory} is not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PlotError(f"--out {out}: directory {directory} is not writable")
    if os.path.exists(full) and not os.access(full, os.W_OK):
        raise PlotError(f"--out {out}: the file exists and is not writable")


def save(fig, out, tight=False):
    check_out(out)  # again: the directory may have gone meanwhile
    try:
        fig.savefig(out, dpi=110, format="png", bbox_inches="tight" if tight else None)
    except OSError as e:
        raise PlotError(f"--out {out}: cannot write it ({e.strerror or e})")
    print(f"plot: wrote {out}")
