#!/usr/bin/python3
"""End-to-end tests of `ef21sim sweep` / `ef21sim best` on small synthetic scenarios.

usage: sweep_cli_test.py EF21SIM WORKDIR CASE
CASE: grid_naming jobs_invariance kill_resume failing_runs diverging_run bad_input best
"""
import csv
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

BINARY, WORK, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.path.join(WORK, CASE)

BASE = """\
[run]
name = "tiny"
rounds = {rounds}
metrics_every = 10
seed = 1
[run.stop]
grad_norm_sq = {stop}
[data]
workers = 4
{data}
[problem]
kind = "{problem}"
lambda = 0.1
[algorithm]
kind = "ef21"
multiplier = 1
[compressor]
kind = "top-k"
k = 1
[network]
uplink = "100 Mbps"
latency = "10 us"
"""


def scenario(name, rounds=300, rows=200, dim=10, problem="logreg-nonconvex", extra="", stop="1e-6", synthetic=True):
    os.makedirs(ROOT, exist_ok=True)
    path = os.path.join(ROOT, name)
    data = f'source = "synthetic"\n[data.synthetic]\nrows = {rows}\ndim = {dim}' if synthetic else ""
    with open(path, "w") as f:
        f.write(BASE.format(rounds=rounds, stop=stop, data=data, problem=problem) + extra)
    return path


def sweep(*args, check_code=0):
    proc = subprocess.run([BINARY, "sweep", *args], capture_output=True, text=True)
    if check_code is not None and proc.returncode != check_code:
        fail(f"ef21sim sweep {' '.join(args)}: exit {proc.returncode}, expected {check_code}\n"
             f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def rows(out):
    return list(csv.DictReader(io.StringIO(read(os.path.join(out, "sweep.csv")))))


def summary_without_host(path):
    s = json.loads(read(path))
    s.pop("host")
    return s


def run_dirs(out):
    return sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d)))


# ---------------------------------------------------------------------------------------

def case_grid_naming():
    s = scenario("grid.toml")
    out = os.path.join(ROOT, "out")
    p = sweep(s, "--grid", "algorithm.kind=ef,ef21", "--grid", "algorithm.multiplier=1,2,4", "--seeds", "3..4",
              "--out", out, "--jobs", "2")
    table = rows(out)
    expect(len(table) == 12, f"12 rows expected, got {len(table)}")
    names = [r["run"] for r in table]
    expected = [f"algorithm.kind-{k}_algorithm.multiplier-{m}_seed-{s}"
                for k in ("ef", "ef21") for m in (1, 2, 4) for s in (3, 4)]
    expect(names == expected, f"run names / order:\n{names}\nexpected\n{expected}")
    expect(run_dirs(out) == sorted(expected), f"run directories: {run_dirs(out)}")
    header = read(os.path.join(out, "sweep.csv")).splitlines()[0]
    expect(header == "algorithm.kind,algorithm.multiplier,seed,run,status,rounds,final_f,final_grad_norm_sq,"
                     "final_time_s,final_bits_up,grad_norm_sq_round,grad_norm_sq_time_s,grad_norm_sq_bits_up,message",
           f"header: {header}")
    for r in table:
        expect(r["status"] in ("converged", "max_rounds"), f"status {r['status']}")
        d = os.path.join(out, r["run"])
        for f in ("scenario.toml", "trace.csv", "summary.json"):
            expect(os.path.exists(os.path.join(d, f)), f"{d}/{f} missing")
        sm = json.loads(read(os.path.join(d, "summary.json")))
        expect(str(sm["rounds"]) == r["rounds"], "rounds differ from summary.json")
        resolved = read(os.path.join(d, "scenario.toml"))
        expect(re.search(rf'^kind = "{r["algorithm.kind"]}"', resolved, re.M), "method not in scenario.toml")
        expect(re.search(rf'^seed = {r["seed"]}$', resolved, re.M), "seed not in scenario.toml")
    # One progress line per run.
    progress = [l for l in p.stderr.splitlines() if l.startswith("[")]
    expect(len(progress) == 12 and progress[-1].startswith("[12/12] "), f"progress lines:\n{p.stderr}")
    expect(re.search(r"\] algorithm\.kind=ef(21)?,algorithm\.multiplier=\d,seed=\d: (converged in|max_rounds after) \d+ rounds",
                     progress[0]), progress[0])
    # A run directory of a sweep is what `ef21sim run --set ...` writes.
    single = os.path.join(ROOT, "single")
    subprocess.run([BINARY, "run", s, "--quiet", "--out", single, "--set", "algorithm.kind=ef", "--set",
                    "algorithm.multiplier=2", "--set", "run.seed=4"], check=True)
    swept = os.path.join(out, "algorithm.kind-ef_algorithm.multiplier-2_seed-4")
    expect(read(os.path.join(single, "trace.csv")) == read(os.path.join(swept, "trace.csv")), "trace differs from run")
    expect(summary_without_host(os.path.join(single, "summary.json")) ==
           summary_without_host(os.path.join(swept, "summary.json")), "summary differs from run")
    # Quoted values with commas and blanks.
    out2 = os.path.join(ROOT, "out2")
    sweep(s, "--grid", 'network.uplink="5 Mbps","1 Gbps"', "--grid", "algorithm.kind=ef21", "--out", out2, "--quiet")
    expect([r["run"] for r in rows(out2)] == ["network.uplink-5Mbps_algorithm.kind-ef21",
                                              "network.uplink-1Gbps_algorithm.kind-ef21"], str(rows(out2)))
    expect([r["network.uplink"] for r in rows(out2)] == ["5 Mbps", "1 Gbps"], "labels")


def case_jobs_invariance():
    s = scenario("jobs.toml")
    outs = []
    for jobs in (1, 3):
        out = os.path.join(ROOT, f"jobs{jobs}")
        sweep(s, "--grid", "compressor.k=1,2,5", "--grid", "algorithm.multiplier=1,4", "--seeds", "1..2",
              "--jobs", str(jobs), "--out", out, "--quiet")
        outs.append(out)
    expect(read(os.path.join(outs[0], "sweep.csv"), "rb") == read(os.path.join(outs[1], "sweep.csv"), "rb"),
           "sweep.csv depends on --jobs")
    for d in run_dirs(outs[0]):
        expect(read(os.path.join(outs[0], d, "trace.csv"), "rb") == read(os.path.join(outs[1], d, "trace.csv"), "rb"),
               f"{d}/trace.csv depends on --jobs")


def case_kill_resume():
    # Each run takes a noticeable fraction of a second, so SIGKILL lands mid-sweep.
    s = scenario("kill.toml", rounds=2000, rows=1600, dim=40)
    grid = ["--grid", "algorithm.kind=ef,ef21", "--grid", "algorithm.multiplier=1,2,4", "--seeds", "1..2"]
    reference = os.path.join(ROOT, "reference")
    t0 = time.monotonic()
    sweep(s, *grid, "--jobs", "2", "--out", reference, "--quiet")
    elapsed = time.monotonic() - t0
    killed = os.path.join(ROOT, "killed")
    proc = subprocess.Popen([BINARY, "sweep", s, *grid, "--jobs", "2", "--out", killed, "--quiet"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = [d for d in (run_dirs(killed) if os.path.isdir(killed) else [])
                if os.path.exists(os.path.join(killed, d, "summary.json"))]
        if len(done) >= 3 or proc.poll() is not None:
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    expect(proc.returncode == -signal.SIGKILL,
           f"the sweep finished before it could be killed (reference took {elapsed:.2f} s): make the runs longer")
    done = [d for d in run_dirs(killed) if os.path.exists(os.path.join(killed, d, "summary.json"))]
    expect(3 <= len(done) < 12, f"{len(done)} runs complete at the kill")
    # The partial table is a valid CSV whose rows are rows of the final table.
    partial = read(os.path.join(killed, "sweep.csv"))
    ref_text = read(os.path.join(reference, "sweep.csv"))
    ref_lines = ref_text.splitlines()
    expect(partial.splitlines()[0] == ref_lines[0], "partial header")
    expect(all(l in ref_lines for l in partial.splitlines()), "a partial row is not a final row")
    # Without --resume the directory is refused.
    p = sweep(s, *grid, "--out", killed, check_code=2)
    expect("--resume" in p.stderr, p.stderr)
    # A resume with another grid is refused.
    p = sweep(s, "--grid", "algorithm.kind=ef,ef21", "--out", killed, "--resume", check_code=2)
    expect("same sweep" in p.stderr, p.stderr)
    # Leftovers of a run killed while writing: deleted, the run redone.
    missing = [d for d in run_dirs(reference) if d not in done]
    os.makedirs(os.path.join(killed, missing[-1]), exist_ok=True)
    for junk in ("trace.csv", "trace.csv.tmp", "summary.json.tmp"):
        with open(os.path.join(killed, missing[-1], junk), "w") as f:
            f.write("partial")
    p = sweep(s, *grid, "--jobs", "2", "--out", killed, "--resume")
    expect(re.search(r"(\d+) of 12 runs already complete", p.stderr), p.stderr)
    expect(read(os.path.join(killed, "sweep.csv"), "rb") == read(os.path.join(reference, "sweep.csv"), "rb"),
           "resumed sweep.csv differs from the uninterrupted one")
    expect(run_dirs(killed) == run_dirs(reference), "run directories differ")
    for d in run_dirs(reference):
        expect(summary_without_host(os.path.join(killed, d, "summary.json")) ==
               summary_without_host(os.path.join(reference, d, "summary.json")), f"{d}/summary.json differs")
        expect(read(os.path.join(killed, d, "trace.csv"), "rb") == read(os.path.join(reference, d, "trace.csv"), "rb"),
               f"{d}/trace.csv differs")
        leftovers = [f for f in os.listdir(os.path.join(killed, d)) if f.endswith(".tmp")]
        expect(not leftovers, f"temporary files left in {d}: {leftovers}")
    # Resuming a complete sweep reruns nothing and changes nothing.
    before = {d: os.stat(os.path.join(killed, d, "summary.json")).st_mtime_ns for d in run_dirs(killed)}
    p = sweep(s, *grid, "--out", killed, "--resume")
    expect("12 of 12 runs already complete" in p.stderr, p.stderr)
    after = {d: os.stat(os.path.join(killed, d, "summary.json")).st_mtime_ns for d in run_dirs(killed)}
    expect(before == after, "a complete run was rerun")
    expect(read(os.path.join(killed, "sweep.csv"), "rb") == read(os.path.join(reference, "sweep.csv"), "rb"),
           "sweep.csv changed")


def case_failing_runs():
    os.makedirs(ROOT, exist_ok=True)
    with open(os.path.join(ROOT, "good.csv"), "w") as f:
        for i in range(40):
            f.write(f"{i % 2},{(i * 7) % 5 - 2},{(i * 3) % 4 - 1.5},{i / 40}\n")
    with open(os.path.join(ROOT, "bad.csv"), "w") as f:
        f.write("1,0.5,0.25,1\n0,abc,1,2\n")
    s = scenario("fail.toml", synthetic=False)
    out = os.path.join(ROOT, "out")
    p = sweep(s, "--grid", 'data.source="good.csv","bad.csv","missing.csv"', "--grid", "compressor.k=1,3",
              "--out", out, "--jobs", "2")
    table = rows(out)
    expect(len(table) == 6, str(table))
    by = {(r["data.source"], r["compressor.k"]): r for r in table}
    for k in ("1", "3"):
        expect(by[("good.csv", k)]["status"] in ("converged", "max_rounds"), str(by[("good.csv", k)]))
        for bad in ("bad.csv", "missing.csv"):
            r = by[(bad, k)]
            expect(r["status"] == "error" and r["message"] and bad in r["message"], f"{bad}: {r}")
            expect(r["rounds"] == "" and r["final_f"] == "", str(r))
            err = os.path.join(out, r["run"], "error.txt")
            expect(os.path.exists(err) and not os.path.exists(os.path.join(out, r["run"], "summary.json")), err)
    expect("error:" in p.stderr, p.stderr)
    # k beyond d (d = 3 here) is only known once the data is loaded: a recorded failure too.
    out2 = os.path.join(ROOT, "out2")
    sweep(s, "--set", 'data.source="good.csv"', "--grid", "compressor.k=1,9", "--out", out2, "--quiet")
    t2 = rows(out2)
    expect([r["status"] for r in t2][1] == "error" and t2[0]["status"] != "error", str(t2))
    # --resume reruns the failed runs (and only them); fixing the data makes them succeed.
    with open(os.path.join(ROOT, "missing.csv"), "w") as f:
        f.write(read(os.path.join(ROOT, "good.csv")))
    good_mtime = os.stat(os.path.join(out, by[("good.csv", "1")]["run"], "summary.json")).st_mtime_ns
    sweep(s, "--grid", 'data.source="good.csv","bad.csv","missing.csv"', "--grid", "compressor.k=1,3",
          "--out", out, "--resume", "--quiet")
    table = rows(out)
    by = {(r["data.source"], r["compressor.k"]): r for r in table}
    expect(by[("missing.csv", "1")]["status"] != "error", str(by[("missing.csv", "1")]))
    expect(not os.path.exists(os.path.join(out, by[("missing.csv", "1")]["run"], "error.txt")), "stale error.txt")
    expect(by[("bad.csv", "1")]["status"] == "error", "bad.csv still fails")
    expect(os.stat(os.path.join(out, by[("good.csv", "1")]["run"], "summary.json")).st_mtime_ns == good_mtime,
           "a complete run was rerun")


def case_diverging_run():
    s = scenario("div.toml", rounds=400, problem="least-squares")
    out = os.path.join(ROOT, "out")
    sweep(s, "--grid", "algorithm.multiplier=1,1e6,2", "--out", out, "--quiet")
    st = [r["status"] for r in rows(out)]
    expect(st[1] == "diverged" and st[0] != "diverged" and st[2] != "diverged", str(st))
    d = os.path.join(out, rows(out)[1]["run"])
    expect(json.loads(read(os.path.join(d, "summary.json")))["status"] == "diverged", "summary status")


def case_bad_input():
    s = scenario("bad.toml")
    blocker = os.path.join(ROOT, "a-file")
    with open(blocker, "w") as f:
        f.write("x")
    cases = [
        (["--grid", "compressor.kk=1,2"], "did you mean `compressor.k`"),
        (["--grid", "compressor.k=1,\"two\""], "compressor.k=two"),
        (["--grid", "compressor.k=1,0"], "compressor.k=0"),
        (["--grid", "network.uplink=\"1 Gbps\",5"], "network.uplink=5"),
        (["--grid", "compressor.k="], "empty grid"),
        (["--grid", "compressor.k=1,,2"], "empty value"),
        (["--grid", "compressor.k=1,2", "--jobs", "0"], "--jobs"),
        (["--grid", "compressor.k=1,1"], "same run directory name"),
        (["--seeds", "5..2"], "seed"),
        ([], "nothing to sweep"),
    ]
    for i, (args, needle) in enumerate(cases):
        out = os.path.join(ROOT, f"out{i}")
        p = sweep(s, *args, "--out", out, check_code=2)
        expect(needle in p.stderr, f"{args}: {needle!r} not in:\n{p.stderr}")
        expect(not os.path.exists(out), f"{args}: created {out}")
    # An output directory that cannot be created or written.
    p = sweep(s, "--grid", "compressor.k=1,2", "--out", os.path.join(blocker, "sub"), check_code=2)
    expect("cannot" in p.stderr or "not a directory" in p.stderr.lower(), p.stderr)
    p = sweep(s, "--grid", "compressor.k=1,2", "--out", blocker, check_code=2)
    expect("not a directory" in p.stderr, p.stderr)
    if os.geteuid() != 0:
        ro = os.path.join(ROOT, "readonly")
        os.makedirs(ro, exist_ok=True)
        os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
        try:
            p = sweep(s, "--grid", "compressor.k=1,2", "--out", os.path.join(ro, "sweep"), check_code=2)
            expect("cannot" in p.stderr, p.stderr)
        finally:
            os.chmod(ro, stat.S_IRWXU)
    # A non-empty directory without --resume.
    full = os.path.join(ROOT, "full")
    os.makedirs(full, exist_ok=True)
    with open(os.path.join(full, "keep.txt"), "w") as f:
        f.write("x")
    p = sweep(s, "--grid", "compressor.k=1,2", "--out", full, check_code=2)
    expect("--resume" in p.stderr and os.listdir(full) == ["keep.txt"], p.stderr)
    p = sweep(s, "--grid", "compressor.k=1,2", "--out", full, "--resume", check_code=2)
    expect("not a sweep directory" in p.stderr and os.listdir(full) == ["keep.txt"], p.stderr)


def case_best():
    s = scenario("best.toml", rounds=2000, stop="1e-4")
    out = os.path.join(ROOT, "out")
    sweep(s, "--grid", "algorithm.kind=ef,ef21", "--grid", "algorithm.multiplier=1,4,16", "--out", out, "--quiet")
    table = rows(out)
    p = subprocess.run([BINARY, "best", out, "--by", "bits", "--group-by", "algorithm.kind"],
                       capture_output=True, text=True)
    expect(p.returncode == 0, p.stderr)
    best = list(csv.DictReader(io.StringIO(read(os.path.join(out, "best.csv")))))
    for kind in ("ef", "ef21"):
        reached = [r for r in table if r["algorithm.kind"] == kind and r["grad_norm_sq_bits_up"]]
        expect(reached, f"no {kind} run reached the target: {table}")
        want = min(reached, key=lambda r: (float(r["grad_norm_sq_bits_up"]), float(r["grad_norm_sq_time_s"])))
        got = [r for r in best if r["algorithm.kind"] == kind]
        expect(len(got) == 1 and got[0] == want, f"{kind}: best {got}, expected {want}")
        expect(f"| {kind} | {want['algorithm.multiplier']} | {want['run']} |" in p.stdout, p.stdout)
    p = subprocess.run([BINARY, "best", out, "--by", "speed"], capture_output=True, text=True)
    expect(p.returncode == 2, p.stderr)
    p = subprocess.run([BINARY, "best", out, "--group-by", "compressor.k"], capture_output=True, text=True)
    expect(p.returncode == 2 and "not a varied column" in p.stderr, p.stderr)


if __name__ == "__main__":
    shutil.rmtree(ROOT, ignore_errors=True)
    globals()["case_" + CASE]()
    print("ok:", CASE)
