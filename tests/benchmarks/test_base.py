"""The oracle and a tabular benchmark (base.py), on the NB201 table: unique queries counted,
the budget kept, a cell the table lacks refused at no cost, bad settings refused."""

import numpy as np
import pytest

from crlso_core.benchmarks import BudgetExceeded, Oracle, TabularBenchmark, Unanswerable
from crlso_core.common.errors import CRLSOError


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


def test_a_cell_the_table_lacks_is_refused_and_costs_nothing(benchmark, space):
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
