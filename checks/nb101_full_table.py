"""Loading a NAS-Bench-101 table of the whole space (423,624 cells), as `crlso data
build-nb101` writes it from the official nasbench_only108.tfrecord, which is not here:

    python -m checks.nb101_full_table [--out FOLDER]

The table is built from the project's own enumeration (real cells, real official hashes)
with SYNTHETIC accuracies, in build-nb101's columns, into FOLDER/nb101/nb101_official.csv.gz.
A fresh process then loads it as the benchmark (parse, canonical form, every row's hash
checked) and reports the time, its peak memory (VmHWM) and that the benchmark answers
every cell with a test accuracy. The accuracies mean nothing: only size and shape are real.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from crlso_core.benchmarks.nb101 import OFFICIAL_TABLE
from crlso_core.benchmarks.readers.nb101_official_table import _write_csv, table_columns
from crlso_core.spaces.nb101.space import NB101Space

ROOT = Path(__file__).resolve().parent.parent

LOAD = """
import json, sys, time
started = time.perf_counter()
from crlso_core.catalog.registry import load_benchmark
imported = time.perf_counter()
b = load_benchmark("nb101", sys.argv[1])
loaded = time.perf_counter()
everything = b.can_answer(b.space.sample(__import__("numpy").random.default_rng(0), 1000)).all()
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"import_s": imported - started, "load_s": loaded - imported, "peak_mb": int(peak) / 1024,
                  "cells": len(b.cells), "title": b.title, "has_test": bool(b.test), "answers_1000_random": bool(everything)}))
"""


def write_table(folder: Path) -> Path:
    space = NB101Space()
    cells = space.table
    rng = np.random.default_rng(0)
    valid = rng.uniform(0.80, 0.95, len(cells))  # synthetic: see the module's docstring
    columns = table_columns((108,))

    def rows():
        for row, digest in enumerate(cells.hash_hex()):
            adjacency, ops = cells.cell(row)
            yield [digest, json.dumps(adjacency), json.dumps(ops), f"{valid[row]:.6f}", f"{valid[row] - 0.005:.6f}",
                   1_000_000, 1000.0, 3]

    out = folder / (OFFICIAL_TABLE + ".gz")
    _write_csv(out, columns, rows())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=None, help="keep the table in this folder (default: a temporary one)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        started = time.perf_counter()
        path = write_table(folder)
        print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MB) in {time.perf_counter() - started:.1f} s")
        result = subprocess.run([sys.executable, "-c", LOAD, str(folder)], capture_output=True, text=True, cwd=ROOT)
        if result.returncode:
            print(result.stderr)
            return 1
        print(result.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
