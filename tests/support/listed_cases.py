"""The protocol of the Python-driven test drivers that CTest registers case by case
(tests/CMakeLists.txt, ef21sim_add_listed_python_tests):

    DRIVER --list                                   prints one case name per line
    DRIVER --ef21sim BIN --source-dir DIR CASE      runs one case: exit 0 pass, 1 fail, 2 usage

A case is a function of a context object; it fails by raising Failure (see `check`). Its
temporary directory is removed when it passes and kept (and named) when it fails.
"""
import argparse
import os
import shutil
import sys
import tempfile


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def run_listed_cases(cases, make_context, prefix, prepare=None):
    """Parses the command line and runs the case it names; returns the exit status.

    cases: {name: function(context)}; make_context(ef21sim, source_dir, tmp) builds the
    context; prepare(context), if given, checks prerequisites and returns None or an exit
    status to stop with (e.g. 1 when numpy or a dataset is missing: no silent skips)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--ef21sim")
    ap.add_argument("--source-dir")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("case", nargs="?")
    args = ap.parse_args()
    if args.list:
        print("\n".join(cases))
        return 0
    if not args.ef21sim or not args.source_dir or args.case not in cases:
        ap.error(f"give --ef21sim, --source-dir and a case of: {', '.join(cases)}")
    tmp = tempfile.mkdtemp(prefix=f"ef21sim-{prefix}-{args.case}-")
    context = make_context(os.path.abspath(args.ef21sim), os.path.abspath(args.source_dir), tmp)
    if prepare is not None:
        status = prepare(context)
        if status is not None:
            return status
    try:
        cases[args.case](context)
    except Failure as e:
        print(f"FAIL {args.case}: {e}\n(files kept in {tmp})", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"PASS {args.case}")
    return 0
