"""The official NAS-Bench-101 table built from a TFRecord file (nb101_official_table.py): it
reproduces the official API's means exactly, prunes and counts what it must, refuses a
record without what it needs, and a failed build leaves nothing behind."""

from __future__ import annotations

import base64
import csv
import errno
import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

from crlso_core.benchmarks.readers import nb101_official_table as official_table
from crlso_core.benchmarks.readers import nb101_tfrecord as nb101
from crlso_core.benchmarks.readers.nb101_official_table import build_table, table_columns
from crlso_core.benchmarks.readers.nb101_tfrecord import iter_records
from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.nb101.cells import prune_checked
from tests.benchmarks.readers.nb101_records import (
    adjacency_bits,
    damaged_copy,
    metrics_b64,
    pb_double,
    pb_message,
    record_json,
    write_tfrecord,
)
from tests.data import NB101_TFRECORD as FIXTURE


def _read_table(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", newline="") as f:
        return list(csv.DictReader(f))


# --- the fixture's table is the official API's ----------------------------------------------
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


def test_an_empty_file_has_no_records_and_builds_no_table(tmp_path):
    path = tmp_path / "nasbench_full.tfrecord"
    path.write_bytes(b"")
    assert list(iter_records(path)) == []
    with pytest.raises(CRLSOError, match="holds no records") as caught:
        build_table(path, tmp_path / "t.csv.gz")
    assert nb101.OFFICIAL_SHA256["nasbench_full.tfrecord"] in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nasbench_full.tfrecord"]


# --- records without what the table needs ---------------------------------------------------
@pytest.mark.parametrize("metrics, expected", [
    (base64.b64encode(pb_message(1, pb_double(1, 0.0))).decode(), "it has 1 evaluations"),
    (base64.b64encode(b"".join(pb_message(1, pb_double(1, e)) for e in (0.0, 54.0, 108.0)) + b"\x10\x05").decode(),
     "lacks the validation accuracy"),
    (metrics_b64(1.5, 0.8, 100.0), "impossible values"),
    (metrics_b64(float("nan"), 0.8, 100.0), "impossible values"),
])
def test_a_record_without_what_the_table_needs_is_an_error(tmp_path, metrics, expected):
    path = write_tfrecord(tmp_path / "x.tfrecord", [record_json(), record_json(metrics=metrics)])
    with pytest.raises(CRLSOError, match=expected) as caught:
        build_table(path, tmp_path / "t.csv.gz")
    assert "record 2" in str(caught.value)
    assert not (tmp_path / "t.csv.gz").exists()


def test_a_cell_without_an_input_output_path_is_an_error(tmp_path):
    path = write_tfrecord(tmp_path / "x.tfrecord", [record_json(adjacency=adjacency_bits(5, [(0, 1), (2, 4)]))])
    with pytest.raises(CRLSOError, match="record 1 .* no path from input to output"):
        build_table(path, tmp_path / "t.csv.gz")


# --- the table from synthetic files: several budgets, pruning, missing runs ----------------
def test_table_of_a_full_file_has_every_budget_and_prunes(tmp_path):
    dangling = adjacency_bits(5, [(0, 1), (1, 4), (0, 2), (2, 3)])  # vertex 3 reaches no output, 2 only leads to it
    datas = [
        record_json("b" * 32, 4, metrics=metrics_b64(0.25, 0.5, 10.0)), record_json("b" * 32, 4, metrics=metrics_b64(0.75, 0.25, 20.0)),
        record_json("b" * 32, 108, metrics=metrics_b64(0.5, 0.5, 1000.0)),
        record_json("a" * 32, 108, adjacency=dangling, metrics=metrics_b64(0.9, 0.8, 700.0, params=77)),
        record_json("a" * 32, 108, metrics=metrics_b64(0.7, 0.6, 900.0, params=78)),  # not the first record's cell: counted
    ]
    summary = build_table(write_tfrecord(tmp_path / "full.tfrecord", datas), tmp_path / "t.csv.gz")
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
    datas = []  # (a cell has at least one parameter)
    for i in range(3000):  # both budgets' columns exist when they grow (1,024 rows, then 2,048, then 4,096)
        datas.append(record_json(f"{i:032x}", 108, metrics=metrics_b64(i / 5000, 0.5, float(i), params=i + 1)))
        if i % 7 == 0:
            datas.append(record_json(f"{i:032x}", 12, metrics=metrics_b64(0.1, 0.2, 3.0)))
    build_table(write_tfrecord(tmp_path / "x.tfrecord", datas), tmp_path / "t.csv.gz")
    rows = _read_table(tmp_path / "t.csv.gz")
    assert len(rows) == 3000
    for i, row in enumerate(rows):
        assert (float(row["val_acc_108ep"]), int(row["params"]), row["runs"]) == (i / 5000, i + 1, "1")
        assert row["runs_12ep"] == ("1" if i % 7 == 0 else "")


# --- a failed build leaves nothing behind -------------------------------------------------
def test_a_damaged_file_leaves_an_existing_table_untouched(tmp_path, frames):
    number, offset, data = frames[60]
    path = damaged_copy(tmp_path, lambda b: b.__setitem__(offset + 30, b[offset + 30] ^ 1))
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
