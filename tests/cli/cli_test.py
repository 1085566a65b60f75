#!/usr/bin/python3
"""End-to-end tests of the ef21sim command line (DESIGN.md §3-§5).

    cli_test.py --ef21sim BIN --source-dir SRC CASE
    cli_test.py --ef21sim BIN --source-dir SRC --list

Each CASE writes its fixtures (scenario files, small LIBSVM files, .dot topologies) into a
fresh temporary directory, runs the binary there and checks:
  * bad input: exit code 2, stderr starts with `FILE:LINE[:COL]: error: ` pointing at the
    expected file and line (and column when known), the message says what is wrong, and
    nothing was written (neither the --out directory nor results/);
  * good input: exit 0, the run directory files, the trace header, no *.tmp, and that the
    resolved scenario.toml reproduces trace.csv and summary.json byte for byte (host aside).
Exit status 0 = pass, 1 = fail (with the reason on stderr).
"""

import json
import os
import re
import subprocess
import sys

HEADER = "round,time_s,bits_up,bits_down,f,grad_norm_sq"


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from listed_cases import Failure, check, run_listed_cases  # noqa: E402


# ------------------------------------------------------------------ fixtures

SYNTHETIC = """\
[run]
name = "syn"
rounds = 5
seed = 3
[data]
source = "synthetic"
workers = 4
[data.synthetic]
rows = 40
dim = 10
"""

SMALL_SVM = """\
1 1:0.5 2:1 3:0.25
-1 1:1 3:-0.5
1 2:1 4:2
-1 1:-1 2:0.5 4:1
1 3:1 4:-1
-1 1:0.25 2:-1
"""

STAR_DOT = """\
graph g {
  server -- s1 [bandwidth="1 Gbps", latency="1us"];
  w0 -- s1 [bandwidth="100 Mbps", latency="2us"];
  w1 -- s1 [bandwidth="100 Mbps", latency="2us"];
  w2 -- s1 [bandwidth="10 Mbps", latency="5us"];
}
"""


def data_scenario(source, workers=3, extra=""):
    return f"""\
[run]
name = "d"
rounds = 4
[data]
source = "{source}"
workers = {workers}
{extra}"""


def line_of(text, needle):
    """1-based line of the first line containing `needle` (the fixture's marker)."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"fixture lacks {needle!r}")


class Ctx:
    def __init__(self, binary, source_dir, tmp):
        self.binary = binary
        self.source_dir = source_dir
        self.tmp = tmp

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
        return path

    def run(self, *args, cwd=None):
        p = subprocess.run([self.binary, *args], cwd=cwd or self.tmp, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def expect_error(self, args, file, line, col=None, says=(), col_known=True):
        """Runs `ef21sim ARGS --out OUT` (for run) and checks a located error, exit 2, no output."""
        before = set(os.listdir(self.tmp))
        out = os.path.join(self.tmp, "OUT")
        full = list(args) + (["--out", out] if args and args[0] == "run" else [])
        rc, stdout, stderr = self.run(*full)
        sys.stderr.write(f"$ ef21sim {' '.join(full)}\n-> exit {rc}\n{stderr}")
        check(rc == 2, f"exit code {rc}, expected 2")
        first = stderr.splitlines()[0] if stderr else ""
        m = re.match(r"^(.*?):(\d+)(?::(\d+))?: error: (.+)$", first)
        check(m is not None, f"stderr does not start with FILE:LINE[:COL]: error: ...: {first!r}")
        got_file, got_line, got_col, message = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        check(os.path.basename(got_file) == os.path.basename(file) if os.sep not in file else got_file == file,
              f"error names file {got_file!r}, expected {file!r}")
        check(got_line == line, f"error at line {got_line}, expected {line}")
        if col is not None:
            check(got_col is not None and int(got_col) == col, f"error at column {got_col}, expected {col}")
        elif col_known:
            check(got_col is not None and int(got_col) >= 1, "error has no column")
        for s in says:
            check(s in stderr, f"message lacks {s!r}")
        check(not os.path.exists(out), "the --out directory was created")
        after = set(os.listdir(self.tmp))
        check(after == before, f"files appeared: {sorted(after - before)}")
        check(stdout == "", f"unexpected stdout: {stdout!r}")
        if args and args[0] == "run":
            # without --out: the default run directory (results/<name>) is not created either
            rc2, _, stderr2 = self.run(*args)
            check(rc2 == 2 and stderr2 == stderr, "the error differs without --out")
            check(set(os.listdir(self.tmp)) == before, f"files appeared: {sorted(set(os.listdir(self.tmp)) - before)}")

    def expect_exit(self, args, code, says=()):
        rc, stdout, stderr = self.run(*args)
        sys.stderr.write(f"$ ef21sim {' '.join(args)}\n-> exit {rc}\n{stderr}")
        check(rc == code, f"exit code {rc}, expected {code}")
        for s in says:
            check(s in stdout + stderr, f"output lacks {s!r}")
        return stdout, stderr


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


# ------------------------------------------------------------------ scenario errors


@case
def unknown_table_did_you_mean(c):
    text = SYNTHETIC + "[compresor]\nk = 1\n"
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "[compresor]"),
                   says=["unknown key `compresor`", "did you mean `compressor`"])


@case
def unknown_key_did_you_mean(c):
    text = SYNTHETIC + "[compressor]\nkind = \"top-k\"\nkk = 1\n"
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "kk = 1"), col=1,
                   says=["unknown key `compressor.kk`", "did you mean `compressor.k`"])


@case
def bare_number_needs_unit(c):
    text = SYNTHETIC + "[network]\nlatency = 5\n"
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "latency = 5"), col=11,
                   says=["network.latency", "needs a unit"])


@case
def wrong_type(c):
    text = SYNTHETIC.replace("rounds = 5", 'rounds = "ten"')
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "rounds ="), col=10,
                   says=["run.rounds", "must be an integer", "string"])


@case
def out_of_range(c):
    text = SYNTHETIC.replace("rounds = 5", "rounds = -1")
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "rounds ="), col=10, says=["run.rounds", "-1"])


@case
def k_zero(c):
    text = SYNTHETIC + "[compressor]\nkind = \"top-k\"\nk = 0\n"
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "k = 0"), col=5, says=["compressor.k"])


@case
def k_exceeds_dim(c):
    # Only known once the data is built (d = 10): still located at compressor.k's line.
    text = SYNTHETIC + "[compressor]\nkind = \"top-k\"\nk = 11\n"
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "k = 11"), col=5, says=["11", "d = 10"])


@case
def workers_exceed_synthetic_rows(c):
    text = SYNTHETIC.replace("workers = 4", "workers = 50")
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "workers = 50"), says=["50 workers", "40"])


@case
def workers_exceed_file_samples(c):
    c.write("small.svm", SMALL_SVM)
    text = data_scenario("small.svm", workers=7)
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "workers = 7"), says=["7 workers", "6 samples"])


@case
def missing_data_file(c):
    text = data_scenario("no_such_data.svm")
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "source ="), says=["no_such_data.svm"])


def bad_data(c, content, line, says):
    path = c.write("bad.svm", content)
    c.write("s.toml", data_scenario("bad.svm", workers=1))
    c.expect_error(["run", "s.toml"], path, line, says=says)


@case
def libsvm_bad_index(c):
    bad_data(c, "1 1:0.5 2:1\n-1 0:1 2:1\n", 2, ["index 0"])


@case
def libsvm_non_numeric_value(c):
    bad_data(c, "1 1:0.5 2:1\n-1 1:abc 2:1\n", 2, ["abc"])


@case
def libsvm_missing_label(c):
    bad_data(c, "1 1:0.5 2:1\n1:1 2:1\n", 2, ["label"])


@case
def libsvm_nan_value(c):
    bad_data(c, "1 1:0.5 2:1\n-1 1:1 2:nan\n", 2, ["nan"])


@case
def empty_data_file(c):
    c.write("empty.svm", "")
    text = data_scenario("empty.svm", workers=1)
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "source ="), says=["empty.svm", "empty"])


@case
def toml_syntax_error(c):
    text = SYNTHETIC + "[network\nlatency = \"1 us\"\n"
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "[network"))


@case
def set_unknown_key(c):
    c.write("s.toml", SYNTHETIC)
    c.expect_error(["run", "s.toml", "--set", "compressor.kk=3"], "--set compressor.kk", 1,
                   says=["unknown key `compressor.kk`", "did you mean `compressor.k`"])


@case
def set_wrong_type(c):
    c.write("s.toml", SYNTHETIC)
    c.expect_error(["run", "s.toml", "--set", "run.rounds=ten"], "--set run.rounds", 1,
                   says=["run.rounds", "must be an integer"])
    c.expect_error(["run", "s.toml", "--set", "network.uplink=5"], "--set network.uplink", 1,
                   says=["needs a unit"])


@case
def set_through_check(c):
    # `check` validates the same way (and writes nothing).
    c.write("s.toml", SYNTHETIC)
    c.expect_error(["check", "s.toml", "--set", "algorithm.knd=ef"], "--set algorithm.knd", 1,
                   says=["did you mean `algorithm.kind`"])


@case
def workers_groups_overlap(c):
    text = SYNTHETIC + '[[workers]]\nids = "0-2"\nuplink = "5 Mbps"\n[[workers]]\nids = [2, 3]\nuplink = "1 Mbps"\n'
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "ids = [2, 3]"), says=["worker 2", "two [[workers]] groups"])


@case
def workers_ids_out_of_range(c):
    text = SYNTHETIC + '[[workers]]\nids = "2-4"\nuplink = "5 Mbps"\n'
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "ids ="), says=["2-4", "out of range", "0-3"])
    text = SYNTHETIC + '[[workers]]\nids = [0, 9]\nuplink = "5 Mbps"\n'
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "ids ="), says=["9", "out of range"])


@case
def zero_bandwidth(c):
    for table, key in (("[network]", "uplink"), ("[network.server]", "downlink")):
        text = SYNTHETIC + f'{table}\n{key} = "0 Mbps"\n'
        c.write("s.toml", text)
        c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "0 Mbps"), says=[key, "positive"])
    text = SYNTHETIC + '[[workers]]\nids = "1"\nuplink = "0 Gbps"\n'
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "0 Gbps"), says=["positive"])


def dot_case(c, dot, says, error_in_dot_line=None):
    c.write("topo.dot", dot)
    text = SYNTHETIC.replace("workers = 4", "workers = 3") + '[network]\ntopology = "topo.dot"\n'
    c.write("s.toml", text)
    if error_in_dot_line is None:
        c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "topology ="), says=["topo.dot", *says])
    else:
        c.expect_error(["run", "s.toml"], os.path.join(c.tmp, "topo.dot"), error_in_dot_line, says=says)


@case
def dot_syntax_error(c):
    dot_case(c, 'graph g {\n  server -- s1 [bandwidth="1 Gbps", latency="1us"]\n  w0 -- s1 [bandwidth=\n}\n',
             ["syntax"])


@case
def dot_missing_worker(c):
    dot_case(c, STAR_DOT.replace('  w2 -- s1 [bandwidth="10 Mbps", latency="5us"];\n', ""), ["w2"])


@case
def dot_worker_without_route(c):
    dot = STAR_DOT.replace("w2 -- s1", "w2 -- s2")
    dot_case(c, dot, ["no route", "w2"], error_in_dot_line=line_of(dot, "w2 -- s2"))


# ------------------------------------------------------------------ hostile input (issue 13)


@case
def dot_nested_braces(c):
    # About 18 000 nested braces overflowed the stack inside Boost's recursive read_graphviz;
    # the nesting is bounded (100) before the library sees the file.
    depth = 20000
    dot = STAR_DOT[: -len("}\n")] + "  " + "{" * depth + "}" * depth + "\n}\n"
    c.write("topo.dot", dot)
    text = SYNTHETIC.replace("workers = 4", "workers = 3") + '[network]\ntopology = "topo.dot"\n'
    c.write("s.toml", text)
    # The graph's body is nesting 1, so the 100th brace of the line (column 3 + 99) is nesting 101.
    c.expect_error(["run", "s.toml"], os.path.join(c.tmp, "topo.dot"), line_of(dot, "{{{"), col=102,
                   says=["nest more than 100"])


@case
def dot_subgraph_edge_expansion(c):
    # An edge between two subgraphs is one link per member pair: 400 x 400 from 4 kB of text.
    members = " ".join(f"s{i}" for i in range(400))
    dot = STAR_DOT[: -len("}\n")] + f"  {{{members}}} -- {{{members}}} [bandwidth=\"1 Gbps\"];\n}}\n"
    c.write("topo.dot", dot)
    text = SYNTHETIC.replace("workers = 4", "workers = 3") + '[network]\ntopology = "topo.dot"\n'
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], os.path.join(c.tmp, "topo.dot"), line_of(dot, "s399} --"),
                   says=["more than 100000 such links"])


@case
def toml_long_dotted_key(c):
    # A dotted key of 60 000 parts overflowed the stack inside toml++; the nesting is bounded
    # (128) before toml++ sees the text, for keys, table headers and --set keys alike.
    text = SYNTHETIC + "[network]\n" + "a." * 59999 + "a = 1\n"
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "a.a.a"), col=1, says=["nests", "at most 128"])
    text = SYNTHETIC + "[" + ".".join(["t"] * 200) + "]\nx = 1\n"
    c.write("s.toml", text)
    c.expect_error(["check", "s.toml"], "s.toml", line_of(text, "[t.t"), col=1, says=["nests", "at most 128"])
    c.write("s.toml", SYNTHETIC)
    key = "a." * 59999 + "a"
    c.expect_error(["run", "s.toml", "--set", key + "=1"], "--set " + key[:32] + "...", 1, col=1,
                   says=["dotted parts", "128"])


@case
def data_line_without_end(c):
    # 300 MiB without a line end, 300 kB as gzip: an error at the line, not gigabytes of buffer.
    import gzip
    path = os.path.join(c.tmp, "bomb.svm")
    with open(path, "wb") as fh:
        fh.write(gzip.compress(b"1 1:1 " + b"1" * (300 << 20), compresslevel=1))
    c.write("s.toml", data_scenario("bomb.svm", workers=1))
    c.expect_error(["run", "s.toml"], path, 1, says=["longer than 256 MiB"], col_known=False)


@case
def workers_ids_repeated_range(c):
    # 300 copies of a 10-million-worker range used to list 3e9 ids (24 GB) before the overlap
    # check; the second copy is now an error at once.
    text = (SYNTHETIC.replace("workers = 4", "workers = 10000000").replace("rows = 40", "rows = 20000000")
            + '[[workers]]\nids = "' + ",".join(["0-9999999"] * 300) + '"\nuplink = "5 Mbps"\n')
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "ids ="), says=["worker 0 is listed twice"])


@case
def libsvm_huge_feature_index(c):
    # "1 400000000:1" / "-1 1:1": d = 4e8 from a two-line file. The reader holds it in rows and
    # nonzeros (it used to reserve gigabytes); the run's memory estimate, whose server side alone
    # is 9 d-vectors (28.8 GB), refuses it before any d-vector exists: exit 2, located, no output.
    import resource
    c.write("wide.svm", "1 400000000:1\n-1 1:1\n")
    text = data_scenario("wide.svm", workers=2, extra='max_memory = "8 GB"\n')
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "max_memory"),
                   says=["over data.max_memory", "d = 400000000"])
    # The largest index allowed, 2^31 - 1, under the default limit (80% of physical memory): 155 GB.
    c.write("widest.svm", "1 2147483647:1\n-1 1:1\n")
    text = data_scenario("widest.svm", workers=2)
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "workers ="),
                   says=["over data.max_memory", "d = 2147483647"])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    check(peak_mb < 1024, f"ef21sim peaked at {peak_mb:.0f} MB: something allocated by d")


@case
def libsvm_feature_index_1e12(c):
    # An index of 10^12 is an error at its line and column (indices end at 2^31 - 1).
    bad_data(c, "1 1:0.5 2:1\n-1 1000000000000:1\n", 2, ["1000000000000", "too large"])


# ------------------------------------------------------------------ usage


@case
def usage_errors(c):
    c.expect_exit(["frobnicate"], 2, says=["unknown command"])
    c.expect_exit([], 2, says=["usage"])
    c.expect_exit(["run"], 2, says=["missing SCENARIO.toml"])
    c.expect_exit(["check"], 2, says=["missing SCENARIO.toml"])
    c.expect_exit(["run", "no_such_scenario.toml"], 2, says=["no_such_scenario.toml"])
    c.write("s.toml", SYNTHETIC)
    c.expect_exit(["run", "s.toml", "--frob"], 2)
    c.expect_exit(["run", "s.toml", "--threads", "0", "--out", "OUT"], 2)
    c.expect_exit(["list", "extra"], 2)
    check(sorted(os.listdir(c.tmp)) == ["s.toml"], f"files appeared: {os.listdir(c.tmp)}")


@case
def list_and_help(c):
    out, _ = c.expect_exit(["list"], 0, says=["ef21-plus", "top-k", "compressor.k", "network.server.uplink"])
    for sub in ("run", "check", "list"):
        c.expect_exit([sub, "--help"], 0)
    c.expect_exit(["--help"], 0, says=["run", "check", "list"])
    c.write("s.toml", SYNTHETIC)
    out, _ = c.expect_exit(["check", "s.toml"], 0, says=["[compressor]", "gamma"])
    check(sorted(os.listdir(c.tmp)) == ["s.toml"], "check wrote something")


# ------------------------------------------------------------------ good runs


def read(path):
    with open(path, "rb") as fh:
        return fh.read()


def summary_without_host(path):
    text = read(path).decode()
    doc = json.loads(text, parse_constant=lambda s: (_ for _ in ()).throw(Failure(f"{path}: non-JSON constant {s}")))
    check("host" in doc, "summary.json lacks host")
    lines = [l for l in text.splitlines() if not l.lstrip().startswith('"host"')]
    return doc, "\n".join(lines)


def check_run_dir(out):
    for f in ("scenario.toml", "trace.csv", "summary.json"):
        check(os.path.isfile(os.path.join(out, f)), f"{out}/{f} missing")
    leftovers = [f for f in os.listdir(out) if f.endswith(".tmp")]
    check(not leftovers, f"leftover temporaries {leftovers}")
    trace = read(os.path.join(out, "trace.csv")).decode()
    check(trace.splitlines()[0] == HEADER, f"trace header {trace.splitlines()[0]!r}")
    doc, _ = summary_without_host(os.path.join(out, "summary.json"))
    return trace, doc


def rerun_identical(c, out, out2, cwd=None):
    rc, _, stderr = c.run("run", os.path.join(out, "scenario.toml"), "--out", out2, "--quiet", cwd=cwd)
    check(rc == 0, f"rerun of the resolved scenario failed ({rc}): {stderr}")
    check_run_dir(out2)
    check(read(os.path.join(out, "trace.csv")) == read(os.path.join(out2, "trace.csv")),
          "trace.csv differs when the resolved scenario.toml is run again")
    _, a = summary_without_host(os.path.join(out, "summary.json"))
    _, b = summary_without_host(os.path.join(out2, "summary.json"))
    check(a == b, "summary.json (host aside) differs when the resolved scenario.toml is run again")
    check(read(os.path.join(out, "scenario.toml")) == read(os.path.join(out2, "scenario.toml")),
          "the resolved scenario.toml is not a fixed point")


@case
def good_run_synthetic(c):
    text = SYNTHETIC.replace("rounds = 5", "rounds = 30") + """\
[run.stop]
sim_time = "1 s"
[algorithm]
kind = "ef21"
stepsize = "theory"
multiplier = 2
[compressor]
kind = "top-k"
k = 2
[compute]
gradient_time = "auto"
speed = "1 GFLOPS"
[network]
uplink = "100 Mbps"
latency = "50 us"
header_bytes = 40
[network.server]
downlink = "1 Gbps"
[[workers]]
ids = "0-1"
uplink = "5 Mbps"
[[workers]]
ids = [3]
gradient_time = "2 ms"
speed = "2 GFLOPS"
"""
    c.write("s.toml", text)
    out = os.path.join(c.tmp, "OUT")
    rc, stdout, stderr = c.run("run", "s.toml", "--out", out, "--quiet")
    check(rc == 0, f"exit {rc}: {stderr}")
    check(stderr == "", f"--quiet run printed {stderr!r}")
    trace, doc = check_run_dir(out)
    rows = trace.splitlines()[1:]
    check(len(rows) == 31, f"{len(rows)} trace rows, expected 31")
    check(doc["status"] == "max_rounds" and doc["rounds"] == 30, f"summary status {doc['status']} {doc['rounds']}")
    check(doc["constants"]["k"] == 2 and doc["constants"]["d"] == 10, "summary constants")
    # the run directory from another working directory: paths are relative to the file
    rerun_identical(c, out, os.path.join(c.tmp, "OUT2"), cwd="/")


@case
def good_run_files_relative(c):
    # A data file, an x0 file and a .dot topology: the resolved scenario.toml names them
    # relative to the run directory, so it runs from anywhere.
    c.write("data/small.svm", SMALL_SVM)
    c.write("data/x0.txt", "0.5\n-1\n0.25\n2\n")
    c.write("net/topo.dot", STAR_DOT)
    text = data_scenario("data/small.svm", workers=3, extra="""\
[problem]
x0 = "data/x0.txt"
[algorithm]
kind = "ef21-plus"
stepsize = 0.5
[compressor]
kind = "top-k"
k = 1
[network]
topology = "net/topo.dot"
""")
    c.write("scen/s.toml", text.replace('"data/', '"../data/').replace('"net/', '"../net/'))
    out = os.path.join(c.tmp, "runs", "deep", "OUT")
    rc, _, stderr = c.run("run", "scen/s.toml", "--out", out, "--quiet")
    check(rc == 0, f"exit {rc}: {stderr}")
    check_run_dir(out)
    resolved = read(os.path.join(out, "scenario.toml")).decode()
    check(c.tmp not in resolved, "the resolved scenario holds absolute paths")
    # (a sibling run directory, so that the relative paths in scenario.toml are the same too)
    rerun_identical(c, out, os.path.join(c.tmp, "runs", "deep", "OUT2"), cwd="/")


@case
def good_run_reproducible_threads(c):
    text = SYNTHETIC.replace("workers = 4", "workers = 5").replace("rows = 40", "rows = 500") \
        .replace("rounds = 5", "rounds = 40")
    c.write("s.toml", text)
    outs = []
    for threads in (1, 2, 3):
        out = os.path.join(c.tmp, f"T{threads}")
        rc, _, stderr = c.run("run", "s.toml", "--out", out, "--quiet", "--threads", str(threads))
        check(rc == 0, f"exit {rc}: {stderr}")
        doc, body = summary_without_host(os.path.join(out, "summary.json"))
        check(doc["host"]["threads"] == threads, "host.threads")
        # 40 rounds: the run clocks its steady rounds x^1 .. x^39 (wall and CPU ms a round).
        for key in ("ms_per_round", "cpu_ms_per_round"):
            check(isinstance(doc["host"].get(key), (int, float)) and doc["host"][key] >= 0, f"host.{key}: {doc['host']}")
        outs.append((read(os.path.join(out, "trace.csv")), body))
    check(outs[0] == outs[1] == outs[2], "outputs depend on --threads")


@case
def diverged_run(c):
    text = SYNTHETIC.replace("rounds = 5", "rounds = 500") + "[algorithm]\nkind = \"gd\"\nstepsize = 1e6\n" \
        "[problem]\nkind = \"least-squares\"\n"
    c.write("s.toml", text)
    out = os.path.join(c.tmp, "OUT")
    rc, _, stderr = c.run("run", "s.toml", "--out", out, "--quiet")
    check(rc == 0, f"a diverged run exits 0 (it ran), got {rc}: {stderr}")
    trace, doc = check_run_dir(out)
    check(doc["status"] == "diverged", f"status {doc['status']}")
    rows = [r.split(",") for r in trace.splitlines()[1:]]
    check(rows and all(v not in ("nan", "inf", "-inf") for r in rows for v in r), "non-finite values in the trace")
    check(int(rows[-1][0]) + 1 == doc["diverged_at_round"], "trace ends right before the diverged round")


@case
def rerun_into_same_dir(c):
    c.write("s.toml", SYNTHETIC)
    out = os.path.join(c.tmp, "OUT")
    for _ in range(2):
        rc, _, stderr = c.run("run", "s.toml", "--out", out, "--quiet")
        check(rc == 0, f"exit {rc}: {stderr}")
    check(sorted(os.listdir(out)) == ["scenario.toml", "summary.json", "trace.csv"], f"{os.listdir(out)}")


@case
def optional_outputs(c):
    text = SYNTHETIC.replace('name = "syn"', 'name = "syn"\nrecord_messages = true\ntimeline = true')
    c.write("s.toml", text)
    out = os.path.join(c.tmp, "OUT")
    rc, _, stderr = c.run("run", "s.toml", "--out", out, "--quiet")
    check(rc == 0, f"exit {rc}: {stderr}")
    check_run_dir(out)
    msgs = read(os.path.join(out, "messages.csv")).decode().splitlines()
    check(msgs[0] == "round,src,dst,bytes,t_send,t_flow,t_done", f"messages header {msgs[0]}")
    # 5 rounds x 4 workers x (up + down)
    check(len(msgs) - 1 == 40, f"{len(msgs) - 1} messages, expected 40")
    timeline = json.loads(read(os.path.join(out, "timeline.json")))
    check(isinstance(timeline.get("traceEvents"), list) and timeline["traceEvents"], "timeline.json events")


# ------------------------------------------------- method and compressor plug-ins (registries)

def plugin_error(c, extra, needle, says, col=None):
    text = SYNTHETIC + extra
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, needle), col=col, says=says)


@case
def batch_larger_than_shard(c):
    # 40 rows over 4 workers: shards of 10 rows; known only once the data is split.
    plugin_error(c, "[gradient]\nbatch = 11\n", "batch = 11", ["gradient.batch = 11", "10 rows"])


@case
def participation_fraction_zero(c):
    plugin_error(c, "[participation]\nfraction = 0.0\n", "fraction = 0.0", ["participation.fraction"])


@case
def participation_fraction_above_one(c):
    plugin_error(c, "[participation]\nfraction = 1.5\n", "fraction = 1.5", ["participation.fraction"])


@case
def participation_on_a_method_without_it(c):
    plugin_error(c, '[algorithm]\nkind = "marina"\nstepsize = 0.1\n[compressor]\nkind = "natural"\n'
                    '[participation]\nfraction = 0.5\n', "fraction = 0.5", ["marina", "partial participation"])


@case
def momentum_out_of_range(c):
    plugin_error(c, '[algorithm]\nkind = "ef21-hb"\nstepsize = 0.1\nmomentum = 1.0\n', "momentum = 1.0",
                 ["algorithm.momentum", "[0, 1)"])


@case
def sgdm_momentum_zero(c):
    plugin_error(c, '[algorithm]\nkind = "ef21-sgdm"\nstepsize = 0.1\nmomentum = 0.0\n', "momentum = 0.0",
                 ["algorithm.momentum", "(0, 1]"])


@case
def qsgd_not_contractive_for_ef21(c):
    # d = 10, one level: omega = min(10, sqrt 10) > 1, so no contraction.
    plugin_error(c, '[algorithm]\nstepsize = 0.1\n[compressor]\nkind = "qsgd"\n', 'kind = "qsgd"',
                 ["ef21 needs a contractive compressor", "omega"])


@case
def marina_needs_unbiased(c):
    plugin_error(c, '[algorithm]\nkind = "marina"\nstepsize = 0.1\n[compressor]\nkind = "top-k"\n',
                 'kind = "top-k"', ["marina needs an unbiased compressor"])


@case
def then_on_identity(c):
    plugin_error(c, '[compressor]\nkind = "identity"\nthen = "natural"\n', 'then = "natural"',
                 ["compressor.then", "top-k, rand-k", "not to identity"])


@case
def key_of_another_method(c):
    plugin_error(c, '[algorithm]\nkind = "ef21"\nshift_rate = 0.5\n', "shift_rate = 0.5",
                 ["algorithm.shift_rate", "applies to diana", "not to ef21"])


@case
def downlink_compressor_on_a_method_without_it(c):
    plugin_error(c, '[compressor.down]\nkind = "top-k"\nk = 2\n', "[compressor.down]",
                 ["[compressor.down] applies to ef21-bc", "not to ef21"], col=None)


@case
def page_needs_minibatches(c):
    plugin_error(c, '[algorithm]\nkind = "ef21-page"\nstepsize = 0.1\n', 'kind = "ef21-page"',
                 ["ef21-page needs minibatches"])


@case
def minibatch_on_a_method_without_it(c):
    plugin_error(c, '[algorithm]\nkind = "marina"\nstepsize = 0.1\n[compressor]\nkind = "natural"\n'
                    '[gradient]\nbatch = 2\n', "batch = 2", ["marina does not take minibatches"])


@case
def theory_stepsize_unavailable(c):
    plugin_error(c, '[algorithm]\nkind = "ef21-hb"\n', 'kind = "ef21-hb"', ["give algorithm.stepsize"])


@case
def record_samples_writes_every_draw(c):
    text = SYNTHETIC + ('[algorithm]\nkind = "ef21"\nstepsize = 0.1\n[compressor]\nkind = "rand-k"\nk = 2\n'
                        '[gradient]\nbatch = 3\n[participation]\nfraction = 0.5\n')
    text = text.replace('name = "syn"', 'name = "syn"\nrecord_samples = true')
    c.write("s.toml", text)
    out = os.path.join(c.tmp, "OUT")
    rc, _, stderr = c.run("run", "s.toml", "--out", out, "--quiet")
    check(rc == 0, f"exit {rc}: {stderr}")
    lines = [json.loads(line) for line in read(os.path.join(out, "samples.jsonl")).decode().splitlines()]
    check([r["round"] for r in lines] == [1, 2, 3, 4, 5], f"rounds {[r['round'] for r in lines]}")
    for r in lines:
        check(len(r["participants"]) == 2 and r["participants"] == sorted(set(r["participants"])),
              f"participants {r['participants']}")
        check(sorted(map(int, r["batches"])) == r["participants"], "batches of the participants")
        check(all(len(set(b)) == 3 and all(0 <= j < 10 for j in b) for b in r["batches"].values()), "batches")
        check(all(len(k) == 2 and k == sorted(k) for k in r["kept"].values()), "kept indices")
        check("coin" not in r, "no coin drawn")
    trace = read(os.path.join(out, "trace.csv")).decode().splitlines()
    # bits_up: 2 of 4 workers send k = 2 values of 32 bits a round: 32 per worker per round.
    check([float(row.split(",")[2]) for row in trace[1:]] == [32.0 * t for t in range(6)], f"bits_up {trace}")


# ------------------------------------------------------------------ protocols and traces

@case
def ring_not_a_permutation(c):
    plugin_error(c, '[protocol]\nkind = "allgather"\nring = [0, 1, 1, 3]\n', "ring = [0, 1, 1, 3]",
                 ["protocol.ring", "lists worker 1 twice", "permutation"], col=None)


@case
def ring_allreduce_with_a_sparse_compressor(c):
    plugin_error(c, '[compressor]\nkind = "top-k"\nk = 2\n[protocol]\nkind = "ring-allreduce"\n',
                 'kind = "top-k"', ["ring-allreduce sums dense messages only", "allgather"])


def trace_error(c, trace, line, col, says):
    path = c.write("speed.trace", trace)
    text = SYNTHETIC + '[[workers]]\nids = "0-1"\nspeed_trace = "speed.trace"\n'
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], path, line, col=col, says=says)


@case
def trace_unsorted_times(c):
    trace_error(c, "100 us 0.5\n50 us 2\n", 2, 1, ["trace times must increase"])


@case
def trace_value_not_positive(c):
    trace_error(c, "100 us 0.5\n200 us 0\n", 2, 8, ["must be > 0"])


@case
def trace_missing_unit(c):
    trace_error(c, "100 0.5\n", 1, 1, ["bad time", "unit"])


@case
def trace_loopafter_too_short(c):
    trace_error(c, "100 us 0.5\n300 us 2\nLOOPAFTER 200 us\n", 3, 11, ["LOOPAFTER", "not longer than the trace"])


@case
def trace_file_missing(c):
    text = SYNTHETIC + '[[workers]]\nids = "0-1"\nspeed_trace = "nowhere.trace"\n'
    c.write("s.toml", text)
    c.expect_error(["run", "s.toml"], "s.toml", line_of(text, "speed_trace"), says=["nowhere.trace", "cannot open"])


@case
def deadline_not_positive(c):
    plugin_error(c, '[protocol]\nround_deadline = "0 ms"\n', "round_deadline", ["protocol.round_deadline", "positive"])


@case
def mtbf_without_mttr(c):
    plugin_error(c, '[failures]\nmtbf = "10 s"\n', "mtbf =", ["needs both `mtbf`", "mttr"])


@case
def failures_record_in_summary(c):
    c.write("down.trace", "0 s 0\n")
    text = SYNTHETIC + '[[workers]]\nids = "3"\navailability_trace = "down.trace"\n'
    c.write("s.toml", text)
    out = os.path.join(c.tmp, "OUT")
    rc, _, stderr = c.run("run", "s.toml", "--out", out, "--quiet")
    check(rc == 0, f"exit {rc}: {stderr}")
    summary = json.loads(read(os.path.join(out, "summary.json")))
    check(summary["failures"]["skipped_rounds"] == 6, f"failures {summary.get('failures')}")


@case
def compressed_inputs_give_identical_traces(c):
    import bz2
    import gzip
    import lzma
    plain = os.path.normpath(os.path.join(c.source_dir, "..", "shared", "data", "libsvm", "mushrooms"))
    check(os.path.exists(plain), f"missing {plain}")
    data = read(plain)
    traces = {}
    for name, pack in (("plain", lambda b: b), ("gz", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress)):
        path = os.path.join(c.tmp, f"mushrooms-{name}")  # no extension: detected by magic bytes
        with open(path, "wb") as fh:
            fh.write(pack(data))
        c.write(f"{name}.toml", data_scenario(os.path.basename(path), workers=20).replace('name = "d"', 'name = "m"')
                + "[compressor]\nk = 1\n")
        out = os.path.join(c.tmp, f"out-{name}")
        rc, _, stderr = c.run("run", f"{name}.toml", "--out", out, "--quiet")
        check(rc == 0, f"{name}: exit {rc}: {stderr}")
        traces[name] = read(os.path.join(out, "trace.csv"))
    for name in ("gz", "bz2", "xz"):
        check(traces[name] == traces["plain"], f"{name} trace differs from the plain file's")
    # A truncated .bz2: a located error, exit 2, nothing written.
    with open(os.path.join(c.tmp, "cut.bz2"), "wb") as fh:
        fh.write(bz2.compress(data)[: len(bz2.compress(data)) // 2])
    c.write("cut.toml", data_scenario("cut.bz2", workers=20))
    rc, _, stderr = c.run("run", "cut.toml", "--out", os.path.join(c.tmp, "out-cut"), "--quiet")
    check(rc == 2 and "error:" in stderr and "bzip2" in stderr, f"truncated bz2: exit {rc}: {stderr}")
    check(not os.path.exists(os.path.join(c.tmp, "out-cut")), "the truncated run wrote an output directory")


@case
def data_over_max_memory(c):
    # A LIBSVM file: the reader stops at the line whose data crosses the limit (12 B a stored
    # value + 12 a row: line 40 holds 40 rows x 3 values = 1920 B > 1900 B), exit 2, no output.
    rows = "".join(f"{1 if i % 2 else -1} 1:0.5 2:1 3:{i}\n" for i in range(60))
    path = c.write("big.svm", rows)
    c.write("s.toml", data_scenario("big.svm", workers=2, extra='max_memory = "1900 B"\n'))
    c.expect_error(["run", "s.toml"], path, 40, says=["data.max_memory", "1.9 kB", "needs more than"])
    check(not os.path.exists(os.path.join(c.tmp, "results")), "a run over data.max_memory wrote output")
    # A synthetic set: refused before it is generated, at [data.synthetic], with the estimate
    # (10^7 rows x 10^4 dense features = 800 GB: never allocated).
    def synthetic(workers, rows, dim, density, extra=""):
        return (f'[run]\nname = "mem"\nrounds = 2\n[data]\nsource = "synthetic"\nworkers = {workers}\n{extra}'
                f'[data.synthetic]\nrows = {rows}\ndim = {dim}\ndensity = {density}\n')
    text = synthetic(4, 10_000_000, 10_000, 1.0)
    c.write("syn.toml", text)
    c.expect_error(["run", "syn.toml"], "syn.toml", line_of(text, "[data.synthetic]"),
                   says=["800 GB", "over data.max_memory"])
    # The run's estimate: the data (1000 x 600 stored values, 7.2 MB) fits in 20 MB, the data
    # and 1000 workers' dense state (2 x 2000 doubles each, 32 MB) do not.
    text = synthetic(1000, 1000, 2000, 0.3, extra='max_memory = "20 MB"\n')
    c.write("run.toml", text)
    c.expect_error(["run", "run.toml"], "run.toml", line_of(text, "max_memory"),
                   says=["the run needs about", "20 MB", "1000 workers' state"])


def main():
    return run_listed_cases(CASES, Ctx, "cli")


if __name__ == "__main__":
    sys.exit(main())
