"""NAS-Bench-201 as a benchmark (nb201.py): the default table reproduces the published optima,
answers a cell's validation and test accuracy, and a corrupt table is one clear error."""

import pytest

from crlso_core.benchmarks import Oracle
from crlso_core.catalog.registry import load_benchmark
from crlso_core.common.errors import CRLSOError


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


def test_oracle_answers_validation_accuracy_only(benchmark):
    oracle = Oracle(benchmark, "imagenet16", budget=10)
    cell = benchmark.cells[857]
    assert oracle.query(cell, "t") == pytest.approx(benchmark.valid["imagenet16"][857])
    assert oracle.test_accuracy(cell) == pytest.approx(47.311111)


def test_corrupt_table_is_a_clear_error(tmp_path):
    (tmp_path / "nb201").mkdir()
    (tmp_path / "nb201" / "nb201_all_15625_200ep.csv").write_text("arch_index,arch_str\n0,|bad|\n")
    with pytest.raises(CRLSOError, match="not a readable NAS-Bench-201 table"):
        load_benchmark("nb201", tmp_path)
