"""NAS-Bench-101 as a benchmark: the offline 30,001-cell table shipped in the package (every
row's hash checked), the official table when one is built into the data folder, corrupt
tables refused with one error naming the file and the row, the registry record and its
presets, and `crlso run` / `crlso bench` end to end with every query answerable."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time

import numpy as np
import pytest

from crlso_core.benchmarks import NO_TEST, Oracle, Unanswerable, nb101
from crlso_core.benchmarks.data_dir import PACKAGED
from crlso_core.benchmarks.nb101 import table_cells
from crlso_core.benchmarks.table_file import read_rows
from crlso_core.catalog import registry
from crlso_core.catalog.presets import preset
from crlso_core.cli import main
from crlso_core.common.errors import CRLSOError
from crlso_core.search.baselines import BASELINES
from crlso_core.store.pool import build_pool
from tests.conftest import SHARED_DATA
from tests.data import NB101_API_JSON, NB101_TFRECORD

SHIPPED = PACKAGED / "nb101" / "nb101_partial_30k.csv.gz"


@pytest.fixture(scope="module")
def table():
    return nb101.load_nb101()


def _rows(path=SHIPPED) -> tuple[list[str], list[list[str]]]:
    with gzip.open(path, "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, list(reader)


def _write(folder, header, rows, name="nb101_partial_30k.csv.gz"):
    (folder / "nb101").mkdir(parents=True, exist_ok=True)
    text = io.StringIO(newline="")
    csv.writer(text).writerows([header, *rows])
    path = folder / "nb101" / name
    path.write_bytes(gzip.compress(text.getvalue().encode()))
    return path


# --- the shipped table ----------------------------------------------------------------
def test_the_shipped_table_is_the_teams_file_and_small():
    assert SHIPPED.stat().st_size <= 2 * 2**20
    assert nb101.sha256_of(SHIPPED) in nb101.CHECKED_SHA256
    team = SHARED_DATA / "nb101" / "nb101_partial_30k.csv.gz"
    if team.exists():
        assert SHIPPED.read_bytes() == team.read_bytes()


def test_every_row_of_the_shipped_table_has_its_hash():
    """The full check (1.2 million md5 calls) on the bytes whose SHA-256 lets loading skip it."""
    rows = read_rows(SHIPPED, ("hash", "adjacency", "ops"), "")
    cells = table_cells(SHIPPED, rows, "", checked=False)
    assert len(cells) == 30_001 == len(set(cells))
    assert cells == nb101.load_nb101(PACKAGED.parent).cells  # what the fast path loads


def test_the_table_loads_fast_with_30001_answerable_cells(table):
    started = time.process_time()
    loaded = nb101._load.__wrapped__(*nb101.table_path(None))
    seconds = time.process_time() - started
    assert seconds < 10  # ~0.6 s of CPU measured on a busy 2-core machine; 30,001 slow parses would take far longer
    assert loaded.cells == table.cells
    assert table.kind == "tabular" and len(table) == 30_001 and table.capacity == 30_001 and not table.complete
    assert list(table.datasets) == ["cifar10"]
    assert "30,001 of 423,624 cells" in table.title and "best of 3 runs" in table.title
    valid = table.valid["cifar10"]
    assert valid.shape == (30_001,) and 9.5 < valid.min() < 10 and 94.9 < valid.max() < 95  # percent
    assert set(table.extra) == {"hash", "params", "final_training_time", "val_acc_4ep", "val_acc_12ep", "val_acc_36ep"}
    assert (table.extra["val_acc_4ep"] < table.valid["cifar10"] + 1e-9).mean() > 0.99  # 4 epochs learn less


def test_the_cells_are_the_spaces_canonical_cells_with_the_tables_hashes(table):
    space = table.space
    for row in np.random.default_rng(0).choice(len(table), 200, replace=False).tolist():
        cell = table.cells[row]
        assert space.is_valid(cell) and space.parse(space.format(cell)) == cell
        assert space.hash_of(cell) == table.extra["hash"][row]


def test_there_is_no_test_accuracy(table):
    cells = table.cells[:5]
    assert not table.has_test("cifar10") and table.test_accuracy(cells, "cifar10") is None and table.test == {}
    oracle = Oracle(table, "cifar10", 5)
    assert oracle.test_accuracy(cells[0]) is None


def test_the_optimum_is_the_tables_best_cell(table):
    best = table.optimum("cifar10")
    assert best.valid == table.valid["cifar10"].max() and best.test is None
    assert round(best.valid, 2) == 94.91
    row = int(table.rows([best.cell])[0])
    assert table.space.hash_of(best.cell) == table.extra["hash"][row]


def test_a_cell_of_the_space_outside_the_table_is_not_answered(table):
    space = table.space
    drawn = space.sample(np.random.default_rng(0), 200)  # uniform over all 423,624 cells
    outside = [c for c, ok in zip(drawn, table.can_answer(drawn)) if not ok]
    assert 150 < len(outside) < 200  # the table holds 7.1 % of the space
    assert np.isnan(table.valid_accuracy(outside[:3], "cifar10")).all()
    oracle = Oracle(table, "cifar10", 10)
    with pytest.raises(Unanswerable, match="no accuracy"):
        oracle.query(outside[0], "t")
    assert oracle.used == 0
    drawn = table.sample(np.random.default_rng(1), 50)  # a partial table samples its own cells
    assert table.can_answer(drawn).all()


def test_without_a_data_folder_the_shipped_copy_is_read(tmp_path):
    assert nb101.load_nb101(tmp_path).source == str(SHIPPED.resolve())


# --- corrupt tables -------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    header, rows = _rows()
    return header, rows[:300]


def _refused(tmp_path, header, rows) -> str:
    path = _write(tmp_path, header, rows)
    with pytest.raises(CRLSOError) as info:
        nb101.load_nb101(tmp_path)
    message = str(info.value)
    assert str(path.resolve()) in message and "Traceback" not in message
    return message


def test_a_small_copy_loads_and_says_how_many_cells_it_holds(tmp_path, small):
    _write(tmp_path, *small)
    table = nb101.load_nb101(tmp_path)
    assert len(table) == 300 and "300 of 423,624 cells" in table.title


def test_a_row_with_a_wrong_hash_is_refused_naming_the_row(tmp_path, small):
    header, rows = small
    rows = [list(r) for r in rows]
    rows[4][0] = rows[5][0]
    message = _refused(tmp_path, header, rows)
    assert "row 5 (line 6)" in message and "corrupt" in message and rows[5][0] in message


def test_a_broken_json_adjacency_is_refused_naming_the_row(tmp_path, small):
    header, rows = small
    rows = [list(r) for r in rows]
    rows[9][1] = rows[9][1][:-3]
    message = _refused(tmp_path, header, rows)
    assert "row 10 (line 11)" in message and "adjacency" in message and "not JSON" in message


@pytest.mark.parametrize("column, value, expected", [
    ("ops", '["input","conv5x5","output"]', "ops"),
    ("adjacency", "[[0,1],[0,0],[0,0]]", "adjacency"),
    ("ops", '["input","conv3x3-bn-relu","output"]', "ops name 3"),
    ("adjacency", "[[0,1,0],[0,0,0],[0,0,0]]", "not in NAS-Bench-101"),
    ("val_acc_108ep", "1.5", "val_acc_108ep"),
    ("val_acc_108ep", "", "val_acc_108ep is missing"),
])
def test_other_bad_rows_are_refused_naming_the_row(tmp_path, small, column, value, expected):
    header, rows = small
    rows = [list(r) for r in rows]
    if column == "adjacency" and value.startswith("[[0,1,0]"):
        rows[2][header.index("ops")] = '["input","conv3x3-bn-relu","output"]'
    rows[2][header.index(column)] = value
    message = _refused(tmp_path, header, rows)
    assert expected in message and ("row 3 (line 4)" in message or "line 4" in message)


def test_a_missing_column_or_a_repeated_row_is_refused(tmp_path, small):
    header, rows = small
    keep = [i for i, name in enumerate(header) if name != "hash"]
    message = _refused(tmp_path / "a", [header[i] for i in keep], [[r[i] for i in keep] for r in rows])
    assert "no column 'hash'" in message
    message = _refused(tmp_path / "b", header, [*rows, rows[7]])
    assert "row 301 (line 302)" in message and "repeats the cell of row 8" in message


# --- the official table ----------------------------------------------------------------
def test_an_official_table_built_into_the_data_folder_replaces_the_offline_one(tmp_path, small):
    from crlso_core.benchmarks.readers.nb101_official_table import build_table

    _write(tmp_path, *small)  # the offline table is there too: the official one wins
    built = build_table(NB101_TFRECORD, tmp_path / "nb101" / "nb101_official.csv.gz")
    table = nb101.load_nb101(tmp_path)
    assert table.source.endswith("nb101_official.csv.gz") and len(table) == built.cells == 30
    assert table.title == "NAS-Bench-101 (official table, 30 of 423,624 cells, 108 epochs, mean of 3 runs)"
    assert table.has_test("cifar10") and table.optimum("cifar10").test is not None
    dummy = json.loads(NB101_API_JSON.read_text())
    for row, key in enumerate(table.extra["hash"].tolist()):
        runs = dummy[key]["computed_stats"]["108"]
        assert table.valid["cifar10"][row] == pytest.approx(100 * np.mean([r["final_validation_accuracy"] for r in runs]))
        assert table.test["cifar10"][row] == pytest.approx(100 * np.mean([r["final_test_accuracy"] for r in runs]))


# --- the registry record, the pool, search ----------------------------------------------
def test_the_registry_record_and_its_presets():
    spec = registry.get_spec("nb101")
    assert dict(spec.datasets) == {"cifar10": "CIFAR-10"} and spec.pool_size is None
    smoke, demo, paper = (preset(name, space="nb101") for name in ("smoke", "demo", "paper"))
    assert smoke.pool == 1_000 and smoke.gvae.readout == "mean"
    assert (demo.labelled, demo.budget, demo.pool, demo.gvae.latent, demo.gvae.readout) == (100, 900, None, 64, "mean")
    assert (paper.labelled, paper.budget, paper.gvae.latent, paper.gvae.hidden, paper.gvae.beta, paper.gvae.batch_size,
            paper.gvae.readout) == (100, 900, 64, 512, 0.1, 512, "mean")
    assert set(spec.preset_times) == {"smoke", "lesson", "demo", "paper"}  # every preset says its measured time


def test_the_pool_is_the_tables_cells_or_a_sample_of_them(table):
    assert build_pool(table, None, 0).cells == table.cells
    sample = build_pool(table, 1_000, 0)
    assert len(sample) == 1_000 and table.can_answer(sample.cells).all()
    assert sample.cells == build_pool(table, 1_000, 0).cells != build_pool(table, 1_000, 1).cells


@pytest.mark.parametrize("method", list(BASELINES))
def test_baselines_query_only_cells_of_the_table(table, method):
    oracle = Oracle(table, "cifar10", 100)
    BASELINES[method](table.space, oracle, np.random.default_rng(0))  # the oracle refuses any other cell
    assert oracle.used == 100 and table.can_answer(list(oracle.answers)).all()


def test_crlso_run_smoke_end_to_end_queries_only_cells_of_the_table(tmp_path, table, capsys):
    out = tmp_path / "run"
    assert main(["run", "--space", "nb101", "--preset", "smoke", "--out", str(out), "--quiet", "--device", "cpu"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["queries_used"] == 60 and summary["best_test_acc"] is None
    assert summary["benchmark"] == table.title and 1_000 <= summary["pool_size"] <= 1_030  # + labelled cells it lacked
    with open(out / "queries.csv", newline="") as f:
        queries = list(csv.DictReader(f))
    cells = table.space.parse_many([q["arch"] for q in queries])
    assert len(set(cells)) == 60 and table.can_answer(cells).all()
    assert np.allclose([float(q["valid_acc"]) for q in queries], table.valid_accuracy(cells, "cifar10"))


def test_crlso_bench_runs_every_method_on_nb101(tmp_path):
    out = tmp_path / "bench"
    args = ["bench", "--space", "nb101", "--methods", "crlso,rea,rs,local", "--seeds", "0", "--budgets", "100",
            "--preset", "smoke", "--out", str(out), "--quiet", "--device", "cpu"]
    assert main(args) == 0
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["method"] for r in rows) == ["crlso", "local", "rea", "rs"]
    assert all(r["best_test_acc"] == "" and float(r["best_valid_acc"]) > 90 for r in rows)
    report = (out / "summary.md").read_text()
    assert NO_TEST in report and "the best cell the benchmark holds" in report and "30,001 of 423,624 cells" in report
