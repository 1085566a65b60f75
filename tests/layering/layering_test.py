#!/usr/bin/python3
"""Include directions (DESIGN §1): tools -> sim -> models, models/support at the bottom.

    layering_test.py --source-dir ROOT

Scans every #include "..." of models/, sim/ and tools/ and fails on any that points the
wrong way:
  * models/support includes only models/support (nothing of machine learning);
  * models/ never includes sim/ or tools/;
  * sim/ never includes tools/; sim/core and sim/net know nothing of machine learning:
    only sim/core, sim/net and models/support, and no Eigen;
  * sim/cluster reaches methods through their seam only (method.hpp, method_registry.hpp,
    federation.hpp, constants.hpp, algorithm_spec.hpp, initial_point.hpp), never a concrete
    algorithm; the same for compressors (compressor.hpp, compressor_registry.hpp, ...).
Prints every violation with file:line; exit 0 when there is none, 1 otherwise.
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]')
ALGORITHM_SEAM = {"method.hpp", "method_registry.hpp", "federation.hpp", "constants.hpp", "algorithm_spec.hpp",
                  "initial_point.hpp"}
COMPRESSOR_SEAM = {"compressor.hpp", "compressor_registry.hpp", "bit_accounting.hpp", "sparse_vector.hpp",
                   "value_quantizer.hpp"}


def violations(rel, target, system):
    """Why `rel` may not include `target` (None when it may)."""
    if system:
        if target.startswith("Eigen") and (rel.startswith("sim/core/") or rel.startswith("sim/net/")):
            return "sim/core and sim/net know nothing of machine learning (no Eigen)"
        return None
    layer = rel.split("/")[0]
    if rel.startswith("models/support/") and not target.startswith("models/support/"):
        return "models/support includes only models/support"
    if layer == "models" and (target.startswith("sim/") or target.startswith("tools/")):
        return "models/ never includes sim/ or tools/"
    if layer == "sim" and target.startswith("tools/"):
        return "sim/ never includes tools/"
    if (rel.startswith("sim/core/") or rel.startswith("sim/net/")) and not (
            target.startswith("sim/core/") or target.startswith("sim/net/") or target.startswith("models/support/")):
        return "sim/core and sim/net include only sim/core, sim/net and models/support"
    if rel.startswith("sim/cluster/"):
        if target.startswith("models/algorithms/") and os.path.basename(target) not in ALGORITHM_SEAM:
            return "sim/cluster reaches methods through their seam only (no concrete algorithm)"
        if target.startswith("models/compressors/") and os.path.basename(target) not in COMPRESSOR_SEAM:
            return "sim/cluster reaches compressors through their seam only (no concrete compressor)"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    args = parser.parse_args()
    found = []
    scanned = 0
    for layer in ("models", "sim", "tools"):
        for dirpath, _, files in os.walk(os.path.join(args.source_dir, layer)):
            for name in sorted(files):
                if not name.endswith((".hpp", ".cpp", ".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, args.source_dir).replace(os.sep, "/")
                scanned += 1
                with open(path, encoding="utf-8") as fh:
                    for number, line in enumerate(fh, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        why = violations(rel, m.group(2), m.group(1) == "<")
                        if why:
                            found.append(f"{rel}:{number}: includes {m.group(2)}: {why}")
    for v in found:
        print(v)
    print(f"layering: {scanned} files scanned, {len(found)} violation(s)")
    if scanned < 50:
        print("layering: too few files scanned: wrong --source-dir?")
        return 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
