"""How fast the NAS-Bench-101 TFRecord reader is, and what that means for the official files.

    python -m measurements.nb101_tfrecord_speed [--passes 200] [--repeats 7] [--cells 20000]

1. Reading (iter_records: framing, both CRCs, JSON, base64, protobuf, cell checks) and
   aggregating (what build_table does per record, without writing) the 90 records of the
   official-format fixture, `passes` times per round; the median round gives records/s,
   extrapolated to the 1,270,872 records of nasbench_only108.tfrecord and the 5,083,488 of
   nasbench_full.tfrecord. The fixture is in the page cache: this is CPU time, and the
   official file adds its disk read (499 MB).
2. Memory: a synthetic file of `cells` distinct cells x 3 runs (the fixture's records with new
   hashes) is streamed through iter_records (the peak must not move), then built into a table
   (the peak grows with the cells kept: bytes per cell, extrapolated to 423,624 cells).

Peak memory is ru_maxrss, which includes the ~200 MB of importing crlso_core.benchmarks
(it imports torch); the figures that matter are its growth. On Linux the peak is reset
before each phase (/proc/self/clear_refs), so that one phase's peak is not hidden by an
earlier, higher one (the imports').
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from crlso_core.benchmarks.readers.crc32c import IMPLEMENTATION
from crlso_core.benchmarks.readers.nb101_official_table import _Cells, build_table
from crlso_core.benchmarks.readers.nb101_tfrecord import frame_record, iter_frames, iter_records
from tests.data import NB101_TFRECORD

ROOT = Path(__file__).resolve().parent.parent

FIXTURE = "nb101/nasbench_only108_dummy30.tfrecord"
ONLY108_RECORDS = 423_624 * 3
FULL_RECORDS = 423_624 * 3 * 4
ALL_CELLS = 423_624


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def reset_peak() -> bool:
    """Lower the peak RSS to the current RSS (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def records_per_second(path: Path, passes: int, repeats: int, aggregate: bool) -> float:
    """Median over `repeats` rounds of `passes` full reads of the file."""
    rates = []
    for _ in range(repeats):
        count, started = 0, time.perf_counter()
        for _ in range(passes):
            cells = _Cells()
            for record in iter_records(path):
                if aggregate:
                    cells.add(record)
                count += 1
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


def synthetic_file(fixture: Path, cells: int, folder: Path) -> Path:
    """`cells` distinct cells, 3 runs each: the fixture's records, each cell's hash replaced."""
    runs: dict[str, list[bytes]] = {}
    for _, _, data in iter_frames(fixture):
        runs.setdefault(data[2:34].decode(), []).append(data)
    templates = list(runs.values())
    path = folder / "synthetic.tfrecord"
    with open(path, "wb") as f:  # streamed: building the file must not raise the peak measured next
        for i in range(cells):
            new_hash = hashlib.md5(str(i).encode()).hexdigest().encode()
            for data in templates[i % len(templates)]:
                f.write(frame_record(data[:2] + new_hash + data[34:]))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=200, help="reads of the fixture per round")
    parser.add_argument("--repeats", type=int, default=7, help="rounds; the median is reported")
    parser.add_argument("--cells", type=int, default=20_000, help="cells of the synthetic file for the memory check (0: skip)")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    fixture = Path(args.data_dir) / FIXTURE if args.data_dir else NB101_TFRECORD  # the copy under tests/data by default
    print(f"CRC32C: {IMPLEMENTATION}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(other work on the machine slows every figure)")
    print(f"fixture: {fixture} ({fixture.stat().st_size:,} bytes, 90 records), {args.passes} passes x {args.repeats} rounds")
    for label, aggregate in (("read (iter_records)", False), ("read + aggregate (build_table's loop)", True)):
        rate = records_per_second(fixture, args.passes, args.repeats, aggregate)
        print(f"  {label}: {rate:,.0f} records/s -> nasbench_only108 ({ONLY108_RECORDS:,} records) "
              f"{ONLY108_RECORDS / rate:,.0f} s, nasbench_full ({FULL_RECORDS:,}) {FULL_RECORDS / rate:,.0f} s")
    print(f"peak RSS after the fixture runs: {peak_mb():,.0f} MB")

    if args.cells:
        with tempfile.TemporaryDirectory() as folder:
            path = synthetic_file(fixture, args.cells, Path(folder))
            resettable = reset_peak()
            before = peak_mb()
            count = sum(1 for _ in iter_records(path))
            after_read = peak_mb()
            reset_peak()
            before_build = peak_mb()
            started = time.perf_counter()
            summary = build_table(path, Path(folder) / "table.csv.gz")
            seconds = time.perf_counter() - started
            after_build = peak_mb()
            per_cell = (after_build - before_build) * 2**20 / summary.cells
            print(f"synthetic file: {count:,} records, {path.stat().st_size / 2**20:,.1f} MB, {summary.cells:,} cells"
                  + ("" if resettable else " (the peak could not be reset: growth below the imports' peak is hidden)"))
            print(f"  streaming every record: peak RSS {before:,.0f} -> {after_read:,.0f} MB")
            print(f"  build_table: {seconds:.1f} s ({count / seconds:,.0f} records/s with the writing), peak RSS "
                  f"{before_build:,.0f} -> {after_build:,.0f} MB, about {per_cell:,.0f} bytes per cell -> "
                  f"{per_cell * ALL_CELLS / 2**20:,.0f} MB more for all {ALL_CELLS:,} cells (only108)")


if __name__ == "__main__":
    main()
