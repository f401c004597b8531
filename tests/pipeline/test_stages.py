"""The stages of a run (crlso_core/pipeline/stages.py)."""

import numpy as np
import pytest

from crlso_core.benchmarks.base import BudgetExceeded
from crlso_core.pipeline.stages import labelled_oracle


def test_a_labelled_set_replayed_counts_against_the_budget_in_order_and_is_never_paid_twice(benchmark):
    cells = benchmark.sample(np.random.default_rng(0), 5)
    oracle = labelled_oracle(benchmark, "cifar10", 7, cells)
    assert [q.arch for q in oracle.history] == benchmark.space.format_many(cells)
    assert {q.source for q in oracle.history} == {"labelled"} and oracle.used == 5
    assert oracle.query(cells[0], "search") == oracle.history[0].valid_acc and oracle.used == 5  # a repeat is free
    with pytest.raises(BudgetExceeded):
        labelled_oracle(benchmark, "cifar10", 4, cells)
