"""The benchmark contract, checked on every registered space's benchmark: datasets as the
registry says, validation accuracy for cells it can answer, test accuracy only when it has
one, a known optimum only when it knows it, and the oracle's budget rules."""

import numpy as np
import pytest

from crlso_core.benchmarks import BudgetExceeded, Oracle
from crlso_core.catalog import registry

SPACES = registry.names()


@pytest.fixture(params=SPACES)
def spec(request):
    return registry.get_spec(request.param)


def test_datasets_match_the_registry_and_answers_are_accuracies(spec):
    benchmark = spec.load_benchmark(None)
    assert list(benchmark.datasets) == list(spec.datasets) and benchmark.kind in ("tabular", "surrogate")
    cells = benchmark.sample(np.random.default_rng(0), 30)
    assert benchmark.can_answer(cells).all()
    for dataset in spec.datasets:
        valid = benchmark.valid_accuracy(cells, dataset)
        assert valid.shape == (30,) and np.isfinite(valid).all() and ((0 < valid) & (valid <= 100)).all()
        assert np.array_equal(valid, benchmark.valid_accuracy(cells, dataset))  # the same answer twice
        test = benchmark.test_accuracy(cells, dataset)
        assert (test is not None) == benchmark.has_test(dataset)
        if test is not None:
            assert np.isfinite(test).all()
        best = benchmark.optimum(dataset)
        if best is not None:
            assert best.valid >= valid.max() and (best.test is None) == (not benchmark.has_test(dataset))


def test_the_oracle_keeps_its_budget_rules_on_every_benchmark(spec):
    benchmark = spec.load_benchmark(None)
    dataset = spec.default_dataset
    oracle = Oracle(benchmark, dataset, budget=4)
    cells = benchmark.sample(np.random.default_rng(1), 5)
    answers = [oracle.query(c, "t") for c in cells[:4]]
    assert oracle.query(cells[0], "again") == answers[0] and oracle.used == 4
    with pytest.raises(BudgetExceeded):
        oracle.query(cells[4], "t")
    test = oracle.test_accuracy(cells[0])
    assert (test is None) == (not benchmark.has_test(dataset))

