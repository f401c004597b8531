"""Read the official NAS-Bench-101 files (`nasbench_only108.tfrecord`, `nasbench_full.tfrecord`)
without TensorFlow: their records, one at a time, every byte checked. The table built from
them is nb101_official_table.py's.

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

Errors
------
Everything wrong with a file is one CRLSOError sentence naming the file, the record (counted
from 1) and its byte offset, what is wrong and what to do: a CRC that fails (a flipped byte),
a file cut short (in a header, the data or a CRC), a length longer than what the file has
left, data that is not the JSON list above, bad base64, a protobuf that does not parse, an
adjacency that is not square or does not match the operations. An empty file has no records:
`iter_records` yields none (nb101_official_table.build_table refuses it: an official file is
never empty, so an empty one is a failed download).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import os
import re
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from crlso_core.benchmarks.readers.crc32c import masked_crc32c
from crlso_core.benchmarks.readers.protowire import (
    FIXED64,
    LENGTH_DELIMITED,
    VARINT,
    WireError,
    as_double,
    as_int32,
    as_string,
    fields,
)
from crlso_core.benchmarks.readers.regular import open_regular
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.spaces.nb101.cells import INPUT, MAX_EDGES, MAX_VERTICES, OPS, OUTPUT, ArraySpec

DOWNLOAD_URL = "https://storage.googleapis.com/nasbench/"
OFFICIAL_SHA256 = {
    "nasbench_only108.tfrecord": "4c39c3936e36a85269881d659e44e61a245babcb72cb374eacacf75d0e5f4fd1",
    "nasbench_full.tfrecord": "3d64db8180fb1b0207212f9032205064312b6907a3bbc81eabea10db2f5c7e9c",
}
HEADER_BYTES = 12  # uint64 length + uint32 masked CRC of it
FOOTER_BYTES = 4  # uint32 masked CRC of the data
MAX_RECORD_BYTES = 2**20  # an official record is about 400 bytes: a length beyond this is not one
FINAL = 2  # the end of training in evaluation_data, as the official API reads it ([1] is halfway)
EPOCH_BUDGETS = (4, 12, 36, 108)  # the only training lengths NAS-Bench-101 has; a table column each

_LENGTH = struct.Struct("<QI")
_CRC = struct.Struct("<I")
_HASH = re.compile(r"[0-9a-f]{32}")
_MIDDLE_OPS = frozenset(OPS)  # the ops a vertex between input and output may have
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

def what_to_do(path: Path) -> str:
    sha = OFFICIAL_SHA256.get(path.name)
    if sha:
        return f"download it again from {DOWNLOAD_URL}{path.name} and check that its sha256 is {sha}"
    return (f"download the official file again from {DOWNLOAD_URL} (nasbench_only108.tfrecord or "
            "nasbench_full.tfrecord) and check its sha256")


def _damaged(path: Path, number: int, offset: int, problem: str) -> CRLSOError:
    return CRLSOError(f"{path} is damaged at record {number:,} (byte {offset:,}): {problem}; {what_to_do(path)}.")


class NotARecord(ValueError):
    """The data passed its CRC but is not a NAS-Bench-101 record; the message says why."""


def not_a_record(path: Path, number: int, offset: int, why: NotARecord) -> CRLSOError:
    return CRLSOError(f"{path}, record {number:,} (byte {offset:,}) is not a NAS-Bench-101 record: {why}; "
                      f"{what_to_do(path)}.")


# --- framing -------------------------------------------------------------------------------

def _open(path: Path):
    try:
        return open_regular(path, "of TFRecord records")  # a pipe with no writer would block open() forever
    except FileNotFoundError:
        raise CRLSOError(f"{path} does not exist; {what_to_do(path)}.") from None
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
    """(hash, epochs, adjacency, ops, metrics) of one record's data; NotARecord says what
    is wrong with data that is not a NAS-Bench-101 record."""
    try:
        fields_ = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise NotARecord(f"its data is not JSON ({str(exc)[:80]})") from None
    if not (isinstance(fields_, list) and len(fields_) == 5):
        raise NotARecord(f"its data is {quoted(fields_, 60)}, not the list [hash, epochs, adjacency, operations, metrics]")
    module_hash, epochs, raw_adjacency, raw_ops, raw_metrics = fields_
    if not (isinstance(module_hash, str) and _HASH.fullmatch(module_hash)):
        raise NotARecord(f"its module hash {quoted(module_hash, 40)} is not 32 lower-case hex digits")
    if not (type(epochs) is int and epochs in EPOCH_BUDGETS):
        raise NotARecord(f"its epoch budget {quoted(epochs, 40)} is not one of NAS-Bench-101's "
                         f"({', '.join(map(str, EPOCH_BUDGETS))})")
    if not (isinstance(raw_adjacency, str) and isinstance(raw_ops, str) and isinstance(raw_metrics, str)):
        raise NotARecord("its adjacency, operations and metrics are not all strings")
    adjacency, ops = _cell(raw_adjacency, raw_ops)
    try:
        metrics_bytes = base64.b64decode(raw_metrics, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotARecord(f"its metrics are not base64 ({exc})") from None
    try:
        metrics = decode_model_metrics(metrics_bytes)
    except WireError as exc:
        raise NotARecord(f"its metrics are not a ModelMetrics protobuf ({exc})") from None
    return module_hash, epochs, adjacency, ops, metrics


def _cell(raw_adjacency: str, raw_ops: str) -> ArraySpec:
    """The adjacency matrix and op list of a record, checked to be a NAS-Bench-101 cell:
    a square 0/1 matrix of at most 7 vertices, strictly upper triangular (vertices in
    topological order) with at most 9 edges, one op per vertex from input to output."""
    size = len(raw_adjacency)
    n = math.isqrt(size)
    if n * n != size or n < 2:
        raise NotARecord(f"its adjacency has {size} characters, not the n*n of a square matrix")
    if n > MAX_VERTICES:  # checked before anything of size n*n is built
        raise NotARecord(f"its cell has {n} vertices; a NAS-Bench-101 cell has at most {MAX_VERTICES}")
    ops = raw_ops.split(",")
    if len(ops) != n:
        raise NotARecord(f"it has {len(ops)} operations for a {n}x{n} adjacency matrix")
    if ops[0] != INPUT or ops[-1] != OUTPUT or not _MIDDLE_OPS.issuperset(ops[1:-1]):
        raise NotARecord(f"its operations {quoted(raw_ops, 100)} are not input, NAS-Bench-101 ops, output")
    if raw_adjacency.count("0") + raw_adjacency.count("1") != size:
        raise NotARecord(f"its adjacency {quoted(raw_adjacency, 60)} is not made of 0 and 1")
    if int(raw_adjacency, 2) & _on_or_below_diagonal(n):
        raise NotARecord("its adjacency has an edge that goes backwards (the matrix is not strictly upper triangular)")
    if raw_adjacency.count("1") > MAX_EDGES:
        raise NotARecord(f"its cell has {raw_adjacency.count('1')} edges; a NAS-Bench-101 cell has at most {MAX_EDGES}")
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
        except NotARecord as exc:
            raise not_a_record(path, number, offset, exc) from None
        yield NB101Record(number, offset, module_hash, epochs, adjacency, ops, metrics)
