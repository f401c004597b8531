import numpy as np
import pytest

from crlso_core.benchmarks import BudgetExceeded, Oracle, Unanswerable
from pathlib import Path

from crlso_core.benchmarks.data_dir import ENV_VAR, PACKAGED, find_data_file
from crlso_core.common.errors import CRLSOError
from crlso_core.catalog.registry import load_benchmark


def test_table_reproduces_published_optima(benchmark):
    """Optima from the NAS-Bench-201 paper / data README, in official index order."""
    expected = {"cifar10": (91.61, 94.37, 6111), "cifar100": (73.49, 73.51, 9930), "imagenet16": (46.73, 46.20, 10676)}
    for dataset, (valid, test, index) in expected.items():
        best = benchmark.optimum(dataset)
        row = int(benchmark.rows([best.cell])[0])
        assert benchmark.extra["arch_index"][row] == index
        assert round(best.valid, 2) == valid and round(best.test, 2) == test
    assert round(benchmark.test["imagenet16"].max(), 2) == 47.31  # cell 857, not the best-validation one
    assert benchmark.kind == "tabular" and benchmark.complete and benchmark.has_test("cifar10")


def test_oracle_counts_unique_queries_and_refuses_past_budget(benchmark, space):
    oracle = Oracle(benchmark, "cifar10", budget=3)
    a, b, c, d = space.sample(np.random.default_rng(0), 4)
    first = oracle.query(a, "test")
    assert oracle.query(a, "again") == first and oracle.used == 1  # a repeat is free
    oracle.query(b, "test")
    oracle.query(c, "test")
    assert oracle.remaining == 0
    with pytest.raises(BudgetExceeded, match="budget of 3"):
        oracle.query(d, "test")
    assert [q.source for q in oracle.history] == ["test"] * 3
    assert oracle.best()[1] == max(oracle.answers.values())


def test_oracle_answers_validation_accuracy_only(benchmark):
    oracle = Oracle(benchmark, "imagenet16", budget=10)
    cell = benchmark.cells[857]
    assert oracle.query(cell, "t") == pytest.approx(benchmark.valid["imagenet16"][857])
    assert oracle.test_accuracy(cell) == pytest.approx(47.311111)


def test_a_cell_the_table_lacks_is_refused_and_costs_nothing(benchmark, space):
    from crlso_core.benchmarks import TabularBenchmark

    half = TabularBenchmark(space, benchmark.cells[:100], {"cifar10": benchmark.valid["cifar10"][:100]}, {}, "first 100 rows")
    oracle = Oracle(half, "cifar10", budget=5)
    outside = benchmark.cells[500]
    assert not half.can_answer([outside])[0] and np.isnan(half.valid_accuracy([outside], "cifar10")[0])
    with pytest.raises(Unanswerable, match="no accuracy"):
        oracle.query(outside, "t")
    assert oracle.used == 0 and oracle.test_accuracy(benchmark.cells[0]) is None  # this table has no test column
    drawn = half.sample(np.random.default_rng(0), 20)
    assert len(set(drawn)) == 20 and half.can_answer(drawn).all()  # a partial table samples from its own rows


def test_bad_dataset_and_budget(benchmark):
    with pytest.raises(CRLSOError, match="Unknown dataset 'mnist'"):
        Oracle(benchmark, "mnist", 10)
    with pytest.raises(CRLSOError, match="at least 1"):
        Oracle(benchmark, "cifar10", 0)


def test_a_missing_file_names_every_place_looked_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(CRLSOError) as info:
        find_data_file("nb101/not-shipped.tfrecord", how="the official NB101 file")
    message = str(info.value)
    assert str(tmp_path) in message and "crlso_core/benchmarks/data" in message and "the official NB101 file" in message
    assert "--data-dir" in message


def test_data_dir_precedence_with_the_packaged_copy_last(tmp_path, monkeypatch):
    flag, env = tmp_path / "flag", tmp_path / "env"
    for folder in (flag, env):
        (folder / "nb201").mkdir(parents=True)
        (folder / "nb201" / "x.csv").write_text("x")
    monkeypatch.setenv(ENV_VAR, str(env))
    assert find_data_file("nb201/x.csv", flag) == flag / "nb201" / "x.csv"
    assert find_data_file("nb201/x.csv") == env / "nb201" / "x.csv"
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").symlink_to(flag)
    assert find_data_file("nb201/x.csv").resolve() == (flag / "nb201" / "x.csv").resolve()
    # a folder without the table falls through to the copy shipped in the package
    monkeypatch.setenv(ENV_VAR, str(env))
    assert Path(load_benchmark("nb201").source).is_relative_to(PACKAGED)


def test_corrupt_table_is_a_clear_error(tmp_path):
    (tmp_path / "nb201").mkdir()
    (tmp_path / "nb201" / "nb201_all_15625_200ep.csv").write_text("arch_index,arch_str\n0,|bad|\n")
    with pytest.raises(CRLSOError, match="not a readable NAS-Bench-201 table"):
        load_benchmark("nb201", tmp_path)
