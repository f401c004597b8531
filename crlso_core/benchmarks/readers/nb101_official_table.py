"""Build the official NAS-Bench-101 table (`nb101_official.csv.gz`, the table
crlso_core.benchmarks.nb101 looks for first) from an official TFRecord file, read by
nb101_tfrecord.py.

What the official records store: the pruned module. The official space was generated
(nasbench/scripts/generate_graphs.py) from "full DAG" matrices only (every vertex on a path
from input to output), one representative per hash, and the official API keeps a record's
cell as `module_adjacency` / `module_operations`. Checked on the official-format fixture:
all 90 records are already pruned (spaces.nb101.cells.prune_checked changes none) and equal
the API's module_adjacency and module_operations. `build_table` prunes anyway, for a file
that would not be, and counts the cells it had to prune (`TableSummary.unpruned_cells`: 0
for the fixture, and 0 expected for the official files).

The table
---------
`build_table` writes one row per cell (per hash), sorted by hash, to a gzipped CSV whose
columns extend those of the NB101 30k table (`nb101_partial_30k.csv.gz`), for every epoch
budget B present in the file (only108: 108; full: 4, 12, 36, 108) and the largest budget F
(108 in both official files):

    hash                 official module hash (32 hex digits)
    adjacency            JSON list of lists of 0/1, the pruned cell (one representative of
                         its isomorphism class: the one the file stores)
    ops                  JSON list of op names, "input" ... "output"
    val_acc_{B}ep        mean over the cell's runs at budget B of the final validation
                         accuracy (fraction)
    test_acc_{B}ep       the same for the final test accuracy (fraction)
    params               trainable parameters (from the cell's first record, as the official
                         API does)
    final_training_time  mean over the runs at budget F of the final training time (seconds)
    runs                 the number of runs at budget F (3 in the official files)
    training_time_{B}ep  and runs_{B}ep: the same two for every budget B other than F (the
                         full file only)

A cell without runs at some budget has empty fields there. A mean is the runs' values summed
in file order and divided by their number (what numpy.mean gives for 3 values), written as
Python's repr of the float, so it reads back to the same double. Note that the 30k table's
`val_acc_108ep` is the *best* of the three runs, not their mean: the two tables' columns of
that name do not mean the same thing.

Speed and memory
----------------
Measured by benchmarks/nb101_tfrecord_speed.py on a shared 2-core machine under load: reading
and aggregating about 53,000 records/s with google-crc32c's C CRC (nasbench_only108's
1,270,872 records in about 25 s, plus the disk), about 12,000 without it (about 105 s). Reading
streams one record at a time (the peak RSS does not move); the table keeps about 300 bytes per
cell until it is written (about 125 MB for the 423,624 cells).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from crlso_core.benchmarks.readers.crc32c import IMPLEMENTATION as CRC32C_IMPLEMENTATION
from crlso_core.benchmarks.readers.nb101_tfrecord import (
    FINAL,
    EvaluationData,
    ModelMetrics,
    NB101Record,
    NotARecord,
    iter_records,
    not_a_record,
    what_to_do,
)
from crlso_core.common.errors import CRLSOError, describe_os_error
from crlso_core.common.files import _umask
from crlso_core.common.progress import ProgressFn, report
from crlso_core.spaces.nb101.cells import INPUT, OPS, OUTPUT, ArraySpec, prune_checked

PROGRESS_EVERY = 50_000  # records between progress reports
STAGE = "nb101-table"
# every op a record's vertex may have, numbered for the compact copy of each cell kept until the end
_VERTEX_OPS = (INPUT, *OPS, OUTPUT)
_VERTEX_OP_INDEX = {op: i for i, op in enumerate(_VERTEX_OPS)}


# --- the table -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TableSummary:
    out: Path
    records: int
    cells: int
    budgets: tuple[int, ...]  # epoch budgets present, ascending
    columns: tuple[str, ...]
    unpruned_cells: int  # cells the file stored with vertices off every input-output path
    inconsistent_records: int  # runs whose cell, or parameter count, differs from their cell's first record
    seconds: float
    crc32c: str  # which CRC32C implementation read the file


def table_columns(budgets: tuple[int, ...]) -> tuple[str, ...]:
    """The table's columns for the epoch budgets a file holds (ascending); see the module's docstring."""
    *earlier, final = budgets
    return ("hash", "adjacency", "ops", *(f"val_acc_{b}ep" for b in budgets), *(f"test_acc_{b}ep" for b in budgets),
            "params", "final_training_time", "runs",
            *(f"{name}_{b}ep" for b in earlier for name in ("training_time", "runs")))


class _Cells:
    """What the table needs of every cell, kept compactly (the full file has 423,624 cells):
    a dict from the hash's 16 bytes to a row number, the cell as its first record stores it
    (bytes: n, the adjacency bits, the op indices), and per budget numpy columns of the sums
    of the final validation accuracy, test accuracy and training time and of the runs."""

    def __init__(self) -> None:
        self.row: dict[bytes, int] = {}
        self.packed: list[bytes] = []
        self.pruned: dict[int, ArraySpec] = {}  # row -> its pruned cell, when the file's was not
        self.params = np.zeros(0, dtype=np.int64)
        self.sums: dict[int, np.ndarray] = {}  # budget -> float64 [capacity, 3]
        self.runs: dict[int, np.ndarray] = {}  # budget -> int32 [capacity]
        self.inconsistent = 0

    def add(self, record: NB101Record) -> None:
        """Count one record in; NotARecord when it lacks what the table needs."""
        final = _final_evaluation(record.metrics)
        key = bytes.fromhex(record.module_hash)
        packed = bytes((len(record.ops),)) + record.adjacency.tobytes() + bytes(_VERTEX_OP_INDEX[op] for op in record.ops)
        params = record.metrics.trainable_parameters
        i = self.row.get(key)
        if i is None:
            pruned = prune_checked(record.adjacency, record.ops)  # checked by iter_records
            if pruned is None:
                raise NotARecord("its cell has no path from input to output")
            i = self.row[key] = len(self.packed)
            self.packed.append(packed)
            if pruned[1] is not record.ops:  # prune_checked gives a pruned cell back as it is
                self.pruned[i] = pruned
            self._grow(i + 1)
            self.params[i] = params
        elif packed != self.packed[i] or params != self.params[i]:
            self.inconsistent += 1  # the official API keeps the first record's; so do we
        if record.epochs not in self.sums:
            self.sums[record.epochs] = np.zeros((len(self.params), 3))
            self.runs[record.epochs] = np.zeros(len(self.params), dtype=np.int32)
        sums = self.sums[record.epochs][i]
        sums[0] += final.validation_accuracy
        sums[1] += final.test_accuracy
        sums[2] += final.training_time
        self.runs[record.epochs][i] += 1

    def _grow(self, needed: int) -> None:
        if needed <= len(self.params):
            return
        old, capacity = len(self.params), max(1024, 2 * len(self.params))
        self.params = np.resize(self.params, capacity)
        for budget in self.sums:
            self.sums[budget] = np.resize(self.sums[budget], (capacity, 3))
            self.runs[budget] = np.resize(self.runs[budget], capacity)
            self.sums[budget][old:] = 0.0  # np.resize fills the new rows with copies of the old ones
            self.runs[budget][old:] = 0

    def cell(self, i: int) -> ArraySpec:
        """Row i's cell, pruned."""
        if i in self.pruned:
            return self.pruned[i]
        packed = self.packed[i]
        n = packed[0]
        adjacency = np.frombuffer(packed, dtype=np.uint8, count=n * n, offset=1).reshape(n, n)
        return adjacency, [_VERTEX_OPS[k] for k in packed[1 + n * n:]]

    def rows(self, budgets: tuple[int, ...]) -> Iterator[list]:
        """Each cell's row, in hash order, in the order of table_columns(budgets)."""
        *earlier, final = budgets
        for key in sorted(self.row):
            i = self.row[key]
            adjacency, ops = self.cell(i)
            means = {}  # budget -> (runs, val, test, time), "" where the cell has no run
            for b in budgets:
                runs = int(self.runs[b][i])
                means[b] = (runs, *(total / runs for total in self.sums[b][i].tolist())) if runs else ("", "", "", "")
            yield [key.hex(), json.dumps(adjacency.tolist(), separators=(",", ":")), json.dumps(ops, separators=(",", ":")),
                   *(means[b][1] for b in budgets), *(means[b][2] for b in budgets),
                   int(self.params[i]), means[final][3], means[final][0],
                   *(value for b in earlier for value in (means[b][3], means[b][0]))]


MAX_PARAMETERS = 10**9  # trainable parameters a record may claim (NB101's largest cell: about 5 * 10**7)
MAX_TRAINING_S = 10**7  # seconds of training a record may claim (108 epochs took under 10**4 on a TPU)


def _final_evaluation(metrics: ModelMetrics) -> EvaluationData:
    """A record's end-of-training evaluation, checked to hold what the table needs."""
    evaluations = metrics.evaluation_data
    if len(evaluations) <= FINAL:
        raise NotARecord(f"it has {len(evaluations)} evaluations, not the 3 (start, halfway, end) of the official files")
    if metrics.trainable_parameters is None:
        raise NotARecord("it has no trainable_parameters")
    if not 0 < metrics.trainable_parameters < MAX_PARAMETERS:
        raise NotARecord(f"it has {metrics.trainable_parameters!r} trainable parameters, outside NAS-Bench-101's range "
                         f"(its largest cell has about 50 million)")
    final = evaluations[FINAL]
    accuracies, time_ = (final.validation_accuracy, final.test_accuracy), final.training_time
    if None in accuracies or time_ is None:
        raise NotARecord("its final evaluation lacks the validation accuracy, test accuracy or training time")
    if not (0.0 <= accuracies[0] <= 1.0 and 0.0 <= accuracies[1] <= 1.0 and 0.0 <= time_ < MAX_TRAINING_S):
        raise NotARecord(f"its final evaluation holds impossible values (accuracies {accuracies[0]!r} and "
                          f"{accuracies[1]!r}, training time {time_!r})")
    return final


def build_table(path: str | os.PathLike, out: str | os.PathLike, progress: Optional[ProgressFn] = None) -> TableSummary:
    """Read an official NAS-Bench-101 TFRecord file and write its table (one row per cell,
    the mean over runs per budget; columns in the module's docstring) as a CSV at `out`,
    gzipped when its name ends in .gz. Everything is read and checked before the table is written, through a temporary
    file beside `out` renamed over it at the end: a damaged file, or a failed write, leaves
    `out` as it was."""
    path, out = Path(path), Path(out)
    started = time.perf_counter()
    size = _file_size(path)
    cells, records = _Cells(), 0
    for record in iter_records(path):
        try:
            cells.add(record)
        except NotARecord as exc:
            raise not_a_record(path, record.number, record.offset, exc) from None
        records += 1
        if records % PROGRESS_EVERY == 0:
            report(progress, STAGE, record.offset, size, records=records)
    if records == 0:
        raise CRLSOError(f"{path} holds no records: it is empty, not a NAS-Bench-101 file; {what_to_do(path)}.")
    budgets = tuple(sorted(cells.sums))
    columns = table_columns(budgets)
    _write_csv(out, columns, cells.rows(budgets))
    report(progress, STAGE, size, size, records=records)
    return TableSummary(out, records, len(cells.row), budgets, columns, len(cells.pruned), cells.inconsistent,
                        time.perf_counter() - started, CRC32C_IMPLEMENTATION)


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # iter_records says what is wrong with it


def _write_csv(out: Path, columns: tuple[str, ...], rows: Iterator[list]) -> None:
    """Stream the rows into a temporary file beside `out` (gzipped when its name ends in .gz,
    plain CSV otherwise), then rename it over `out`."""
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a table for a shared folder stays readable
        with os.fdopen(fd, "wb") as raw:
            packed = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if out.suffix == ".gz" else None
            with io.TextIOWrapper(packed or raw, encoding="utf-8", newline="", write_through=True) as text:
                writer = csv.writer(text)  # "\r\n" line ends, like the 30k table
                writer.writerow(columns)
                writer.writerows(rows)
                if packed is not None:
                    packed.close()  # the same bytes for the same file (mtime 0)
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        raise CRLSOError(f"The table could not be written: {describe_os_error(exc)}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):  # only when something failed: a renamed file is gone from here
            os.unlink(tmp)
