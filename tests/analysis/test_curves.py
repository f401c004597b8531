import numpy as np

from crlso_core.analysis.curves import run_curves
from crlso_core.store.records import read_queries


def test_curves_follow_the_searched_queries(smoke_pair, benchmark):
    curves = run_curves(smoke_pair / "pair-crls", benchmark, "cifar10")
    assert [c.label for c in curves] == ["CR-LSO", "REA"]
    queries = read_queries(smoke_pair / "pair-crls" / "queries.csv")
    assert np.array_equal(curves[0].valid, np.maximum.accumulate([q.valid_acc for q in queries]))
    for c in curves:
        assert len(c.valid) == 60 and np.all(np.diff(c.valid) >= 0)  # best so far never drops
        best_cell = benchmark.space.parse(
            max(
                read_queries(smoke_pair / "pair-crls" / ("queries.csv" if c.label == "CR-LSO" else "baselines/rea.csv")),
                key=lambda q: q.valid_acc,
            ).arch
        )
        assert c.test[-1] == benchmark.test_accuracy([best_cell], "cifar10")[0]  # the best-validation cell's test accuracy
    assert curves[0].valid[-1] <= benchmark.optimum("cifar10").valid
