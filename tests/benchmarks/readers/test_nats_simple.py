"""Tests for crlso_core.benchmarks.readers.nats_simple against the official NATS-Bench "simple" files of cells
0, 11 and 284 (tests/data) and the NB201 default table shipped in the package."""

from __future__ import annotations

import bz2
import csv
import gzip
import os
import pickle
import re
from pathlib import Path

import pytest

from crlso_core.benchmarks.data_dir import PACKAGED
from crlso_core.benchmarks.readers.nats_simple import (
    TABLE_COLUMNS,
    read_nats_simple,
    write_table,
)
from crlso_core.common.errors import CRLSOError
from tests.data import NATS_SIMPLE_DIR as SIMPLE_DIR

CELLS = (0, 11, 284)
INT_COLUMNS = ("arch_index", "n_seeds_200ep")
FLOAT_COLUMNS = tuple(c for c in TABLE_COLUMNS if c not in INT_COLUMNS + ("arch_str",))
# the default table, byte for byte the team's file gzipped (tests/benchmarks/test_packaged_data.py)
DEFAULT_TABLE = PACKAGED / "nb201" / "nb201_all_15625_200ep.csv.gz"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_nats_simple(SIMPLE_DIR)


@pytest.fixture(scope="module")
def default_lines() -> dict[int, str]:
    """The default table's header and the raw lines of the three cells, by arch_index."""
    wanted = {}
    with gzip.open(DEFAULT_TABLE, "rt", encoding="utf-8") as handle:
        wanted[-1] = next(handle).rstrip("\n")
        for line in handle:
            index = int(line.split(",", 1)[0])
            if index in CELLS:
                wanted[index] = line.rstrip("\n")
            if index > max(CELLS):
                break
    return wanted


def _write_pbz2(path: Path, payload: bytes) -> None:
    path.write_bytes(bz2.compress(payload))


def _fake_folder(tmp_path: Path) -> Path:
    """A folder with a small valid meta file and no cells yet."""
    folder = tmp_path / "simple"
    folder.mkdir()
    _write_pbz2(folder / "meta.pickle.pbz2", pickle.dumps({"meta_archs": ["a"], "total_archs": 1}))
    return folder


# --------------------------------------------------------------------------- real data


def test_three_cells_match_default_table(rows, default_lines):
    assert [r["arch_index"] for r in rows] == list(CELLS)
    header = default_lines[-1].split(",")
    assert tuple(header) == TABLE_COLUMNS
    for row in rows:
        assert tuple(row) == TABLE_COLUMNS
        expected = dict(zip(header, default_lines[row["arch_index"]].split(",")))
        assert row["arch_str"] == expected["arch_str"]
        for column in INT_COLUMNS:
            assert type(row[column]) is int and row[column] == int(expected[column])
        for column in FLOAT_COLUMNS:
            assert type(row[column]) is float
            assert abs(row[column] - float(expected[column])) <= 1e-6, (row["arch_index"], column)


def test_12_epoch_budget_reads(rows):
    short = read_nats_simple(SIMPLE_DIR, epochs="12")
    assert [r["arch_index"] for r in short] == list(CELLS)
    for r12, r200 in zip(short, rows):
        assert r12["arch_str"] == r200["arch_str"]
        assert r12["cifar10_valid_acc"] < r200["cifar10_valid_acc"]  # shorter training, lower accuracy


def test_write_table_round_trip(rows, default_lines, tmp_path):
    out = tmp_path / "table.csv"
    write_table(rows, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    # Same header and the very same bytes per row as the default table.
    assert lines == [default_lines[-1]] + [default_lines[i] for i in CELLS]
    with out.open(newline="", encoding="utf-8") as handle:
        back = list(csv.DictReader(handle))
    for row, read in zip(rows, back):
        assert read["arch_str"] == row["arch_str"]
        for column in INT_COLUMNS:
            assert int(read[column]) == row[column]
        for column in FLOAT_COLUMNS:
            assert abs(float(read[column]) - row[column]) <= 1e-6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]  # no temp file left


# --------------------------------------------------------------------------- writing


def _row(index: int) -> dict:
    return {c: (index if c in INT_COLUMNS else "|none~0|" if c == "arch_str" else 50.123456789)
            for c in TABLE_COLUMNS}


def test_write_table_failure_keeps_old_file(tmp_path, monkeypatch):
    out = tmp_path / "table.csv"
    out.write_text("old\n", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("crlso_core.common.files.os.replace", broken_replace)
    with pytest.raises(CRLSOError, match="table.csv"):
        write_table([_row(0)], out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_write_table_rejects_incomplete_row(tmp_path):
    row = _row(0)
    del row["params_mb"]
    with pytest.raises(ValueError, match="params_mb"):
        write_table([row], tmp_path / "table.csv")
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------------------- errors


def _assert_folder_hint(message: str, folder: Path) -> None:
    assert str(folder) in message
    assert "NATS-tss-v1_0-3ffb9-simple" in message
    assert "17_saCsj_krKjlCBLOJEpNtzPXArMCqxU" in message


def test_empty_folder_is_refused(tmp_path):
    with pytest.raises(CRLSOError) as info:
        read_nats_simple(tmp_path)
    _assert_folder_hint(str(info.value), tmp_path)


def test_missing_folder_is_refused(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(CRLSOError) as info:
        read_nats_simple(missing)
    _assert_folder_hint(str(info.value), missing)


def test_folder_with_meta_but_no_cells_is_refused(tmp_path):
    folder = _fake_folder(tmp_path)
    with pytest.raises(CRLSOError) as info:
        read_nats_simple(folder)
    _assert_folder_hint(str(info.value), folder)


def test_cells_without_meta_are_refused(tmp_path):
    _write_pbz2(tmp_path / "000000.pickle.pbz2", pickle.dumps({}))
    with pytest.raises(CRLSOError) as info:
        read_nats_simple(tmp_path)
    _assert_folder_hint(str(info.value), tmp_path)


@pytest.mark.parametrize("content", [b"not bz2 at all", bz2.compress(b"not a pickle"),
                                     bz2.compress(pickle.dumps({"x": 1}))[:-10]])
def test_corrupt_cell_names_the_file(tmp_path, content):
    folder = _fake_folder(tmp_path)
    bad = folder / "000000.pickle.pbz2"
    bad.write_bytes(content)
    with pytest.raises(CRLSOError, match=re.escape(str(bad))):
        read_nats_simple(folder)


def test_cell_without_records_names_the_file(tmp_path):
    folder = _fake_folder(tmp_path)
    bad = folder / "000000.pickle.pbz2"
    _write_pbz2(bad, pickle.dumps({"12": {}}))
    with pytest.raises(CRLSOError, match=re.escape(str(bad))):
        read_nats_simple(folder)


class _RunsShell:
    """Pickles to a call of os.system: the restricted unpickler must never make that call."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_disallowed_global_is_refused(tmp_path):
    folder = _fake_folder(tmp_path)
    marker = tmp_path / "pwned"
    bad = folder / "000000.pickle.pbz2"
    _write_pbz2(bad, pickle.dumps({"200": _RunsShell(marker)}))
    with pytest.raises(CRLSOError, match="system") as info:
        read_nats_simple(folder)
    assert str(bad) in str(info.value)
    assert not marker.exists()


def test_unknown_epoch_budget_is_refused(tmp_path):
    with pytest.raises(CRLSOError, match="'100'"):
        read_nats_simple(tmp_path, epochs="100")


def test_the_official_pth_is_refused_since_only_unpickling_it_could_read_it(tmp_path, capsys):
    from crlso_core.cli import main

    pth = tmp_path / "NAS-Bench-201-v1_0-e61699.pth"
    pth.write_bytes(pickle.dumps(_Allocates()))  # whatever it holds is never unpickled
    assert main(["data", "build-nb201", "--pth", str(pth), "--out", str(tmp_path / "t.csv")]) == 2
    err = capsys.readouterr().err
    assert "only be read by unpickling it" in err and "--nats-dir" in err and not (tmp_path / "t.csv").exists()


class _Allocates:
    """A 100-odd-byte pickle that asks for bytearray(2**31): 2 GB from a file this small."""

    def __reduce__(self):
        return (bytearray, (2**31,))


def test_a_tiny_file_cannot_make_the_reader_allocate(tmp_path):
    folder = _fake_folder(tmp_path)
    bad = folder / "000000.pickle.pbz2"
    _write_pbz2(bad, pickle.dumps({"200": _Allocates()}))
    assert bad.stat().st_size < 200
    with pytest.raises(CRLSOError, match="bytearray"):
        read_nats_simple(folder)


def test_a_file_that_unpacks_to_gigabytes_is_cut_off(tmp_path, monkeypatch):
    import crlso_core.benchmarks.readers.nats_simple as nats

    monkeypatch.setattr(nats, "MAX_UNPACKED", 2**20)  # the same check, at a size a test can afford
    folder = _fake_folder(tmp_path)
    bad = folder / "000000.pickle.pbz2"
    _write_pbz2(bad, pickle.dumps({"200": bytes(8 * 2**20)}))  # 8 MB of zeros packs to a few hundred bytes
    with pytest.raises(CRLSOError, match="unpacks to more than"):
        read_nats_simple(folder)


def test_a_pipe_in_place_of_a_cell_file_is_refused_at_once(tmp_path):
    """The second per-cell file of a NATS folder is a FIFO with no writer: the build hung
    until killed (61 s in the trial); now it is one message naming the pipe."""
    import shutil

    from tests.benchmarks.readers.test_regular import within

    folder = tmp_path / "nats_fifo"
    shutil.copytree(SIMPLE_DIR, folder)
    pipe = folder / "000011.pickle.pbz2"
    pipe.unlink()
    os.mkfifo(pipe)
    with pytest.raises(CRLSOError) as caught:
        within(10, lambda: read_nats_simple(folder))
    assert str(pipe) in str(caught.value) and "is a pipe, not a file" in str(caught.value)
