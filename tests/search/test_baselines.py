import numpy as np
import pytest

from crlso_core.benchmarks import Oracle, TabularBenchmark
from crlso_core.search.baselines import BASELINES


@pytest.mark.parametrize("method", list(BASELINES))
def test_baselines_spend_the_budget_on_answerable_cells_and_repeat_from_their_seed(benchmark, space, method):
    half = TabularBenchmark(space, benchmark.cells[::3], {"cifar10": benchmark.valid["cifar10"][::3]}, {}, "every third row")
    runs = []
    for _ in range(2):
        oracle = Oracle(half, "cifar10", 120)
        BASELINES[method](space, oracle, np.random.default_rng(4))
        assert oracle.used == 120 and half.can_answer(list(oracle.answers)).all()
        runs.append([q.arch for q in oracle.history])
    assert runs[0] == runs[1]


def test_local_search_climbs_to_a_local_optimum_before_restarting(benchmark, space):
    oracle = Oracle(benchmark, "cifar10", 200)
    BASELINES["local"](space, oracle, np.random.default_rng(0))
    history = [(space.parse(q.arch), q.valid_acc) for q in oracle.history]
    start, value = history[0]
    first_sweep = history[1 : 1 + len(space.neighbours(start))]
    assert {c for c, _ in first_sweep} == set(space.neighbours(start))  # every neighbour of the start, once
    best_neighbour, best = max(first_sweep, key=lambda cv: cv[1])
    assert best > value  # a random start (seed 0) has a better neighbour: it moves there and sweeps around it
    assert history[1 + len(first_sweep)][0] in space.neighbours(best_neighbour)


def test_the_baselines_are_the_catalogs_records_bound_to_their_marked_runners(monkeypatch):
    import dataclasses

    from crlso_core.catalog.methods import METHOD_TABLE, MethodTableError
    from crlso_core.search import baselines

    assert {m: f"{f.__module__}:{f.__name__}" for m, f in BASELINES.items()} == {
        m.id: m.runner for m in METHOD_TABLE.values() if m.kind == "baseline"}
    assert BASELINES["rea"] is baselines.regularised_evolution

    def hill(space, oracle, rng):
        baselines.local_search(space, oracle, rng)

    marked = baselines.baseline(hill)  # a runner with no record yet: reading the baselines says so
    try:
        with pytest.raises(MethodTableError, match="runner 'tests.search.test_baselines:hill' has no method"):
            list(BASELINES)
        monkeypatch.setitem(METHOD_TABLE, "hill", dataclasses.replace(
            METHOD_TABLE["local"], id="hill", label="hill", runner="tests.search.test_baselines:hill"))
        assert BASELINES["hill"] is marked and list(BASELINES)[-1] == "hill"
    finally:
        del baselines._RUNNERS["tests.search.test_baselines:hill"]
