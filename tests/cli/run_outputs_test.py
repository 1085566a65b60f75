#!/usr/bin/python3
"""End-to-end tests of what `ef21sim run` writes when things go differently (issue 12):

  * Ctrl-C (SIGINT) or SIGTERM during a run: a complete, valid run directory with status
    "interrupted" (the trace so far, summary.json, scenario.toml), exit code 130 / 143;
  * an --out that cannot be written: exit 2 before the simulation starts, nothing written;
  * an absolute data.source stays absolute in the resolved scenario.toml (a relative one is
    rewritten relative to the run directory), and either reproduces the run;
  * run.record_running_mean: trace.csv's grad_norm_sq_mean column, and summary.json's theory;
  * Ctrl-C during `ef21sim sweep`: the finished runs stay, the run in progress is not
    published, exit 130, and --resume completes the sweep as if never interrupted.

    run_outputs_test.py --ef21sim BIN --source-dir SRC CASE
    run_outputs_test.py --list
"""
import json
import os
import pty
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from listed_cases import check, run_listed_cases  # noqa: E402

HEADER = "round,time_s,bits_up,bits_down,f,grad_norm_sq"

# Long enough never to finish by itself (no stop target, 10^9 rounds of a tiny problem).
ENDLESS = """\
[run]
name = "endless"
rounds = 1000000000
metrics_every = 1000
seed = 2
[data]
workers = 4
[data.synthetic]
rows = 80
dim = 8
[algorithm]
kind = "ef21"
[compressor]
kind = "top-k"
k = 2
"""

SMALL = """\
[run]
name = "small"
rounds = 60
seed = 3
[run.stop]
grad_norm_sq = 1e-5
[data]
workers = 4
[data.synthetic]
rows = 120
dim = 10
[algorithm]
kind = "ef21"
[compressor]
kind = "top-k"
k = 2
"""

SVM = "".join(f"{1 if i % 2 else -1} 1:{(i % 7) / 7} 2:{(i % 5) / 5} 3:{(i % 3) / 3} 4:1\n" for i in range(40))


class Context:
    def __init__(self, ef21sim, source_dir, tmp):
        self.ef21sim, self.source_dir, self.tmp = ef21sim, source_dir, tmp

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def write(self, name, text):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    def run(self, *args, cwd=None):
        return subprocess.run([self.ef21sim, *args], capture_output=True, text=True, cwd=cwd or self.tmp)


def read(path):
    with open(path) as f:
        return f.read()


def no_temporaries(directory):
    left = [f for f in os.listdir(directory) if f.endswith(".tmp")]
    check(not left, f"temporary files left in {directory}: {left}")


def interrupted_by(c, sig, expected_code):
    """Starts an endless run with stderr on a terminal (so that it draws its progress line),
    sends `sig` once the run has drawn it (the simulation has started, the handler is in
    place), and checks the exit code and the run directory."""
    scenario = c.write("endless.toml", ENDLESS)
    out = c.path("run")
    master, slave = pty.openpty()
    proc = subprocess.Popen([c.ef21sim, "run", scenario, "--out", out], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave, cwd=c.tmp)
    os.close(slave)
    seen = b""
    while b"round " not in seen:  # the progress line: "round R/N  sim time ..."
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal (it exited)
            break
        if not chunk:
            break
        seen += chunk
    check(b"round " in seen, f"the run drew no progress line before it exited: {seen!r}")
    proc.send_signal(sig)
    rest = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        rest += chunk
    code = proc.wait()
    os.close(master)
    check(code == expected_code, f"exit code {code} after {sig.name}, expected {expected_code}; stderr:\n{rest!r}")
    for name in ("scenario.toml", "trace.csv", "summary.json"):
        check(os.path.isfile(os.path.join(out, name)), f"{name} missing after {sig.name}")
    no_temporaries(out)
    summary = json.loads(read(os.path.join(out, "summary.json")))  # complete, valid JSON
    check(summary["status"] == "interrupted", f"status {summary['status']!r}, expected interrupted")
    lines = read(os.path.join(out, "trace.csv")).splitlines()
    check(lines[0] == HEADER, f"trace header {lines[0]!r}")
    last = lines[-1].split(",")
    check(int(last[0]) == summary["rounds"] == summary["final"]["round"],
          f"the trace ends at round {last[0]}, the summary says {summary['rounds']}")
    check(float(last[5]) == summary["final"]["grad_norm_sq"], "the last trace row is the summary's final row")
    check(b"interrupted" in rest, f"the closing line names the status: {rest!r}")
    return summary


def sigint_writes_an_interrupted_run(c):
    interrupted_by(c, signal.SIGINT, 130)


def sigterm_writes_an_interrupted_run(c):
    interrupted_by(c, signal.SIGTERM, 143)


def unwritable_out_fails_before_the_run(c):
    # k = 20 > d = 10: an error only the simulation's construction finds. The --out error must
    # come first (the output is checked before the simulation starts).
    scenario = c.write("late-error.toml", SMALL.replace("k = 2", "k = 20"))
    blocker = c.write("a-file", "not a directory\n")
    for out, needle in ((os.path.join(blocker, "run"), "is not a directory"),
                        (os.path.join(blocker, "deeper", "run"), "is not a directory"),
                        (blocker, "exists and is not a directory")):
        p = c.run("run", scenario, "--out", out, "--quiet")
        check(p.returncode == 2, f"--out {out}: exit {p.returncode}, expected 2\n{p.stderr}")
        check(needle in p.stderr and out in p.stderr, f"--out {out}: stderr lacks {needle!r} and the path:\n{p.stderr}")
        check("exceeds d" not in p.stderr, f"--out {out}: the simulation was built before --out was checked")
    check(read(blocker) == "not a directory\n", "the blocking file was changed")
    check(not os.path.exists(c.path("results")), "something was written under results/")
    # The same with run.output in the scenario instead of --out.
    inside = c.write("output-key.toml", SMALL.replace('name = "small"', f'name = "small"\noutput = "a-file/run"'))
    p = c.run("run", inside, "--quiet")
    check(p.returncode == 2 and "is not a directory" in p.stderr, f"run.output under a file: {p.returncode}\n{p.stderr}")


def resolved_source(out):
    for line in read(os.path.join(out, "scenario.toml")).splitlines():
        if line.strip().startswith("source"):
            return line.split("=", 1)[1].strip().strip("'\"")
    raise AssertionError("no data.source in the resolved scenario")


def data_source_paths_in_the_resolved_scenario(c):
    data = c.write(os.path.join("data", "small.svm"), SVM)
    body = SMALL.replace("[data]\n", "[data]\nsource = \"SOURCE\"\n").replace("[data.synthetic]\nrows = 120\ndim = 10\n", "")
    absolute = c.write(os.path.join("scenarios", "absolute.toml"), body.replace("SOURCE", data))
    relative = c.write(os.path.join("scenarios", "relative.toml"), body.replace("SOURCE", "../data/small.svm"))
    for scenario, expect in ((absolute, data), (relative, "../../data/small.svm")):
        out = c.path("runs", os.path.basename(scenario)[:-5])
        p = c.run("run", scenario, "--out", out, "--quiet")
        check(p.returncode == 0, f"{scenario}: exit {p.returncode}\n{p.stderr}")
        got = resolved_source(out)
        check(got == expect, f"{scenario}: resolved data.source {got!r}, expected {expect!r}")
        # The resolved scenario reproduces the run, from wherever it is run.
        again = c.path("runs", os.path.basename(scenario)[:-5] + "-again")
        p = c.run("run", os.path.join(out, "scenario.toml"), "--out", again, "--quiet", cwd=c.path("data"))
        check(p.returncode == 0, f"rerun of {out}/scenario.toml: exit {p.returncode}\n{p.stderr}")
        check(read(os.path.join(out, "trace.csv")) == read(os.path.join(again, "trace.csv")),
              f"{out}/scenario.toml does not reproduce trace.csv")
    # --set data.source=ABSOLUTE counts as written absolute too.
    out = c.path("runs", "set-absolute")
    p = c.run("run", relative, "--set", f'data.source="{data}"', "--out", out, "--quiet")
    check(p.returncode == 0 and resolved_source(out) == data, f"--set absolute source: {p.stderr}")


def running_mean_column_and_theory(c):
    scenario = c.write("small.toml", SMALL)
    plain, mean = c.path("plain"), c.path("mean")
    check(c.run("run", scenario, "--out", plain, "--quiet").returncode == 0, "plain run failed")
    p = c.run("run", scenario, "--out", mean, "--quiet", "--set", "run.record_running_mean=true")
    check(p.returncode == 0, f"run with the running mean: {p.stderr}")
    plain_lines = read(os.path.join(plain, "trace.csv")).splitlines()
    lines = read(os.path.join(mean, "trace.csv")).splitlines()
    check(plain_lines[0] == HEADER, f"without the key the header stays {HEADER!r}: {plain_lines[0]!r}")
    check(lines[0] == HEADER + ",grad_norm_sq_mean", f"header with the running mean: {lines[0]!r}")
    total = 0.0
    for t, (a, b) in enumerate(zip(plain_lines[1:], lines[1:])):
        check(b.startswith(a + ","), f"row {t}: the other columns change with the running mean:\n{a}\n{b}")
        cells = b.split(",")
        total += float(cells[5])
        check(float(cells[6]) == total / (t + 1), f"row {t}: grad_norm_sq_mean {cells[6]} != {total / (t + 1)!r}")
    theory = json.loads(read(os.path.join(mean, "summary.json")))["theory"]
    check(theory == json.loads(read(os.path.join(plain, "summary.json")))["theory"],
          "the theory check does not depend on the trace column")
    check(theory["guarantee"] == "ef21-theorem-1" and theory["applies"] is True, f"theory {theory}")
    check(0 < theory["max_mean_to_bound"] <= 1, f"the bound holds here: {theory}")
    p = c.run("run", scenario, "--out", c.path("ef"), "--quiet", "--set", "algorithm.kind=ef")
    check(p.returncode == 0 and json.loads(read(c.path("ef", "summary.json")))["theory"] is None,
          "a method without a guarantee reports theory: null")
    p = c.run("run", scenario, "--out", c.path("above"), "--quiet", "--set", "algorithm.multiplier=4")
    above = json.loads(read(c.path("above", "summary.json")))["theory"]
    check(above["applies"] is False and "by a factor 4" in above["reason"] and above["max_mean_to_bound"] is None,
          f"above the theory stepsize: {above}")


def sweep_interrupted_then_resumed(c):
    # Two points, run together (--jobs 2): 50 rounds (milliseconds) and 3 x 10^5 rounds (over
    # a second in Release, 20 s under the sanitizers).
    scenario = c.write("sweep.toml", ENDLESS)
    grid = ["--grid", "run.rounds=50,300000", "--jobs", "2"]
    out = c.path("sweep")
    proc = subprocess.Popen([c.ef21sim, "sweep", scenario, *grid, "--out", out], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=c.tmp)
    lines = []
    for line in proc.stderr:  # "[1/2] run.rounds=50: max_rounds after 50 rounds"
        lines.append(line)
        if line.startswith("[1/2]"):
            break
    check(lines and "run.rounds=50" in lines[-1], f"the short run should finish first: {lines}")
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    code = proc.wait()
    check(code == 130, f"sweep interrupted: exit {code}, expected 130\n{''.join(lines)}{rest}")
    with open(os.path.join(out, "sweep.csv")) as f:
        rows = f.read().splitlines()
    check(len(rows) == 2 and rows[1].startswith("50,"), f"sweep.csv keeps the finished run only: {rows}")
    check(not os.path.exists(os.path.join(out, "run.rounds-300000")), "the interrupted run was published")
    leftovers = [n for n in os.listdir(out) if "partial" in n]
    check(not leftovers, f"private directories left: {leftovers}")
    p = c.run("sweep", scenario, *grid, "--out", out, "--resume", "--quiet")
    check(p.returncode == 0, f"--resume: exit {p.returncode}\n{p.stderr}")
    fresh = c.path("fresh")
    p = c.run("sweep", scenario, *grid, "--out", fresh, "--quiet")
    check(p.returncode == 0, f"uninterrupted sweep: exit {p.returncode}\n{p.stderr}")
    check(read(os.path.join(out, "sweep.csv")) == read(os.path.join(fresh, "sweep.csv")),
          "the resumed sweep.csv differs from an uninterrupted one")


CASES = {f.__name__: f for f in (sweep_interrupted_then_resumed, sigint_writes_an_interrupted_run, sigterm_writes_an_interrupted_run,
                                 unwritable_out_fails_before_the_run, data_source_paths_in_the_resolved_scenario,
                                 running_mean_column_and_theory)}

if __name__ == "__main__":
    sys.exit(run_listed_cases(CASES, Context, "run-outputs"))
