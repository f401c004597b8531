"""Reading the official NAS-Bench-101 TFRecord format without TensorFlow: the fixture's 90
records decode to the official API's values, the table reproduces them exactly, any damage
to the file is one CRLSOError naming the record, a failed build leaves nothing behind, and
CRC32C gives the published check values."""

from __future__ import annotations

import base64
import csv
import errno
import gzip
import json
import os
import random
import struct
from pathlib import Path

import numpy as np
import pytest

from crlso_core.benchmarks.readers import crc32c as crc
from crlso_core.benchmarks.readers import nb101_official_table as official_table
from crlso_core.benchmarks.readers import nb101_tfrecord as nb101
from crlso_core.benchmarks.readers.nb101_official_table import build_table, table_columns
from crlso_core.benchmarks.readers.nb101_tfrecord import decode_evaluation_data, frame_record, iter_frames, iter_records
from crlso_core.benchmarks.readers.protowire import WireError, fields, read_varint
from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.nb101.cells import prune_checked
from tests.data import NB101_API_JSON as API_JSON
from tests.data import NB101_TFRECORD as FIXTURE


@pytest.fixture(scope="module")
def api() -> dict:
    return json.loads(API_JSON.read_text())


@pytest.fixture(scope="module")
def frames() -> list[tuple[int, int, bytes]]:
    return list(iter_frames(FIXTURE))


def _read_table(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", newline="") as f:
        return list(csv.DictReader(f))


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


def test_the_official_records_store_the_pruned_module(api):
    for record in iter_records(FIXTURE):
        kept, kept_ops = prune_checked(record.adjacency, record.ops)  # as the table prunes a record's cell
        assert kept is record.adjacency and kept_ops is record.ops  # nothing to prune
        assert record.adjacency.tolist() == api[record.module_hash]["module_adjacency"]
        assert record.ops == api[record.module_hash]["module_operations"]


def test_table_reproduces_the_api_means_exactly(api, tmp_path):
    out = tmp_path / "nb101.csv.gz"
    summary = build_table(FIXTURE, out)
    assert (summary.records, summary.cells, summary.budgets) == (90, 30, (108,))
    assert (summary.unpruned_cells, summary.inconsistent_records) == (0, 0)
    expected_columns = ("hash", "adjacency", "ops", "val_acc_108ep", "test_acc_108ep", "params",
                        "final_training_time", "runs")
    assert summary.columns == table_columns((108,)) == expected_columns
    rows = _read_table(out)
    assert tuple(rows[0]) == expected_columns
    assert [r["hash"] for r in rows] == sorted(api)
    for row in rows:
        cell = api[row["hash"]]
        runs = cell["computed_stats"]["108"]
        for column, key in (("val_acc_108ep", "final_validation_accuracy"), ("test_acc_108ep", "final_test_accuracy"),
                            ("final_training_time", "final_training_time")):
            assert float(row[column]) == sum(run[key] for run in runs) / len(runs), (row["hash"], column)  # exact
        assert float(row["val_acc_108ep"]) == np.mean([run["final_validation_accuracy"] for run in runs])
        assert int(row["params"]) == cell["trainable_parameters"]
        assert int(row["runs"]) == 3
        assert json.loads(row["adjacency"]) == cell["module_adjacency"]
        assert json.loads(row["ops"]) == cell["module_operations"]
        assert " " not in row["adjacency"] + row["ops"]  # compact JSON, as in the 30k table


def test_progress_reaches_the_end_of_the_file(tmp_path):
    events = []
    build_table(FIXTURE, tmp_path / "t.csv.gz", progress=events.append)
    assert events[-1].step == events[-1].total == FIXTURE.stat().st_size and events[-1].metrics["records"] == 90


# --- framing -------------------------------------------------------------------------------

def test_the_fixtures_framing_is_the_one_we_write(frames):
    raw = FIXTURE.read_bytes()
    length, length_crc = struct.unpack_from("<QI", raw)
    assert length == len(frames[0][2]) and length_crc == crc.masked_crc32c(raw[:8])
    assert frames[0][2].startswith(b'["') and frames[1][1] == 12 + length + 4
    assert b"".join(frame_record(data) for _, _, data in frames) == raw  # writing the records back gives the same bytes


def _damaged_copy(tmp_path: Path, edit) -> Path:
    data = bytearray(FIXTURE.read_bytes())
    edit(data)
    path = tmp_path / "nasbench_only108.tfrecord"  # an official name: the message gives its sha256
    path.write_bytes(bytes(data))
    return path


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
    path = _damaged_copy(tmp_path, lambda b: b.__setitem__(where(offset, len(data)), b[where(offset, len(data))] ^ 0x10))
    message = _error(path)
    assert f"record {number}" in message and f"byte {offset:,}" in message and expected in message
    assert str(path) in message and nb101.OFFICIAL_SHA256["nasbench_only108.tfrecord"] in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence


@pytest.mark.parametrize("cut", [5, 12, 12 + 100, -2])  # in the header, after it, in the data, in the data's CRC
def test_a_file_cut_short_is_an_error_naming_the_record(tmp_path, frames, cut):
    number, offset, data = frames[40]
    end = offset + (cut if cut > 0 else 12 + len(data) + 4 + cut)
    path = _damaged_copy(tmp_path, lambda b: b.__delitem__(slice(end, None)))
    message = _error(path)
    assert f"record {number}" in message and "cut short" in message and "download it again" in message


def test_records_before_the_damage_are_read(tmp_path, frames):
    number, offset, data = frames[40]
    path = _damaged_copy(tmp_path, lambda b: b.__delitem__(slice(offset + 20, None)))
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


def test_an_empty_file_has_no_records_and_builds_no_table(tmp_path):
    path = tmp_path / "nasbench_full.tfrecord"
    path.write_bytes(b"")
    assert list(iter_records(path)) == []
    with pytest.raises(CRLSOError, match="holds no records") as caught:
        build_table(path, tmp_path / "t.csv.gz")
    assert nb101.OFFICIAL_SHA256["nasbench_full.tfrecord"] in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nasbench_full.tfrecord"]


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CRLSOError, match="does not exist"):
        list(iter_records(tmp_path / "nasbench_only108.tfrecord"))


# --- content that passes its CRC but is not a record ----------------------------------------

def _double(number: int, value: float) -> bytes:
    return bytes((number << 3 | 1,)) + struct.pack("<d", value)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def _message(number: int, payload: bytes) -> bytes:
    return bytes((number << 3 | 2,)) + _varint(len(payload)) + payload


def _metrics(val: float, test: float, time_: float, params: int = 1000) -> str:
    """base64 of a ModelMetrics as the official files write it: step 0, halfway, final."""
    halfway = _double(1, 54.0) + _double(2, time_ / 2) + _double(3, 0.5) + _double(4, val / 2) + _double(5, test / 2)
    final = _double(1, 108.0) + _double(2, time_) + _double(3, 1.0) + _double(4, val) + _double(5, test)
    body = _message(1, _double(1, 0.0)) + _message(1, halfway) + _message(1, final) + bytes((2 << 3,)) + _varint(params)
    return base64.b64encode(body).decode()


OPS5 = "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,output"


def _matrix(n: int, edges: list[tuple[int, int]]) -> str:
    bits = ["0"] * (n * n)
    for a, b in edges:
        bits[a * n + b] = "1"
    return "".join(bits)


GOOD_ADJACENCY = _matrix(5, [(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)])


def _record(module_hash="a" * 32, epochs=108, adjacency=GOOD_ADJACENCY, ops=OPS5, metrics=None) -> bytes:
    return json.dumps([module_hash, epochs, adjacency, ops, metrics or _metrics(0.9, 0.8, 100.0)]).encode()


def _write(path: Path, datas: list[bytes]) -> Path:
    path.write_bytes(b"".join(frame_record(d) for d in datas))
    return path


@pytest.mark.parametrize("data, expected", [
    (b'["abc", 108', "not JSON"),
    (b'{"a": 1}', "not the list"),
    (json.dumps(["a" * 32, 108, GOOD_ADJACENCY, OPS5]).encode(), "not the list"),
    (_record(module_hash="A" * 32), "not 32 lower-case hex digits"),
    (_record(epochs="108"), "not a positive integer"),
    (_record(adjacency=GOOD_ADJACENCY[:-1]), "24 characters, not the n*n of a square matrix"),
    (_record(adjacency=GOOD_ADJACENCY[:-1] + "2"), "not made of 0 and 1"),
    (_record(adjacency=_matrix(5, [(0, 1), (1, 4), (3, 2)])), "goes backwards"),
    (_record(ops="input,conv3x3-bn-relu,output"), "3 operations for a 5x5"),
    (_record(ops="input,conv3x3-bn-relu,conv5x5,maxpool3x3,output"), "are not input, NAS-Bench-101 ops, output"),
    (_record(metrics="not base64!"), "not base64"),
    (_record(metrics=base64.b64encode(b"\x0a\x50\x09").decode()), "not a ModelMetrics protobuf"),
    (_record(metrics=base64.b64encode(b"\x10" + b"\xff" * 11).decode()), "longer than ten bytes"),
    (_record(metrics=base64.b64encode(b"\x0d\x00\x00\x00\x00").decode()), "evaluation_data (field 1) has wire type 5"),
])
def test_content_that_is_not_a_record_is_an_error_naming_it(tmp_path, data, expected):
    path = _write(tmp_path / "x.tfrecord", [_record(), data])
    message = _error(path)
    assert "record 2 (byte " in message and "is not a NAS-Bench-101 record" in message and expected in message
    assert "download the official file again" in message


@pytest.mark.parametrize("metrics, expected", [
    (base64.b64encode(_message(1, _double(1, 0.0))).decode(), "it has 1 evaluations"),
    (base64.b64encode(b"".join(_message(1, _double(1, e)) for e in (0.0, 54.0, 108.0)) + b"\x10\x05").decode(),
     "lacks the validation accuracy"),
    (_metrics(1.5, 0.8, 100.0), "impossible values"),
    (_metrics(float("nan"), 0.8, 100.0), "impossible values"),
])
def test_a_record_without_what_the_table_needs_is_an_error(tmp_path, metrics, expected):
    path = _write(tmp_path / "x.tfrecord", [_record(), _record(metrics=metrics)])
    with pytest.raises(CRLSOError, match=expected) as caught:
        build_table(path, tmp_path / "t.csv.gz")
    assert "record 2" in str(caught.value)
    assert not (tmp_path / "t.csv.gz").exists()


def test_a_cell_without_an_input_output_path_is_an_error(tmp_path):
    path = _write(tmp_path / "x.tfrecord", [_record(adjacency=_matrix(5, [(0, 1), (2, 4)]))])
    with pytest.raises(CRLSOError, match="record 1 .* no path from input to output"):
        build_table(path, tmp_path / "t.csv.gz")


# --- the table from synthetic files: several budgets, pruning, missing runs ----------------

def test_table_of_a_full_file_has_every_budget_and_prunes(tmp_path):
    dangling = _matrix(5, [(0, 1), (1, 4), (0, 2), (2, 3)])  # vertex 3 reaches no output, 2 only leads to it
    datas = [
        _record("b" * 32, 4, metrics=_metrics(0.25, 0.5, 10.0)), _record("b" * 32, 4, metrics=_metrics(0.75, 0.25, 20.0)),
        _record("b" * 32, 108, metrics=_metrics(0.5, 0.5, 1000.0)),
        _record("a" * 32, 108, adjacency=dangling, metrics=_metrics(0.9, 0.8, 700.0, params=77)),
        _record("a" * 32, 108, metrics=_metrics(0.7, 0.6, 900.0, params=78)),  # not the first record's cell: counted
    ]
    summary = build_table(_write(tmp_path / "full.tfrecord", datas), tmp_path / "t.csv.gz")
    assert summary.budgets == (4, 108) and summary.unpruned_cells == 1 and summary.inconsistent_records == 1
    assert summary.columns == ("hash", "adjacency", "ops", "val_acc_4ep", "val_acc_108ep", "test_acc_4ep",
                               "test_acc_108ep", "params", "final_training_time", "runs", "training_time_4ep", "runs_4ep")
    a, b = _read_table(tmp_path / "t.csv.gz")
    assert (a["hash"], b["hash"]) == ("a" * 32, "b" * 32)
    assert json.loads(a["adjacency"]) == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert json.loads(a["ops"]) == ["input", "conv3x3-bn-relu", "output"]
    assert (a["val_acc_108ep"], a["params"], a["runs"], a["val_acc_4ep"], a["runs_4ep"]) == ("0.8", "77", "2", "", "")
    assert float(a["final_training_time"]) == 800.0
    assert (b["val_acc_4ep"], b["test_acc_4ep"], b["training_time_4ep"], b["runs_4ep"]) == ("0.5", "0.375", "15.0", "2")
    assert (b["val_acc_108ep"], b["final_training_time"], b["runs"]) == ("0.5", "1000.0", "1")


def test_many_cells_grow_the_columns_without_mixing_them(tmp_path):
    datas = []
    for i in range(3000):  # both budgets' columns exist when they grow (1,024 rows, then 2,048, then 4,096)
        datas.append(_record(f"{i:032x}", 108, metrics=_metrics(i / 5000, 0.5, float(i), params=i)))
        if i % 7 == 0:
            datas.append(_record(f"{i:032x}", 12, metrics=_metrics(0.1, 0.2, 3.0)))
    build_table(_write(tmp_path / "x.tfrecord", datas), tmp_path / "t.csv.gz")
    rows = _read_table(tmp_path / "t.csv.gz")
    assert len(rows) == 3000
    for i, row in enumerate(rows):
        assert (float(row["val_acc_108ep"]), int(row["params"]), row["runs"]) == (i / 5000, i, "1")
        assert row["runs_12ep"] == ("1" if i % 7 == 0 else "")


# --- a failed build leaves nothing behind -------------------------------------------------

def test_a_damaged_file_leaves_an_existing_table_untouched(tmp_path, frames):
    number, offset, data = frames[60]
    path = _damaged_copy(tmp_path, lambda b: b.__setitem__(offset + 30, b[offset + 30] ^ 1))
    out = tmp_path / "tables" / "nb101.csv.gz"
    out.parent.mkdir()
    out.write_bytes(b"the old table")
    with pytest.raises(CRLSOError, match=f"record {number}"):
        build_table(path, out)
    assert out.read_bytes() == b"the old table" and os.listdir(out.parent) == ["nb101.csv.gz"]


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    real_rows = official_table._Cells.rows

    def rows_then_disk_full(self, budgets):
        for k, row in enumerate(real_rows(self, budgets)):
            if k == 10:
                raise OSError(errno.ENOSPC, "No space left on device")
            yield row

    monkeypatch.setattr(official_table._Cells, "rows", rows_then_disk_full)
    out = tmp_path / "nb101.csv.gz"
    with pytest.raises(CRLSOError, match="No space left on device; free some space"):
        build_table(FIXTURE, out)
    assert os.listdir(tmp_path) == []
    out.write_bytes(b"old")
    with pytest.raises(CRLSOError):
        build_table(FIXTURE, out)
    assert out.read_bytes() == b"old" and os.listdir(tmp_path) == ["nb101.csv.gz"]


def test_the_table_is_readable_by_others_and_the_same_bytes_each_time(tmp_path):
    build_table(FIXTURE, tmp_path / "a.csv.gz")
    build_table(FIXTURE, tmp_path / "b.csv.gz")
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()  # no time or name inside
    assert (tmp_path / "a.csv.gz").stat().st_mode & 0o044 == 0o044 & ~_umask_now()


def _umask_now() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# --- CRC32C ----------------------------------------------------------------------------------

CHECK_VALUES = [  # the usual check value and RFC 3720 (iSCSI) B.4's
    (b"123456789", 0xE3069283),
    (b"", 0x00000000),
    (bytes(32), 0x8A9136AA),
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
]


@pytest.mark.parametrize("data, expected", CHECK_VALUES)
def test_crc32c_check_values(data, expected):
    assert crc.crc32c_python(data) == expected
    assert crc.crc32c(data) == expected  # whichever implementation is in use


@pytest.mark.skipif(crc.crc32c_c is None, reason="google-crc32c's C extension is not installed")
def test_python_and_c_crc32c_agree():
    rng = random.Random(7)
    for size in list(range(0, 70)) + [255, 256, 1000, 4099]:
        data = bytes(rng.getrandbits(8) for _ in range(size))
        assert crc.crc32c_python(data) == crc.crc32c_c(data), size


def test_the_mask_is_tfrecords():
    value = crc.crc32c(b"123456789")
    assert crc.masked_crc32c(b"123456789") == (((value >> 15) | (value << 17)) + 0xA282EAD8) % 2**32


# --- the protobuf reader --------------------------------------------------------------------

def test_fields_skip_unknown_fields_of_every_wire_type():
    unknown = (bytes((9 << 3 | 0,)) + _varint(300) + bytes((10 << 3 | 5,)) + b"\x01\x02\x03\x04"
               + _message(11, b"hello") + bytes((12 << 3 | 3,)) + bytes((1 << 3 | 0, 5)) + bytes((12 << 3 | 4,))
               + bytes((13 << 3 | 1,)) + bytes(8))
    buf = unknown + _double(4, 0.75) + _message(6, "ckpt-1".encode()) + _double(2, 3.5)
    evaluation = decode_evaluation_data(buf)
    assert (evaluation.validation_accuracy, evaluation.training_time, evaluation.checkpoint_path) == (0.75, 3.5, "ckpt-1")
    assert evaluation.current_epoch is None
    assert [n for n, _, _ in fields(buf)] == [9, 10, 11, 12, 13, 4, 6, 2]


def test_the_fast_path_reads_what_the_general_one_does():
    ordered = b"".join(_double(n, n / 10) for n in range(1, 6))
    shuffled = b"".join(_double(n, n / 10) for n in (3, 1, 5, 2, 4))
    assert decode_evaluation_data(ordered) == decode_evaluation_data(shuffled)
    assert decode_evaluation_data(ordered).test_accuracy == 0.5


@pytest.mark.parametrize("buf, expected", [
    (b"\x0a\x05ab", "runs past the end"),  # a length past the end
    (b"\x09\x00\x00", "runs past the end"),  # a double cut short
    (b"\x08", "runs past the end"),  # a varint that never ends
    (b"\x00\x01", "number 0"),
    (b"\x0e", "wire type 6"),
    (b"\x0c", "never started"),
    (b"\x0b\x08\x01", "never closed"),
    (b"\x0b\x14", "closed as group 2"),
])
def test_bytes_that_are_not_a_message_are_a_wire_error(buf, expected):
    with pytest.raises(WireError, match=expected):
        list(fields(buf))


def test_varints_and_negative_int32():
    assert read_varint(_varint(2**63), 0) == (2**63, 10)
    negative = (2**64 - 5)  # int32 -5 as protobuf sends it
    metrics = nb101.decode_model_metrics(bytes((2 << 3,)) + _varint(negative))
    assert metrics.trainable_parameters == -5
