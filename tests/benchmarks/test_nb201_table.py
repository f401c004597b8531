import pytest

from crlso_core.benchmarks import BudgetExceeded, Oracle, load_table
from crlso_core.benchmarks.data_dir import ENV_VAR, find_data_file
from crlso_core.errors import CRLSOError


def test_table_reproduces_published_optima(table, space):
    """Optima from the NAS-Bench-201 paper / data README, in official index order."""
    expected = {"cifar10": (91.61, 94.37, 6111), "cifar100": (73.49, 73.51, 9930), "imagenet16": (46.73, 46.20, 10676)}
    for dataset, (valid, test, index) in expected.items():
        row = int(table.valid[dataset].argmax())
        assert table.extra["arch_index"][row] == index
        assert round(table.valid[dataset][row], 2) == valid
        assert round(table.test[dataset][row], 2) == test
    assert round(table.test["imagenet16"].max(), 2) == 47.31  # cell 857, not the best-validation one


def test_oracle_counts_unique_queries_and_refuses_past_budget(table, space):
    oracle = Oracle(table, "cifar10", budget=3)
    a, b, c, d = space.sample(__import__("numpy").random.default_rng(0), 4)
    first = oracle.query(a, "test")
    assert oracle.query(a, "again") == first and oracle.used == 1  # a repeat is free
    oracle.query(b, "test")
    oracle.query(c, "test")
    assert oracle.remaining == 0
    with pytest.raises(BudgetExceeded, match="budget of 3"):
        oracle.query(d, "test")
    assert [q.source for q in oracle.history] == ["test"] * 3
    assert oracle.best()[1] == max(oracle.answers.values())


def test_oracle_answers_validation_accuracy_only(table, space):
    oracle = Oracle(table, "imagenet16", budget=10)
    cell = table.cells[857]
    assert oracle.query(cell, "t") == pytest.approx(table.valid["imagenet16"][857])
    assert oracle.test_accuracy(cell) == pytest.approx(47.311111)


def test_bad_dataset_and_budget(table):
    with pytest.raises(CRLSOError, match="Unknown dataset 'mnist'"):
        Oracle(table, "mnist", 10)
    with pytest.raises(CRLSOError, match="at least 1"):
        Oracle(table, "cifar10", 0)


def test_missing_data_names_every_place_looked(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(CRLSOError) as info:
        load_table("nb201")
    message = str(info.value)
    assert str(tmp_path) in message and "17_saCsj_krKjlCBLOJEpNtzPXArMCqxU" in message and "--data-dir" in message


def test_data_dir_precedence(tmp_path, monkeypatch):
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


def test_corrupt_table_is_a_clear_error(tmp_path):
    (tmp_path / "nb201").mkdir()
    (tmp_path / "nb201" / "nb201_all_15625_200ep.csv").write_text("arch_index,arch_str\n0,|bad|\n")
    with pytest.raises(CRLSOError, match="not a readable NAS-Bench-201 table"):
        load_table("nb201", tmp_path)
