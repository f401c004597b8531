"""Read the official NAS-Bench-101 files (`nasbench_only108.tfrecord`, `nasbench_full.tfrecord`)
without TensorFlow, and build a compact table from them.

The file format
---------------
A TFRecord file is a sequence of records, each framed as: the data's length (uint64, little
endian), the masked CRC32C of those 8 bytes (uint32), the data, the masked CRC32C of the data
(crc32c.py). Each record's data is one training run of one cell, the JSON list
``[module_hash, epochs, raw_adjacency, raw_operations, base64(ModelMetrics)]``: the hash is
the official module hash (32 hex digits), `epochs` the budget (108 in the only108 file; 4, 12,
36 and 108 in the full one), the adjacency a row-major "0"/"1" string of n*n characters, the
operations comma-joined, and ModelMetrics a protobuf of google-research/nasbench
`nasbench/lib/model_metrics.proto` (proto2), decoded here by field number (protowire.py):

    ModelMetrics:   1 evaluation_data (repeated EvaluationData), 2 trainable_parameters (int32),
                    3 total_time (double)
    EvaluationData: 1 current_epoch, 2 training_time, 3 train_accuracy,
                    4 validation_accuracy, 5 test_accuracy (doubles), 6 checkpoint_path (string)

A field the record does not hold is None here (proto2 would answer 0.0). As in the official
API, `evaluation_data[2]` is the end of training ("final") and `[1]` the halfway point; `[0]`
is the step-0 evaluation, which holds only its epoch.

What the official records store: the pruned module. The official space was generated
(nasbench/scripts/generate_graphs.py) from "full DAG" matrices only (every vertex on a path
from input to output), one representative per hash, and the official API keeps a record's
cell as `module_adjacency` / `module_operations`. Checked on the official-format fixture: all 90 records are already
pruned (`prune` changes none) and equal the API's module_adjacency and module_operations.
`build_table` prunes anyway, for a file that would not be, and counts the cells it had to
prune (`TableSummary.unpruned_cells`: 0 for the fixture, and 0 expected for the official files).

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

Errors
------
Everything wrong with a file is one CRLSOError sentence naming the file, the record (counted
from 1) and its byte offset, what is wrong and what to do: a CRC that fails (a flipped byte),
a file cut short (in a header, the data or a CRC), a length longer than what the file has
left, data that is not the JSON list above, bad base64, a protobuf that does not parse, an
adjacency that is not square or does not match the operations. An empty file has no records:
`iter_records` yields none, and `build_table` refuses it (an official file is never empty, so
an empty one is a failed download) and writes nothing.
"""

from __future__ import annotations

import base64
import binascii
import csv
import functools
import gzip
import io
import json
import math
import os
import re
import stat
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from crlso_core.common.errors import CRLSOError, describe_os_error, quoted
from crlso_core.common.files import _umask
from crlso_core.common.progress import ProgressFn, report
from crlso_core.benchmarks.crc32c import IMPLEMENTATION as CRC32C_IMPLEMENTATION
from crlso_core.benchmarks.crc32c import masked_crc32c
from crlso_core.benchmarks.protowire import FIXED64, LENGTH_DELIMITED, VARINT, WireError, as_double, as_int32, as_string, fields

DOWNLOAD_URL = "https://storage.googleapis.com/nasbench/"
OFFICIAL_SHA256 = {
    "nasbench_only108.tfrecord": "4c39c3936e36a85269881d659e44e61a245babcb72cb374eacacf75d0e5f4fd1",
    "nasbench_full.tfrecord": "3d64db8180fb1b0207212f9032205064312b6907a3bbc81eabea10db2f5c7e9c",
}
OPS = ("input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output")
HEADER_BYTES = 12  # uint64 length + uint32 masked CRC of it
FOOTER_BYTES = 4  # uint32 masked CRC of the data
MAX_RECORD_BYTES = 2**20  # an official record is about 400 bytes: a length beyond this is not one
FINAL = 2  # the end of training in evaluation_data, as the official API reads it ([1] is halfway)
PROGRESS_EVERY = 50_000  # records between progress reports
STAGE = "nb101-table"

_LENGTH = struct.Struct("<QI")
_CRC = struct.Struct("<I")
_HASH = re.compile(r"[0-9a-f]{32}")
_OP_INDEX = {op: i for i, op in enumerate(OPS)}
_HIDDEN_OPS = frozenset(OPS[1:-1])  # the ops a vertex between input and output may have
_ZERO = np.uint8(ord("0"))


# --- what a record holds -------------------------------------------------------------------

@dataclass(slots=True)
class EvaluationData:
    """One evaluation during training; a field the record does not hold is None."""
    current_epoch: Optional[float] = None
    training_time: Optional[float] = None
    train_accuracy: Optional[float] = None
    validation_accuracy: Optional[float] = None
    test_accuracy: Optional[float] = None
    checkpoint_path: Optional[str] = None


@dataclass(slots=True)
class ModelMetrics:
    evaluation_data: list[EvaluationData] = field(default_factory=list)
    trainable_parameters: Optional[int] = None
    total_time: Optional[float] = None


@dataclass(slots=True)
class NB101Record:
    """One training run of one cell, and where it is in the file."""
    number: int  # the record's position in the file, from 1
    offset: int  # byte offset of its length header
    module_hash: str
    epochs: int
    adjacency: np.ndarray  # uint8 [n, n], as stored (row = from, column = to)
    ops: list[str]
    metrics: ModelMetrics


# --- protobuf: ModelMetrics and EvaluationData --------------------------------------------

# EvaluationData's fields 1-6, in order: 1-5 are doubles, 6 a string
_EVALUATION_FIELDS = ("current_epoch", "training_time", "train_accuracy", "validation_accuracy", "test_accuracy",
                      "checkpoint_path")
_CHECKPOINT_PATH = 6


def _wrong_wire(message: str, number: int, name: str, wire: int, expected: int) -> WireError:
    return WireError(f"{message}.{name} (field {number}) has wire type {wire}, not {expected}")


# The official files write an EvaluationData as doubles only, fields in ascending order: each is
# one key byte ((number << 3) | 1) and 8 bytes. Those two layouts (the step-0 evaluation holds
# only its epoch) are unpacked in one call, exactly as the general loop below would read them.
_DOUBLES_ONLY = {
    bytes((number << 3 | FIXED64 for number in numbers)): struct.Struct("<" + "xd" * len(numbers))
    for numbers in ((1,), (1, 2, 3, 4, 5))
}


def decode_evaluation_data(buf: bytes) -> EvaluationData:
    if len(buf) % 9 == 0:
        layout = _DOUBLES_ONLY.get(buf[::9])
        if layout is not None:
            return EvaluationData(*layout.unpack(buf))
    values = [None] * len(_EVALUATION_FIELDS)
    for number, wire, value in fields(buf):
        if number == _CHECKPOINT_PATH:
            if wire != LENGTH_DELIMITED:
                raise _wrong_wire("EvaluationData", number, "checkpoint_path", wire, LENGTH_DELIMITED)
            values[number - 1] = as_string(value)
        elif 1 <= number < _CHECKPOINT_PATH:
            if wire != FIXED64:
                raise _wrong_wire("EvaluationData", number, _EVALUATION_FIELDS[number - 1], wire, FIXED64)
            values[number - 1] = as_double(value)
        # other numbers are unknown fields: skipped, as protobuf does
    return EvaluationData(*values)


def decode_model_metrics(buf: bytes) -> ModelMetrics:
    metrics = ModelMetrics()
    for number, wire, value in fields(buf):
        if number == 1:
            if wire != LENGTH_DELIMITED:
                raise _wrong_wire("ModelMetrics", number, "evaluation_data", wire, LENGTH_DELIMITED)
            metrics.evaluation_data.append(decode_evaluation_data(value))
        elif number == 2:
            if wire != VARINT:
                raise _wrong_wire("ModelMetrics", number, "trainable_parameters", wire, VARINT)
            metrics.trainable_parameters = as_int32(value)
        elif number == 3:
            if wire != FIXED64:
                raise _wrong_wire("ModelMetrics", number, "total_time", wire, FIXED64)
            metrics.total_time = as_double(value)
    return metrics


# --- errors --------------------------------------------------------------------------------

def _what_to_do(path: Path) -> str:
    sha = OFFICIAL_SHA256.get(path.name)
    if sha:
        return f"download it again from {DOWNLOAD_URL}{path.name} and check that its sha256 is {sha}"
    return (f"download the official file again from {DOWNLOAD_URL} (nasbench_only108.tfrecord or "
            "nasbench_full.tfrecord) and check its sha256")


def _damaged(path: Path, number: int, offset: int, problem: str) -> CRLSOError:
    return CRLSOError(f"{path} is damaged at record {number:,} (byte {offset:,}): {problem}; {_what_to_do(path)}.")


class _NotARecord(ValueError):
    """The data passed its CRC but is not a NAS-Bench-101 record; the message says why."""


def _not_a_record(path: Path, number: int, offset: int, why: _NotARecord) -> CRLSOError:
    return CRLSOError(f"{path}, record {number:,} (byte {offset:,}) is not a NAS-Bench-101 record: {why}; "
                      f"{_what_to_do(path)}.")


# --- framing -------------------------------------------------------------------------------

def _open(path: Path):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise CRLSOError(f"{path} does not exist; {_what_to_do(path)}.") from None
    except OSError as exc:
        raise CRLSOError(f"{path} cannot be read ({exc.strerror}); check the path and its permissions.") from None


def frame_record(data: bytes) -> bytes:
    """One record as a TFRecord file holds it (length, its masked CRC, data, its masked CRC):
    what tests and benchmarks use to write files in the official framing."""
    length = struct.pack("<Q", len(data))
    return length + _CRC.pack(masked_crc32c(length)) + data + _CRC.pack(masked_crc32c(data))


def iter_frames(path: str | os.PathLike) -> Iterator[tuple[int, int, bytes]]:
    """(record number from 1, byte offset, data) of every record of a TFRecord file, both
    CRCs checked. Reads one record at a time: memory does not grow with the file."""
    path = Path(path)
    with _open(path) as f:
        info = os.fstat(f.fileno())
        size = info.st_size if stat.S_ISREG(info.st_mode) else None  # a pipe has no size to check against
        number, offset = 0, 0
        while True:
            try:
                header = f.read(HEADER_BYTES)
                number += 1
                if not header:
                    return
                if len(header) < HEADER_BYTES:
                    raise _damaged(path, number, offset, f"the file ends {len(header)} bytes into the record's "
                                   f"{HEADER_BYTES}-byte length header, so it was cut short")
                length, length_crc = _LENGTH.unpack(header)
                if masked_crc32c(header[:8]) != length_crc:
                    raise _damaged(path, number, offset, "the record's length fails its CRC32C check (a changed byte, "
                                   "or not a TFRecord file)")
                left = None if size is None else size - offset - HEADER_BYTES
                if left is not None and length + FOOTER_BYTES > left:
                    raise _damaged(path, number, offset, f"the record needs {length + FOOTER_BYTES:,} bytes after its "
                                   f"header but the file has {left:,} left, so it was cut short")
                if length > MAX_RECORD_BYTES:
                    raise _damaged(path, number, offset, f"the record claims {length:,} bytes, far more than any "
                                   "NAS-Bench-101 record (about 400)")
                body = f.read(length + FOOTER_BYTES)
            except OSError as exc:
                raise CRLSOError(f"{path} cannot be read at record {number:,} (byte {offset:,}): {exc.strerror}; "
                                 "check the disk and try again.") from None
            if len(body) < length + FOOTER_BYTES:
                raise _damaged(path, number, offset, f"the file ends {len(body):,} bytes into the record's "
                               f"{length + FOOTER_BYTES:,} bytes of data and CRC, so it was cut short")
            data = body[:length]
            if masked_crc32c(data) != _CRC.unpack_from(body, length)[0]:
                raise _damaged(path, number, offset, "the record's data fails its CRC32C check (a changed byte)")
            yield number, offset, data
            offset += HEADER_BYTES + length + FOOTER_BYTES


# --- records -------------------------------------------------------------------------------

def parse_record(data: bytes) -> tuple[str, int, np.ndarray, list[str], ModelMetrics]:
    """(hash, epochs, adjacency, ops, metrics) of one record's data; _NotARecord says what
    is wrong with data that is not a NAS-Bench-101 record."""
    try:
        fields_ = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _NotARecord(f"its data is not JSON ({str(exc)[:80]})") from None
    if not (isinstance(fields_, list) and len(fields_) == 5):
        raise _NotARecord(f"its data is {quoted(fields_, 60)}, not the list [hash, epochs, adjacency, operations, metrics]")
    module_hash, epochs, raw_adjacency, raw_ops, raw_metrics = fields_
    if not (isinstance(module_hash, str) and _HASH.fullmatch(module_hash)):
        raise _NotARecord(f"its module hash {quoted(module_hash, 40)} is not 32 lower-case hex digits")
    if not (type(epochs) is int and epochs > 0):
        raise _NotARecord(f"its epoch budget {quoted(epochs, 40)} is not a positive integer")
    if not (isinstance(raw_adjacency, str) and isinstance(raw_ops, str) and isinstance(raw_metrics, str)):
        raise _NotARecord("its adjacency, operations and metrics are not all strings")
    adjacency, ops = _cell(raw_adjacency, raw_ops)
    try:
        metrics_bytes = base64.b64decode(raw_metrics, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _NotARecord(f"its metrics are not base64 ({exc})") from None
    try:
        metrics = decode_model_metrics(metrics_bytes)
    except WireError as exc:
        raise _NotARecord(f"its metrics are not a ModelMetrics protobuf ({exc})") from None
    return module_hash, epochs, adjacency, ops, metrics


def _cell(raw_adjacency: str, raw_ops: str) -> tuple[np.ndarray, list[str]]:
    """The adjacency matrix and op list of a record, checked to be a NAS-Bench-101 cell:
    a square 0/1 matrix, strictly upper triangular (vertices in topological order), one
    op per vertex from input to output."""
    size = len(raw_adjacency)
    n = math.isqrt(size)
    if n * n != size or n < 2:
        raise _NotARecord(f"its adjacency has {size} characters, not the n*n of a square matrix")
    ops = raw_ops.split(",")
    if len(ops) != n:
        raise _NotARecord(f"it has {len(ops)} operations for a {n}x{n} adjacency matrix")
    if ops[0] != "input" or ops[-1] != "output" or not _HIDDEN_OPS.issuperset(ops[1:-1]):
        raise _NotARecord(f"its operations {quoted(raw_ops, 100)} are not input, NAS-Bench-101 ops, output")
    if raw_adjacency.count("0") + raw_adjacency.count("1") != size:
        raise _NotARecord(f"its adjacency {quoted(raw_adjacency, 60)} is not made of 0 and 1")
    if int(raw_adjacency, 2) & _on_or_below_diagonal(n):
        raise _NotARecord("its adjacency has an edge that goes backwards (the matrix is not strictly upper triangular)")
    adjacency = np.frombuffer(raw_adjacency.encode("ascii"), dtype=np.uint8) - _ZERO
    return adjacency.reshape(n, n), ops


@functools.lru_cache(maxsize=None)
def _on_or_below_diagonal(n: int) -> int:
    """The bits of a row-major n*n "0"/"1" string, read as a binary number, that lie on or
    below the diagonal (the first character is the highest bit)."""
    mask = 0
    for row in range(n):
        for col in range(row + 1):
            mask |= 1 << (n * n - 1 - (row * n + col))
    return mask


def iter_records(path: str | os.PathLike) -> Iterator[NB101Record]:
    """Every record of an official NAS-Bench-101 TFRecord file, in file order, read one at a
    time and checked (framing, CRCs, JSON, base64, protobuf, cell shape); anything wrong is
    one CRLSOError naming the record. An empty file yields nothing."""
    path = Path(path)
    for number, offset, data in iter_frames(path):
        try:
            module_hash, epochs, adjacency, ops, metrics = parse_record(data)
        except _NotARecord as exc:
            raise _not_a_record(path, number, offset, exc) from None
        yield NB101Record(number, offset, module_hash, epochs, adjacency, ops, metrics)


# --- pruning -------------------------------------------------------------------------------

def prune(adjacency: np.ndarray, ops: list[str]) -> tuple[np.ndarray, list[str]] | None:
    """The cell without the vertices that lie on no path from input to output (what the
    official ModelSpec does), or None when no path joins input to output. The vertices must
    be in topological order (a strictly upper triangular matrix, as every record's is). A
    pruned cell is returned as it is (the same objects)."""
    if adjacency[:-1].any(axis=1).all() and adjacency[:, 1:].any(axis=0).all():
        # every vertex but the output has a successor, every one but the input a predecessor:
        # in topological order each is then reached from the input and reaches the output
        return adjacency, ops
    n = len(ops)
    edges = adjacency.astype(bool)
    from_input = np.zeros(n, dtype=bool)
    from_input[0] = True
    for v in range(n):  # one pass forward, one backward
        if from_input[v]:
            from_input |= edges[v]
    to_output = np.zeros(n, dtype=bool)
    to_output[-1] = True
    for v in range(n - 1, -1, -1):
        if to_output[v]:
            to_output |= edges[:, v]
    keep = from_input & to_output
    if not keep[0]:
        return None
    return adjacency[np.ix_(keep, keep)], [op for op, kept in zip(ops, keep) if kept]


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
        self.spec: list[bytes] = []
        self.pruned: dict[int, tuple[np.ndarray, list[str]]] = {}  # row -> its pruned cell, when the file's was not
        self.params = np.zeros(0, dtype=np.int64)
        self.sums: dict[int, np.ndarray] = {}  # budget -> float64 [capacity, 3]
        self.runs: dict[int, np.ndarray] = {}  # budget -> int32 [capacity]
        self.inconsistent = 0

    def add(self, record: NB101Record) -> None:
        """Count one record in; _NotARecord when it lacks what the table needs."""
        final = _final_evaluation(record.metrics)
        key = bytes.fromhex(record.module_hash)
        spec = bytes((len(record.ops),)) + record.adjacency.tobytes() + bytes(_OP_INDEX[op] for op in record.ops)
        params = record.metrics.trainable_parameters
        i = self.row.get(key)
        if i is None:
            pruned = prune(record.adjacency, record.ops)
            if pruned is None:
                raise _NotARecord("its cell has no path from input to output")
            i = self.row[key] = len(self.spec)
            self.spec.append(spec)
            if pruned[1] is not record.ops:
                self.pruned[i] = pruned
            self._grow(i + 1)
            self.params[i] = params
        elif spec != self.spec[i] or params != self.params[i]:
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

    def cell(self, i: int) -> tuple[np.ndarray, list[str]]:
        """Row i's cell, pruned."""
        if i in self.pruned:
            return self.pruned[i]
        spec = self.spec[i]
        n = spec[0]
        adjacency = np.frombuffer(spec, dtype=np.uint8, count=n * n, offset=1).reshape(n, n)
        return adjacency, [OPS[k] for k in spec[1 + n * n:]]

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


def _final_evaluation(metrics: ModelMetrics) -> EvaluationData:
    """A record's end-of-training evaluation, checked to hold what the table needs."""
    evaluations = metrics.evaluation_data
    if len(evaluations) <= FINAL:
        raise _NotARecord(f"it has {len(evaluations)} evaluations, not the 3 (start, halfway, end) of the official files")
    if metrics.trainable_parameters is None:
        raise _NotARecord("it has no trainable_parameters")
    final = evaluations[FINAL]
    accuracies, time_ = (final.validation_accuracy, final.test_accuracy), final.training_time
    if None in accuracies or time_ is None:
        raise _NotARecord("its final evaluation lacks the validation accuracy, test accuracy or training time")
    if not (0.0 <= accuracies[0] <= 1.0 and 0.0 <= accuracies[1] <= 1.0 and 0.0 <= time_ < math.inf):
        raise _NotARecord(f"its final evaluation holds impossible values (accuracies {accuracies[0]!r} and "
                          f"{accuracies[1]!r}, training time {time_!r})")
    return final


def build_table(path: str | os.PathLike, out: str | os.PathLike, progress: Optional[ProgressFn] = None) -> TableSummary:
    """Read an official NAS-Bench-101 TFRecord file and write its table (one row per cell,
    the mean over runs per budget; columns in the module's docstring) as a gzipped CSV at
    `out`. Everything is read and checked before the table is written, through a temporary
    file beside `out` renamed over it at the end: a damaged file, or a failed write, leaves
    `out` as it was."""
    path, out = Path(path), Path(out)
    started = time.perf_counter()
    size = _file_size(path)
    cells, records = _Cells(), 0
    for record in iter_records(path):
        try:
            cells.add(record)
        except _NotARecord as exc:
            raise _not_a_record(path, record.number, record.offset, exc) from None
        records += 1
        if records % PROGRESS_EVERY == 0:
            report(progress, STAGE, record.offset, size, records=records)
    if records == 0:
        raise CRLSOError(f"{path} holds no records: it is empty, not a NAS-Bench-101 file; {_what_to_do(path)}.")
    budgets = tuple(sorted(cells.sums))
    columns = table_columns(budgets)
    _write_gzipped_csv(out, columns, cells.rows(budgets))
    report(progress, STAGE, size, size, records=records)
    return TableSummary(out, records, len(cells.row), budgets, columns, len(cells.pruned), cells.inconsistent,
                        time.perf_counter() - started, CRC32C_IMPLEMENTATION)


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # iter_records says what is wrong with it


def _write_gzipped_csv(out: Path, columns: tuple[str, ...], rows: Iterator[list]) -> None:
    """Stream the rows into a gzipped temporary file beside `out`, then rename it over `out`."""
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a table for a shared folder stays readable
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:  # the same bytes for the same file
                with io.TextIOWrapper(packed, encoding="utf-8", newline="") as text:
                    writer = csv.writer(text)  # "\r\n" line ends, like the 30k table
                    writer.writerow(columns)
                    writer.writerows(rows)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        raise CRLSOError(f"The table could not be written: {describe_os_error(exc)}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):  # only when something failed: a renamed file is gone from here
            os.unlink(tmp)
