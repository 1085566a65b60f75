#!/usr/bin/python3
"""End-to-end tests of `ef21sim sweep` / `ef21sim best` on small synthetic scenarios.

usage: sweep_cli_test.py EF21SIM WORKDIR CASE [MPIEXEC]
CASE: grid_naming jobs_invariance kill_resume failing_runs diverging_run bad_input best
      wire_bytes best_several shard_concurrency tune_search tune_resume tune_bad_input
      mpi (needs MPIEXEC: a build with MPI) mpi_unavailable (a build without MPI)
"""
import csv
import io
import json
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

BINARY, WORK, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
MPIEXEC = sys.argv[4] if len(sys.argv) > 4 else None
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


def command(name, *args, check_code=0, launcher=()):
    proc = subprocess.run([*launcher, BINARY, name, *args], capture_output=True, text=True)
    if check_code is not None and proc.returncode != check_code:
        fail(f"{' '.join(launcher)} ef21sim {name} {' '.join(args)}: exit {proc.returncode}, expected {check_code}\n"
             f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def sweep(*args, check_code=0, launcher=()):
    return command("sweep", *args, check_code=check_code, launcher=launcher)


def tune(*args, check_code=0, launcher=()):
    return command("tune", *args, check_code=check_code, launcher=launcher)


def best(*args, check_code=0):
    return command("best", *args, check_code=check_code)


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def rows(out, table="sweep.csv"):
    return list(csv.DictReader(io.StringIO(read(os.path.join(out, table)))))


def summary_without_host(path):
    s = json.loads(read(path))
    s.pop("host")
    return s


def run_dirs(out):
    return sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d)))


def summary_times(out):
    """Published run -> mtime of its summary.json: a run that is redone gets a new one. A private
    directory (".NAME.partial-HOST-PID-N") is a run not yet published, even with its summary
    written: a kill at that moment leaves it to be redone by --resume. Runs may be published
    (renamed) while this looks: a summary gone between listing and stat is skipped."""
    times = {}
    for d in run_dirs(out):
        if d.startswith("."):
            continue
        try:
            times[d] = os.stat(os.path.join(out, d, "summary.json")).st_mtime_ns
        except FileNotFoundError:
            pass
    return times


def same_outputs(a, b, tables):
    """The tables byte for byte, the same run directories with the same traces and summaries."""
    for t in tables:
        expect(read(os.path.join(a, t), "rb") == read(os.path.join(b, t), "rb"), f"{t} differs between {a} and {b}")
    expect(run_dirs(a) == run_dirs(b), f"run directories differ:\n{run_dirs(a)}\n{run_dirs(b)}")
    for d in run_dirs(a):
        expect(read(os.path.join(a, d, "trace.csv"), "rb") == read(os.path.join(b, d, "trace.csv"), "rb"),
               f"{d}/trace.csv differs")
        expect(summary_without_host(os.path.join(a, d, "summary.json")) ==
               summary_without_host(os.path.join(b, d, "summary.json")), f"{d}/summary.json differs")


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
                     "min_grad_norm_sq,final_time_s,final_bits_up,final_bytes_up,final_bytes_down,final_bytes_total,"
                     "grad_norm_sq_round,grad_norm_sq_time_s,grad_norm_sq_bits_up,grad_norm_sq_bytes_up,"
                     "grad_norm_sq_bytes_down,grad_norm_sq_bytes_total,message",
           f"header: {header}")
    for r in table:
        expect(r["status"] in ("converged", "max_rounds"), f"status {r['status']}")
        d = os.path.join(out, r["run"])
        for f in ("scenario.toml", "trace.csv", "summary.json"):
            expect(os.path.exists(os.path.join(d, f)), f"{d}/{f} missing")
        sm = json.loads(read(os.path.join(d, "summary.json")))
        expect(str(sm["rounds"]) == r["rounds"], "rounds differ from summary.json")
        with open(os.path.join(d, "trace.csv")) as f:
            lowest = min(float(t["grad_norm_sq"]) for t in csv.DictReader(f))
        expect(float(r["min_grad_norm_sq"]) == lowest, f"min_grad_norm_sq {r['min_grad_norm_sq']}, trace {lowest}")
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
    p = subprocess.run([BINARY, "best", out, "--group-by", "compressor.kk"], capture_output=True, text=True)
    expect(p.returncode == 2 and "did you mean `compressor.k`" in p.stderr, p.stderr)
    # A scenario key the sweep does not vary: read from each run's scenario.toml (one group here).
    p = subprocess.run([BINARY, "best", out, "--group-by", "compressor.k"], capture_output=True, text=True)
    expect(p.returncode == 0 and "| 1 | ef21 |" in p.stdout, p.stdout + p.stderr)


def case_wire_bytes():
    # EF21 Top-1 on d = 10 with 40-byte headers: round 0 sends the dense gradient (40 + 40 bytes),
    # every later round 40 + 4; the server broadcasts the dense model (40 + 40) every round.
    s = scenario("bytes.toml", rounds=60)
    out = os.path.join(ROOT, "out")
    sweep(s, "--grid", "protocol.kind=ps,allgather", "--set", "network.header_bytes=40", "--set",
          "run.record_messages=true", "--out", out, "--quiet")
    table = rows(out)
    expect(len(table) == 2, str(table))
    for r in table:
        rounds = int(r["rounds"])
        with open(os.path.join(out, r["run"], "messages.csv")) as f:
            messages = list(csv.DictReader(f))
        n = json.loads(read(os.path.join(out, r["run"], "summary.json")))["constants"]["n"]
        sent = sum(int(m["bytes"]) for m in messages if m["src"].startswith("w")) / n
        received = sum(int(m["bytes"]) for m in messages if m["dst"].startswith("w")) / n
        expect(float(r["final_bytes_up"]) == sent and float(r["final_bytes_down"]) == received,
               f"{r['protocol.kind']}: bytes up/down {r['final_bytes_up']}/{r['final_bytes_down']}, "
               f"messages.csv says {sent}/{received}")
        expect(float(r["final_bytes_total"]) == sent + received, "bytes_total")
        if r["protocol.kind"] == "ps":
            expect(sent == 80 + (rounds - 1) * 44 and received == 80 * rounds,
                   f"ps after {rounds} rounds: {sent} up, {received} down")
            # The paper's bits: k * 32 per round from round 1 on, billed in the row of the iterate
            # the message is computed at; round 0 and headers are free.
            expect(float(r["final_bits_up"]) == rounds * 32, f"paper bits {r['final_bits_up']} after {rounds} rounds")
        else:
            expect(sent == received, "allgather: every worker receives as much as it sends on average")
        if r["grad_norm_sq_round"]:
            for k in ("up", "down", "total"):
                expect(r[f"grad_norm_sq_bytes_{k}"] == r[f"final_bytes_{k}"], "target bytes = bytes at the stop")
        else:
            expect(r["grad_norm_sq_bytes_total"] == "", "bytes of a target not reached")


def case_best_several():
    s = scenario("several.toml", rounds=2000, stop="1e-4")
    main, other, cmp = (os.path.join(ROOT, d) for d in ("main", "other", "cmp"))
    sweep(s, "--grid", "algorithm.kind=ef,ef21", "--grid", "algorithm.multiplier=1,4", "--out", main, "--quiet")
    # A method swept on its own (its kind set, not varied), and a tune (columns of its own).
    sweep(s, "--set", "algorithm.kind=ef21-plus", "--grid", "algorithm.multiplier=1,2", "--out", other, "--quiet")
    tuned = os.path.join(ROOT, "tuned")
    tune(s, "--set", "algorithm.kind=ef21-plus", "--refine", "0", "--out", tuned, "--quiet")
    p = best(main, other, tuned, "--by", "bytes", "--group-by", "algorithm.kind", "--out", cmp)
    chosen = rows(cmp, "best.csv")
    header = read(os.path.join(cmp, "best.csv")).splitlines()[0].split(",")
    expect(header[:4] == ["source", "algorithm.kind", "algorithm.multiplier", "run"], str(header))
    expect(header[-2:] == ["exponent", "batch"], f"tune's own columns last: {header}")
    candidates = []
    for d, name in ((main, "../main"), (other, "../other"), (tuned, "../tuned")):
        table = "tune.csv" if d == tuned else "sweep.csv"
        for r in rows(d, table):
            candidates.append(dict(r, source=name, kind=r.get("algorithm.kind") or "ef21-plus"))
    expect([r["algorithm.kind"] for r in chosen] == ["ef", "ef21", "ef21-plus"], str(chosen))
    for r in chosen:
        pool = [c for c in candidates if c["kind"] == r["algorithm.kind"] and c["grad_norm_sq_bytes_total"]]
        want = min(pool, key=lambda c: (float(c["grad_norm_sq_bytes_total"]), float(c["grad_norm_sq_time_s"])))
        expect((r["source"], r["run"]) == (want["source"], want["run"]), f"{r['algorithm.kind']}: {r} vs {want}")
        expect(os.path.isdir(os.path.join(cmp, r["source"], r["run"])), "source/run is the run directory")
        if r["source"] != "../tuned":
            expect(r["exponent"] == "" and r["batch"] == "", "a column only the tune has is empty elsewhere")
    expect("| ef21-plus | ../other |" in p.stdout or "| ef21-plus | ../tuned |" in p.stdout, p.stdout)
    expect("wire bytes per worker" in p.stdout, p.stdout)
    # Without --out: printed only.
    p = best(main, other)
    expect("best.csv not written" in p.stdout, p.stdout)
    # A key that is neither varied nor a scenario key.
    p = best(main, other, "--group-by", "algorithm.knd", check_code=2)
    expect("did you mean `algorithm.kind`" in p.stderr, p.stderr)
    p = best(main, os.path.join(ROOT, "nowhere"), check_code=2)
    expect("nowhere" in p.stderr, p.stderr)
    # One directory: best.csv in it, the sweep.csv header, as before.
    best(main, "--group-by", "algorithm.kind")
    expect(read(os.path.join(main, "best.csv")).splitlines()[0] == read(os.path.join(main, "sweep.csv")).splitlines()[0],
           "single-directory best.csv has sweep.csv's header")


def case_shard_concurrency():
    s = scenario("shard.toml", rounds=1500, rows=800, dim=30)
    grid = ["--grid", "algorithm.kind=ef,ef21", "--grid", "algorithm.multiplier=1,2,4", "--seeds", "1..2"]
    local = os.path.join(ROOT, "local")
    sweep(s, *grid, "--jobs", "1", "--out", local, "--quiet")
    shared = os.path.join(ROOT, "shared")
    procs = [subprocess.Popen([BINARY, "sweep", s, *grid, "--shard", f"{i}/3", "--out", shared],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(3)]
    outputs = [p.communicate() for p in procs]
    for i, (p, (_, err)) in enumerate(zip(procs, outputs)):
        expect(p.returncode == 0, f"shard {i}/3 exited {p.returncode}:\n{err}")
        expect(f"shard {i}/3: 4 runs" in err, err)
    expect(not os.path.exists(os.path.join(shared, "sweep.csv")), "a shard wrote sweep.csv")
    expect(len(summary_times(shared)) == 12, f"complete runs: {sorted(summary_times(shared))}")
    expect(not [d for d in os.listdir(shared) if d.startswith(".")], f"leftovers: {os.listdir(shared)}")
    before = summary_times(shared)
    time.sleep(0.01)
    p = sweep(s, *grid, "--resume", "--out", shared)
    expect("12 of 12 runs already complete" in p.stderr and "[" not in p.stderr, p.stderr)
    expect(summary_times(shared) == before, "assembling the table reran a run")
    same_outputs(local, shared, ["sweep.csv"])
    # A shard of another sweep is refused.
    p = sweep(s, "--grid", "algorithm.kind=ef", "--shard", "0/2", "--out", shared, check_code=2)
    expect("same sweep" in p.stderr, p.stderr)


def standing(r, target="grad_norm_sq", cost="_bits_up", tie="_time_s"):
    """tools/ef21sim/best_selection.hpp's order, independently: lower is better."""
    if r["status"] == "error":
        return (3, 0.0, 0.0)
    if r[target + cost]:
        return (0, float(r[target + cost]), float(r[target + tie]))
    if r["status"] == "diverged":
        return (2, -float(r["rounds"]), 0.0)
    return (1, float(r["min_grad_norm_sq"]), 0.0)


def expected_search(cost, refine, start=0, max_doublings=20):
    """tune's search as documented (`ef21sim tune --help`), on cost(exponent) -> standing, from
    the whole exponent `start`; returns the exponents it evaluates and the best one."""
    d = 2 ** refine
    seen = {}
    s = start * d

    def ev(*ticks):
        for t in ticks:
            seen[t] = cost(t / d)

    ev(s, s + d)
    direction, cur = 0, s
    if seen[s + d] < seen[s]:
        direction, cur = 1, s + d
    else:
        ev(s - d)
        if seen[s - d] < seen[s]:
            direction, cur = -1, s - d
    while direction:
        nxt = cur + direction * d
        if abs(nxt - s) > max_doublings * d:
            break
        ev(nxt)
        if not seen[nxt] < seen[cur]:
            break
        cur = nxt
    for r in range(1, refine + 1):
        b = min(seen, key=lambda t: (seen[t], t))
        if seen[b][0] == 3:
            break
        ev(*[t for t in (b - (d >> r), b + (d >> r)) if t not in seen])
    b = min(seen, key=lambda t: (seen[t], t))
    return sorted(t / d for t in seen), b / d


def automatic_start(scenario_file, sets):
    """--start auto's exponent for one group, from `ef21sim check`'s L and gamma (theory):
    round(log2(1 / (L gamma)) / 2)."""
    args = [BINARY, "check", scenario_file]
    for kv in sets:
        args += ["--set", kv]
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    L = float(re.search(r"^# L = ([^,]+),", text, re.M).group(1))
    gamma = float(re.search(r"^# gamma \(theory\) = ([^,]+),", text, re.M).group(1))
    return round(math.log2(1.0 / (L * gamma)) / 2)


def check_tune_table(out, group_keys, refine, starts=None):
    """tune.csv and best.csv against the documented search; starts: each group's first
    exponent (default 0)."""
    table = rows(out, "tune.csv")
    groups = {}
    for r in table:
        groups.setdefault(tuple(r[k] for k in group_keys), []).append(r)
    chosen = rows(out, "best.csv")
    for g, rs in groups.items():
        values = [float(r["algorithm.multiplier"]) for r in rs]
        expect(values == sorted(values), f"{g}: rows not by increasing multiplier")
        by_exp = {float(r["exponent"]): r for r in rs}
        for e, r in by_exp.items():
            expect(float(r["algorithm.multiplier"]) == 2.0 ** e, f"{g}: multiplier {r['algorithm.multiplier']} "
                                                                 f"is not 2^{e}")

        def cost(e):
            expect(e in by_exp, f"{g}: the search needs exponent {e}, tune.csv lacks it")
            return standing(by_exp[e])
        first = (starts or {}).get(g, 0)
        batch_one = sorted(float(r["exponent"]) for r in rs if r["batch"] == "1")
        expect(batch_one == [first, first + 1], f"{g}: the first batch is {batch_one}, expected 2^{first} and up")
        path, b = expected_search(cost, refine, start=first)
        expect(path == sorted(by_exp), f"{g}: evaluated {sorted(by_exp)}, the documented search evaluates {path}")
        mine = [r for r in chosen if tuple(r[k] for k in group_keys) == g]
        if standing(by_exp[b])[0] == 0:
            expect(len(mine) == 1 and float(mine[0]["exponent"]) == b, f"{g}: best.csv {mine}, expected 2^{b}")
        else:
            expect(not mine, f"{g}: nothing reached the target, yet best.csv has {mine}")
    return table


def case_tune_search():
    s = scenario("tune.toml", rounds=3000, stop="1e-4")
    outs = []
    for jobs in (1, 3):
        out = os.path.join(ROOT, f"jobs{jobs}")
        p = tune(s, "--grid", "algorithm.kind=ef,ef21", "--grid", "compressor.k=1,3", "--jobs", str(jobs),
                 "--out", out, "--quiet")
        outs.append(out)
    same_outputs(outs[0], outs[1], ["tune.csv", "best.csv"])
    # --start auto: each group's ladder starts halfway (log scale) to GD's stepsize 1/L.
    starts = {(kind, k): automatic_start(s, [f"algorithm.kind={kind}", f"compressor.k={k}"])
              for kind in ("ef", "ef21") for k in ("1", "3")}
    expect(any(v != 0 for v in starts.values()), f"the automatic starts are all 1: {starts}")
    table = check_tune_table(outs[0], ["algorithm.kind", "compressor.k"], refine=2, starts=starts)
    expect(len(table) >= 4 * 5, f"{len(table)} rows")
    expect("| algorithm.kind | compressor.k | algorithm.multiplier | run |" in p.stdout, p.stdout)
    # `best` on the tune directory picks what tune picked.
    before = read(os.path.join(outs[0], "best.csv"), "rb")
    best(outs[0], "--group-by", "algorithm.kind", "--group-by", "compressor.k")
    expect(read(os.path.join(outs[0], "best.csv"), "rb") == before, "best on tune.csv differs from tune's best.csv")
    # A run of the tune is `ef21sim run` at that multiplier.
    r = rows(outs[0], "best.csv")[0]
    single = os.path.join(ROOT, "single")
    subprocess.run([BINARY, "run", s, "--quiet", "--out", single, "--set", f"algorithm.kind={r['algorithm.kind']}",
                    "--set", f"compressor.k={r['compressor.k']}", "--set",
                    f"algorithm.multiplier={r['algorithm.multiplier']}"], check=True)
    expect(read(os.path.join(single, "trace.csv"), "rb") == read(os.path.join(outs[0], r["run"], "trace.csv"), "rb"),
           "tune's run differs from ef21sim run")
    # --by rounds with --refine 0, and an absolute stepsize tuned as algorithm.stepsize.
    out = os.path.join(ROOT, "rounds")
    tune(s, "--set", "algorithm.kind=ef21", "--by", "rounds", "--refine", "0", "--start", "1", "--out", out,
         "--quiet")
    t = rows(out, "tune.csv")
    expect(t and all(r["algorithm.multiplier"] for r in t), str(t))
    expect(sorted(r["exponent"] for r in t if r["batch"] == "1") == ["0", "1"], "--start 1 begins at 1 and 2")
    check_tune_table(out, [], refine=0)
    out = os.path.join(ROOT, "absolute")
    tune(s, "--set", "algorithm.stepsize=0.25", "--refine", "1", "--out", out, "--quiet")
    t = rows(out, "tune.csv")
    expect("algorithm.stepsize" in t[0] and "algorithm.multiplier" not in t[0], str(t[0]))
    expect(any(r["algorithm.stepsize"] == "0.25" and r["exponent"] == "0" for r in t), "starts at the scenario's")
    expect(all(float(r["algorithm.stepsize"]) == 0.25 * 2 ** float(r["exponent"]) for r in t), "stepsize = 0.25 2^e")


def case_tune_resume():
    s = scenario("tresume.toml", rounds=3000, rows=1600, dim=40, stop="1e-5")
    args = ["--grid", "algorithm.kind=ef,ef21", "--refine", "1", "--jobs", "2"]
    reference = os.path.join(ROOT, "reference")
    tune(s, *args, "--out", reference, "--quiet")
    killed = os.path.join(ROOT, "killed")
    proc = subprocess.Popen([BINARY, "tune", s, *args, "--out", killed, "--quiet"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.isdir(killed) and len(summary_times(killed)) >= 4:
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    expect(proc.returncode == -signal.SIGKILL, "the tune finished before it could be killed: make the runs longer")
    done = summary_times(killed)
    expect(len(done) < len(summary_times(reference)), f"{len(done)} runs complete at the kill")
    p = tune(s, *args, "--out", killed, check_code=2)
    expect("--resume" in p.stderr, p.stderr)
    p = tune(s, *args, "--out", killed, "--resume")
    expect(re.search(r"\((\d+) run now, (\d+) already complete\)", p.stderr), p.stderr)
    same_outputs(reference, killed, ["tune.csv", "best.csv"])
    expect(not [d for d in os.listdir(killed) if d.startswith(".")], f"leftovers: {os.listdir(killed)}")
    for d, t in done.items():
        expect(summary_times(killed)[d] == t, f"{d}: complete before the kill, yet rerun")
    # A tune resumed with other settings is refused; a sweep directory is not a tune directory.
    p = tune(s, "--grid", "algorithm.kind=ef,ef21", "--refine", "2", "--out", killed, "--resume", check_code=2)
    expect("same tune" in p.stderr, p.stderr)


def case_tune_bad_input():
    s = scenario("tbad.toml")
    no_stop = os.path.join(ROOT, "nostop.toml")
    with open(no_stop, "w") as f:
        f.write(read(s).replace("[run.stop]\ngrad_norm_sq = 1e-6\n", ""))
    cases = [
        (no_stop, [], "tune needs a stop target"),
        (s, ["--grid", "algorithm.multiplier=1,2"], "tune searches algorithm.multiplier itself"),
        (s, ["--refine", "21"], "--refine"),
        (s, ["--refine", "-1"], "--refine"),
        (s, ["--param", "algorithm.stepsize"], "theory"),
        (s, ["--param", "algorithm.kind"], "--param"),
        (s, ["--start", "0"], "--start"),
        (s, ["--by", "speed"], "--by"),
        (s, ["--target", "bits_up"], "--target"),
        (s, ["--shard", "3/3"], "--shard"),
        (s, ["--shard", "1/x"], "--shard"),
        (s, ["--grid", "compressor.k=1,0"], "compressor.k=0"),
        (s, ["--jobs", "0"], "--jobs"),
    ]
    for i, (scen, args, needle) in enumerate(cases):
        out = os.path.join(ROOT, f"out{i}")
        p = tune(scen, *args, "--out", out, check_code=2)
        expect(needle in p.stderr, f"{args}: {needle!r} not in:\n{p.stderr}")
        expect(not os.path.exists(out), f"{args}: created {out}")
    p = sweep(s, "--grid", "compressor.k=1,2", "--shard", "2/2", "--out", os.path.join(ROOT, "sh"), check_code=2)
    expect("--shard" in p.stderr and "0..1" in p.stderr, p.stderr)


def mpirun(n):
    launcher = [MPIEXEC, "--oversubscribe", "-n", str(n)]
    if os.geteuid() == 0:
        launcher.append("--allow-run-as-root")
    return launcher


def rank_pid(rank, marker):
    """The pid of MPI rank `rank` of the job whose command line contains `marker`."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = read(f"/proc/{pid}/cmdline", "rb").split(b"\0")
            environ = read(f"/proc/{pid}/environ", "rb").split(b"\0")
        except OSError:
            continue
        if marker.encode() in cmdline and f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ:
            return int(pid)
    return None


def case_mpi():
    expect(MPIEXEC, "no mpiexec given")
    s = scenario("mpi.toml", rounds=2000, rows=1600, dim=40)
    grid = ["--grid", "algorithm.kind=ef,ef21", "--grid", "algorithm.multiplier=1,2,4", "--seeds", "1..2"]
    reference = os.path.join(ROOT, "reference")
    sweep(s, *grid, "--jobs", "1", "--out", reference, "--quiet")
    # 12 points on 3 ranks: rank 0 hands them out, ranks 1 and 2 run them.
    out = os.path.join(ROOT, "mpi")
    p = sweep(s, *grid, "--out", out, launcher=mpirun(3))
    same_outputs(reference, out, ["sweep.csv"])
    ranks = set(re.findall(r"\(rank (\d+)\)", p.stderr))
    expect(ranks == {"1", "2"}, f"runs by ranks {ranks}:\n{p.stderr}")
    # Rank 2 killed part way: mpirun ends the job; --resume (under MPI) completes it. Runs of 8000
    # rounds that never stop early (about 0.25 s each), so that rank 1 cannot finish the other ten in
    # the moments mpirun takes to end the job (with the short runs it once did, under load).
    s = scenario("mpikill.toml", rounds=8000, rows=1600, dim=40, stop="1e-30")
    reference = os.path.join(ROOT, "reference-kill")
    sweep(s, *grid, "--jobs", "2", "--out", reference, "--quiet")
    killed = os.path.join(ROOT, "killed")
    proc = subprocess.Popen([*mpirun(3), BINARY, "sweep", s, *grid, "--out", killed, "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    victim = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.isdir(killed) and len(summary_times(killed)) >= 2:
            victim = rank_pid(2, killed)
            if victim:
                break
        time.sleep(0.005)
    expect(victim, "rank 2 was not found running (the sweep finished too fast?)")
    os.kill(victim, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    expect(proc.returncode != 0, f"mpirun exited 0 after rank 2 was killed:\n{err}")
    done = summary_times(killed)
    expect(2 <= len(done) < 12, f"{len(done)} runs complete when rank 2 was killed")
    p = sweep(s, *grid, "--out", killed, "--resume", launcher=mpirun(3))
    expect(f"{len(done)} of 12 runs already complete" in p.stderr, p.stderr)
    same_outputs(reference, killed, ["sweep.csv"])
    for d, t in done.items():
        expect(summary_times(killed)[d] == t, f"{d}: complete before the kill, yet rerun")
    # tune under MPI gives what tune gives in one process.
    t = scenario("mpitune.toml", rounds=1500, stop="1e-4")
    local, remote = os.path.join(ROOT, "tune-local"), os.path.join(ROOT, "tune-mpi")
    tune(t, "--grid", "algorithm.kind=ef,ef21", "--refine", "1", "--out", local, "--quiet")
    tune(t, "--grid", "algorithm.kind=ef,ef21", "--refine", "1", "--out", remote, "--quiet", launcher=mpirun(3))
    same_outputs(local, remote, ["tune.csv", "best.csv"])
    # --mpi in a single process (MPI's singleton mode) is the local sweep.
    single = os.path.join(ROOT, "single")
    sweep(s, *grid, "--mpi", "--jobs", "2", "--out", single, "--quiet")  # s, reference: the 8000-round pair
    same_outputs(reference, single, ["sweep.csv"])


def case_mpi_unavailable():
    s = scenario("nompi.toml")
    for name in ("sweep", "tune"):
        p = command(name, s, "--grid", "compressor.k=1,2", "--mpi", "--out", os.path.join(ROOT, name), check_code=2)
        expect("built without MPI" in p.stderr, p.stderr)
        expect(not os.path.exists(os.path.join(ROOT, name)), "created the output")
    # Started by mpirun (its environment) on a build without MPI: rank 0 says so, the others keep quiet.
    for rank, loud in (("0", True), ("1", False)):
        env = dict(os.environ, OMPI_COMM_WORLD_SIZE="3", OMPI_COMM_WORLD_RANK=rank)
        p = subprocess.run([BINARY, "sweep", s, "--grid", "compressor.k=1,2", "--out", os.path.join(ROOT, "x")],
                           capture_output=True, text=True, env=env)
        expect(p.returncode == 2 and ("built without MPI" in p.stderr) == loud, f"rank {rank}: {p.stderr}")


if __name__ == "__main__":
    shutil.rmtree(ROOT, ignore_errors=True)
    globals()["case_" + CASE]()
    print("ok:", CASE)
