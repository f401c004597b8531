"""NAS-Bench-101 enumeration check: the whole space, timed and checked.

    python -m checks.nb101_enumerate [--workers 1] [--cache PATH] [--data-dir DIR] [--out FILE.json]

1. Enumerates every valid cell (crlso_core.spaces.nb101.enumerate.enumerate_space) and
   prints the count (must be 423,624), the number of distinct hashes (must be the same:
   the official hash separates every two non-isomorphic cells), the wall time and cells/s.
2. Saves the compressed cache (to --cache, else a temporary file), prints its size and
   checks it loads back equal.
3. Checks that each of the 30,001 hashes of nb101/nb101_partial_30k.csv.gz is in the
   enumeration, that the stored cell of each hashes to it again, and counts how often the
   table's representative is ours (canonical_cell's form).

Exits non-zero when a check fails. The machine's load matters: say what else ran.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import crlso_core.spaces.nb101.enumerate as space
from crlso_core.benchmarks.data_dir import find_data_file
from crlso_core.spaces.nb101.cells import module_hashes, pack


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():  # a progress line, not 20 lines in a log
        print(f"\r  hashed {done:,} / {total:,} cells", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _check(name: str, ok: bool, failures: list[str]) -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    if not ok:
        failures.append(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="processes hashing (default 1; 2 pays on an idle 2-core machine)")
    parser.add_argument("--cache", type=Path, help="where to write the .npz cache (default: a temporary file, removed)")
    parser.add_argument("--data-dir", help="the shared data folder holding nb101/")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    failures: list[str] = []
    load = os.getloadavg()
    print(f"NAS-Bench-101 enumeration, {args.workers} worker(s), {os.cpu_count()} CPUs, load average {load[0]:.2f} when started")

    started = time.perf_counter()
    table = space.enumerate_space(_progress, workers=args.workers)
    seconds = time.perf_counter() - started
    distinct = len(np.unique(table.digests, axis=0))
    print(f"  cells: {len(table):,}   distinct hashes: {distinct:,}   time: {seconds:.1f} s   {len(table) / seconds:,.0f} cells/s")
    _check(f"count is {space.SPACE_SIZE:,}", len(table) == space.SPACE_SIZE, failures)
    _check("every cell has its own hash", distinct == len(table), failures)
    sizes = {int(v): int(n) for v, n in zip(*np.unique(table.num_vertices, return_counts=True))}
    print(f"  cells by vertex count: {sizes}")

    with tempfile.TemporaryDirectory() as scratch:
        path = args.cache or Path(scratch) / "nb101_cells.npz"
        t0 = time.perf_counter()
        size = space.save_enumeration(path, table)
        saved = time.perf_counter() - t0
        t0 = time.perf_counter()
        loaded = space.load_enumeration(path)
        loaded_s = time.perf_counter() - t0
        print(f"  cache: {path} {size:,} bytes ({size / 2**20:.1f} MiB), saved in {saved:.1f} s, loaded in {loaded_s:.2f} s")
        equal = all(np.array_equal(a, b) for a, b in zip(loaded.arrays().values(), table.arrays().values()))
        _check("the cache loads back equal", equal, failures)

    table_file = find_data_file("nb101/nb101_partial_30k.csv.gz", args.data_dir, "the 30,001-cell NAS-Bench-101 sample")
    with gzip.open(table_file, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    hashes = [row["hash"] for row in rows]
    found = table.find(hashes)
    missing = int((found < 0).sum())
    print(f"  {table_file.name}: {len(rows):,} hashes, {len(rows) - missing:,} found in the enumeration")
    _check("every table hash is in the enumeration", missing == 0 and len(rows) == 30_001, failures)
    matched = [(row, int(r)) for row, r in zip(rows, found) if r >= 0]
    ours = [table.cell(r) for _, r in matched]
    _check("our stored cell of each hashes back to it", module_hashes(ours) == [row["hash"] for row, _ in matched], failures)
    same = sum(
        pack(np.array(json.loads(row["adjacency"]))) == table.adjacency[r] and json.loads(row["ops"]) == cell[1]
        for (row, r), cell in zip(matched, ours)
    )
    print(f"  the table's representative is our canonical form for {same:,} of {len(rows):,} cells")

    figures = {
        "cells": len(table), "distinct_hashes": distinct, "seconds": round(seconds, 2), "cells_per_second": round(len(table) / seconds),
        "workers": args.workers, "cpus": os.cpu_count(), "load_average_at_start": round(load[0], 2), "cache_bytes": size,
        "cells_by_vertex_count": sizes, "table_hashes_found": len(rows) - missing, "table_rows": len(rows),
        "failures": failures,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=1) + "\n")
    print("all checks passed" if not failures else f"FAILED: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
