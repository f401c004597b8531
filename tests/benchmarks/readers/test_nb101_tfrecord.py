"""Reading the official NAS-Bench-101 TFRecord format without TensorFlow
(nb101_tfrecord.py): the fixture's 90 records decode to the official API's values, its
framing is the one we write, and any damage to a file, or content that is not a record, is
one CRLSOError naming the record."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from crlso_core.benchmarks.readers import crc32c as crc
from crlso_core.benchmarks.readers import nb101_tfrecord as nb101
from crlso_core.benchmarks.readers.nb101_tfrecord import decode_evaluation_data, frame_record, iter_records
from crlso_core.common.errors import CRLSOError
from tests.benchmarks.readers.nb101_records import (
    GOOD_ADJACENCY,
    OPS5,
    adjacency_bits,
    damaged_copy,
    pb_double,
    record_json,
    write_tfrecord,
)
from tests.data import NB101_TFRECORD as FIXTURE


# --- the fixture decodes to the official API's values -------------------------------------
def test_every_record_decodes_to_the_official_apis_run(api):
    records = list(iter_records(FIXTURE))
    assert len(records) == 90 and [r.number for r in records] == list(range(1, 91))
    seen: dict[str, int] = {}
    for record in records:
        run = api[record.module_hash]["computed_stats"]["108"][seen.get(record.module_hash, 0)]
        seen[record.module_hash] = seen.get(record.module_hash, 0) + 1
        start, halfway, final = record.metrics.evaluation_data
        assert record.epochs == 108 and record.adjacency.dtype == np.uint8
        assert (start.current_epoch, halfway.current_epoch, final.current_epoch) == (0.0, 54.0, 108.0)
        assert start.training_time is start.validation_accuracy is None  # step 0 holds only its epoch
        for stage, evaluation in (("halfway", halfway), ("final", final)):
            for name in ("training_time", "train_accuracy", "validation_accuracy", "test_accuracy"):
                assert getattr(evaluation, name) == run[f"{stage}_{name}"], (record.number, stage, name)
        assert record.metrics.trainable_parameters == api[record.module_hash]["trainable_parameters"]
    assert seen == {h: 3 for h in api}


def test_the_fast_path_reads_what_the_general_one_does():
    ordered = b"".join(pb_double(n, n / 10) for n in range(1, 6))
    shuffled = b"".join(pb_double(n, n / 10) for n in (3, 1, 5, 2, 4))
    assert decode_evaluation_data(ordered) == decode_evaluation_data(shuffled)
    assert decode_evaluation_data(ordered).test_accuracy == 0.5


# --- framing -------------------------------------------------------------------------------
def test_the_fixtures_framing_is_the_one_we_write(frames):
    raw = FIXTURE.read_bytes()
    length, length_crc = struct.unpack_from("<QI", raw)
    assert length == len(frames[0][2]) and length_crc == crc.masked_crc32c(raw[:8])
    assert frames[0][2].startswith(b'["') and frames[1][1] == 12 + length + 4
    assert b"".join(frame_record(data) for _, _, data in frames) == raw  # writing the records back gives the same bytes


def _error(path: Path) -> str:
    with pytest.raises(CRLSOError) as caught:
        list(iter_records(path))
    return str(caught.value)


@pytest.mark.parametrize("where, expected", [
    (lambda offset, length: offset + 12 + length // 2, "data fails its CRC32C check"),  # in the data
    (lambda offset, length: offset + 12 + length + 2, "data fails its CRC32C check"),  # in the data's CRC
    (lambda offset, length: offset + 9, "length fails its CRC32C check"),  # in the length's CRC
    (lambda offset, length: offset + 1, "length fails its CRC32C check"),  # in the length
])
def test_a_flipped_byte_is_an_error_naming_the_record(tmp_path, frames, where, expected):
    number, offset, data = frames[16]
    path = damaged_copy(tmp_path, lambda b: b.__setitem__(where(offset, len(data)), b[where(offset, len(data))] ^ 0x10))
    message = _error(path)
    assert f"record {number}" in message and f"byte {offset:,}" in message and expected in message
    assert str(path) in message and nb101.OFFICIAL_SHA256["nasbench_only108.tfrecord"] in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence


@pytest.mark.parametrize("cut", [5, 12, 12 + 100, -2])  # in the header, after it, in the data, in the data's CRC
def test_a_file_cut_short_is_an_error_naming_the_record(tmp_path, frames, cut):
    number, offset, data = frames[40]
    end = offset + (cut if cut > 0 else 12 + len(data) + 4 + cut)
    path = damaged_copy(tmp_path, lambda b: b.__delitem__(slice(end, None)))
    message = _error(path)
    assert f"record {number}" in message and "cut short" in message and "download it again" in message


def test_records_before_the_damage_are_read(tmp_path, frames):
    number, offset, data = frames[40]
    path = damaged_copy(tmp_path, lambda b: b.__delitem__(slice(offset + 20, None)))
    read = []
    with pytest.raises(CRLSOError):
        for record in iter_records(path):
            read.append(record.number)
    assert read == list(range(1, number))


def test_a_length_beyond_the_end_of_the_file_is_an_error(tmp_path):
    path = tmp_path / "x.tfrecord"
    record = frame_record(b"[]")
    claimed = struct.pack("<Q", 10**6)  # a valid length CRC, a length the file does not have
    path.write_bytes(claimed + struct.pack("<I", crc.masked_crc32c(claimed)) + record[12:])
    message = _error(path)
    assert "record 1 (byte 0)" in message and "1,000,004 bytes" in message and "cut short" in message


def test_a_length_beyond_any_record_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(nb101, "MAX_RECORD_BYTES", 100)
    path = tmp_path / "x.tfrecord"
    path.write_bytes(frame_record(b"x" * 101))
    assert "claims 101 bytes" in _error(path)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CRLSOError, match="does not exist"):
        list(iter_records(tmp_path / "nasbench_only108.tfrecord"))


# --- content that passes its CRC but is not a record ----------------------------------------
@pytest.mark.parametrize("data, expected", [
    (b'["abc", 108', "not JSON"),
    (b'{"a": 1}', "not the list"),
    (json.dumps(["a" * 32, 108, GOOD_ADJACENCY, OPS5]).encode(), "not the list"),
    (record_json(module_hash="A" * 32), "not 32 lower-case hex digits"),
    (record_json(epochs="108"), "is not one of NAS-Bench-101"),  # a string, not the number
    (record_json(adjacency=GOOD_ADJACENCY[:-1]), "24 characters, not the n*n of a square matrix"),
    (record_json(adjacency=GOOD_ADJACENCY[:-1] + "2"), "not made of 0 and 1"),
    (record_json(adjacency=adjacency_bits(5, [(0, 1), (1, 4), (3, 2)])), "goes backwards"),
    (record_json(ops="input,conv3x3-bn-relu,output"), "3 operations for a 5x5"),
    (record_json(ops="input,conv3x3-bn-relu,conv5x5,maxpool3x3,output"), "are not input, NAS-Bench-101 ops, output"),
    (record_json(metrics="not base64!"), "not base64"),
    (record_json(metrics=base64.b64encode(b"\x0a\x50\x09").decode()), "not a ModelMetrics protobuf"),
    (record_json(metrics=base64.b64encode(b"\x10" + b"\xff" * 11).decode()), "longer than ten bytes"),
    (record_json(metrics=base64.b64encode(b"\x0d\x00\x00\x00\x00").decode()), "evaluation_data (field 1) has wire type 5"),
])
def test_content_that_is_not_a_record_is_an_error_naming_it(tmp_path, data, expected):
    path = write_tfrecord(tmp_path / "x.tfrecord", [record_json(), data])
    message = _error(path)
    assert "record 2 (byte " in message and "is not a NAS-Bench-101 record" in message and expected in message
    assert "download the official file again" in message


# --- cells outside NAS-Bench-101's own limits (7 vertices, 9 edges) --------------------------
def _chain(n: int) -> tuple[str, str]:
    return adjacency_bits(n, [(i, i + 1) for i in range(n - 1)]), ",".join(["input"] + ["conv3x3-bn-relu"] * (n - 2) + ["output"])


@pytest.mark.parametrize("n", [8, 9, 1000])
def test_a_cell_with_more_than_seven_vertices_is_refused_naming_the_record(tmp_path, n):
    """A 9-vertex chain was written into the table; a 1,000-vertex record ended in a bug line."""
    adjacency, ops = _chain(n)
    path = write_tfrecord(tmp_path / "x.tfrecord", [record_json(), record_json(adjacency=adjacency, ops=ops)])
    message = _error(path)
    assert "record 2 (byte " in message and f"has {n} vertices" in message and "at most 7" in message


def test_a_cell_with_more_than_nine_edges_is_refused_naming_the_record(tmp_path):
    full = adjacency_bits(7, [(a, b) for a in range(7) for b in range(a + 1, 7)])  # 21 edges
    ops = ",".join(["input"] + ["conv3x3-bn-relu"] * 5 + ["output"])
    path = write_tfrecord(tmp_path / "x.tfrecord", [record_json(adjacency=full, ops=ops)])
    message = _error(path)
    assert "record 1 (byte 0)" in message and "has 21 edges" in message and "at most 9" in message


def test_seven_vertices_and_nine_edges_are_still_read(tmp_path):
    edges = [(i, i + 1) for i in range(6)] + [(0, 2), (0, 3), (0, 6)]
    ops = ",".join(["input"] + ["conv3x3-bn-relu"] * 5 + ["output"])
    path = write_tfrecord(tmp_path / "x.tfrecord", [record_json(adjacency=adjacency_bits(7, edges), ops=ops)])
    (record,) = iter_records(path)
    assert record.adjacency.shape == (7, 7) and int(record.adjacency.sum()) == 9


def test_a_pipe_in_place_of_the_file_is_refused_at_once(tmp_path):
    import os

    from tests.benchmarks.readers.test_regular import within

    pipe = tmp_path / "nasbench_only108.tfrecord"
    os.mkfifo(pipe)
    with pytest.raises(CRLSOError, match="is a pipe, not a file of TFRecord records"):
        within(10, lambda: list(iter_records(pipe)))
