#!/usr/bin/env python3
"""Golden-output test: the shipped golden scenarios must reproduce their committed outputs
byte for byte (summary.json compared without its "host" object, the one part that varies).

This is what proves that optimizations keep results identical. If a change is *meant* to
alter results, regenerate and review the diff:
  python3 tests/golden/golden_test.py --ef21sim build/tools/ef21sim --update
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# (case name, scenario file, extra --set overrides)
CASES = [
    ("synthetic-ef21-slow-uplinks", "synthetic-ef21-slow-uplinks.toml", []),
    ("dot-racks-randk", "dot-racks-randk.toml", []),
] + [
    (f"mushrooms-{m}", "mushrooms-four-methods.toml", [f"algorithm.kind={m}"])
    for m in ("gd", "ef", "ef21", "ef21-plus")
]
FILES = ["trace.csv", "summary.json", "messages.csv", "timeline.json", "scenario.toml"]


def strip_host(text):
    data = json.loads(text)
    data.pop("host", None)
    return json.dumps(data, indent=1, sort_keys=True)


def run_case(binary, scenario, sets, out):
    cmd = [binary, "run", os.path.join(HERE, "scenarios", scenario), "--quiet", "--out", out]
    for s in sets:
        cmd += ["--set", s]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ef21sim", required=True)
    p.add_argument("--update", action="store_true", help="rewrite the expected outputs")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("case", nargs="?", help="one case (default: all)")
    a = p.parse_args()
    cases = [c for c in CASES if a.case in (None, c[0])]
    if not cases:
        sys.exit(f"unknown case {a.case}")
    failures = 0
    for name, scenario, sets in cases:
        expected_dir = os.path.join(HERE, "expected", name)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "run")
            run_case(a.ef21sim, scenario, sets + [f"run.threads={a.threads}"], out)
            produced = [f for f in FILES if os.path.exists(os.path.join(out, f))]
            if a.update:
                os.makedirs(expected_dir, exist_ok=True)
                for f in produced:
                    with open(os.path.join(out, f)) as src, open(os.path.join(expected_dir, f), "w") as dst:
                        text = src.read()
                        dst.write(strip_host(text) + "\n" if f == "summary.json" else text)
                print(f"updated {name}: {', '.join(produced)}")
                continue
            for f in FILES:
                exp_path = os.path.join(expected_dir, f)
                got_path = os.path.join(out, f)
                if os.path.exists(exp_path) != os.path.exists(got_path):
                    print(f"FAIL {name}/{f}: expected {'present' if os.path.exists(exp_path) else 'absent'}")
                    failures += 1
                    continue
                if not os.path.exists(exp_path):
                    continue
                with open(exp_path) as e, open(got_path) as g:
                    exp, got = e.read(), g.read()
                if f == "summary.json":
                    exp, got = exp.rstrip("\n"), strip_host(got)
                if f == "scenario.toml":
                    continue  # paths inside are relative to the (temporary) run directory
                if exp != got:
                    el, gl = exp.splitlines(), got.splitlines()
                    line = next((i for i, (x, y) in enumerate(zip(el, gl)) if x != y), min(len(el), len(gl)))
                    print(f"FAIL {name}/{f}: first difference at line {line + 1}:\n"
                          f"  expected: {el[line] if line < len(el) else '<end>'}\n"
                          f"  got:      {gl[line] if line < len(gl) else '<end>'}")
                    failures += 1
                else:
                    print(f"ok {name}/{f}")
    if failures:
        sys.exit(f"{failures} golden file(s) differ")


if __name__ == "__main__":
    main()
