"""Bytes the reader tests write: protobuf fields, a ModelMetrics as the official files write
it, NAS-Bench-101 records, TFRecord files, and a damaged copy of the official-format fixture."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

from crlso_core.benchmarks.readers.nb101_tfrecord import frame_record
from tests.data import NB101_TFRECORD


def pb_double(number: int, value: float) -> bytes:
    return bytes((number << 3 | 1,)) + struct.pack("<d", value)


def pb_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def pb_message(number: int, payload: bytes) -> bytes:
    return bytes((number << 3 | 2,)) + pb_varint(len(payload)) + payload


def metrics_b64(val: float, test: float, time_: float, params: int = 1000) -> str:
    """base64 of a ModelMetrics as the official files write it: step 0, halfway, final."""
    halfway = pb_double(1, 54.0) + pb_double(2, time_ / 2) + pb_double(3, 0.5) + pb_double(4, val / 2) + pb_double(5, test / 2)
    final = pb_double(1, 108.0) + pb_double(2, time_) + pb_double(3, 1.0) + pb_double(4, val) + pb_double(5, test)
    body = pb_message(1, pb_double(1, 0.0)) + pb_message(1, halfway) + pb_message(1, final) + bytes((2 << 3,)) + pb_varint(params)
    return base64.b64encode(body).decode()


OPS5 = "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,output"


def adjacency_bits(n: int, edges: list[tuple[int, int]]) -> str:
    bits = ["0"] * (n * n)
    for a, b in edges:
        bits[a * n + b] = "1"
    return "".join(bits)


GOOD_ADJACENCY = adjacency_bits(5, [(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)])


def record_json(module_hash="a" * 32, epochs=108, adjacency=GOOD_ADJACENCY, ops=OPS5, metrics=None) -> bytes:
    return json.dumps([module_hash, epochs, adjacency, ops, metrics or metrics_b64(0.9, 0.8, 100.0)]).encode()


def write_tfrecord(path: Path, datas: list[bytes]) -> Path:
    path.write_bytes(b"".join(frame_record(d) for d in datas))
    return path


def damaged_copy(tmp_path: Path, edit) -> Path:
    data = bytearray(NB101_TFRECORD.read_bytes())
    edit(data)
    path = tmp_path / "nasbench_only108.tfrecord"  # an official name: the message gives its sha256
    path.write_bytes(bytes(data))
    return path
