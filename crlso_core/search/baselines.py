"""Baselines sharing the engine's oracle, budget accounting and seeds. Each spends the
oracle's remaining budget and returns nothing: the oracle's history is the result. They
only ever query cells the benchmark can answer (every cell, on a complete benchmark).

Each runner is marked @baseline; its method record (id, label, colour, ...) is in
catalog/methods.py and names it as "crlso_core.search.baselines:<function>". Importing this
module binds the two and fails, naming the id, if a record has no runner here or a runner
here has no record (catalog.methods.bind_runners)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Callable, Iterator

import numpy as np

from crlso_core.benchmarks.base import Oracle
from crlso_core.catalog.methods import bind_runners, runner_ref
from crlso_core.spaces.base import Cell, SearchSpace

Runner = Callable[..., None]  # (space, oracle, rng) -> None
_RUNNERS: dict[str, Runner] = {}  # "module:function" -> every baseline runner


def baseline(function: Runner) -> Runner:
    """Mark `function` as a baseline runner, to be named by a method record."""
    _RUNNERS[runner_ref(function)] = function
    return function


@baseline
def random_search(space: SearchSpace, oracle: Oracle, rng: np.random.Generator) -> None:
    while oracle.remaining > 0:
        oracle.query(oracle.random_unseen(rng), "rs")


def mutated_child(space: SearchSpace, oracle: Oracle, parent: Cell, rng: np.random.Generator, tries: int = 100) -> Cell:
    """One mutation of `parent`, mutated on while the child was already queried or the
    benchmark cannot answer it; a random unseen cell after `tries`."""
    child = space.mutate(parent, rng)
    for _ in range(tries):
        if not oracle.seen(child) and oracle.can_answer(child):
            return child
        child = space.mutate(child, rng)
    return oracle.random_unseen(rng)


@baseline
def regularised_evolution(
    space: SearchSpace, oracle: Oracle, rng: np.random.Generator, population: int = 10, sample: int = 3,
    child: Callable[[SearchSpace, Oracle, Cell, np.random.Generator], Cell] = mutated_child,
) -> None:
    """Real et al. (2019): tournament of `sample` from a FIFO population of `population`;
    the winner's child differs by one mutation; the oldest member dies. `child` makes it
    (by default `mutated_child`: a child already queried, or one the benchmark cannot
    answer, is mutated on, since repeat queries are free and would stall the count)."""
    members: deque[tuple[Cell, float]] = deque()
    while oracle.remaining > 0 and len(members) < population:
        cell = oracle.random_unseen(rng)
        members.append((cell, oracle.query(cell, "rea")))
    while oracle.remaining > 0:
        picks = rng.choice(len(members), size=min(sample, len(members)), replace=False)
        parent = max((members[i] for i in picks), key=lambda m: m[1])[0]
        new = child(space, oracle, parent, rng)
        members.append((new, oracle.query(new, "rea")))
        members.popleft()


@baseline
def local_search(space: SearchSpace, oracle: Oracle, rng: np.random.Generator) -> None:
    """Best-improvement hill climbing over the answerable neighbours (one mutation away);
    restart at a random unseen cell when no neighbour improves."""
    while oracle.remaining > 0:
        current = oracle.random_unseen(rng)
        value = oracle.query(current, "local")
        while oracle.remaining > 0:
            best, best_value = current, value
            neighbours = [n for n in space.neighbours(current) if oracle.can_answer(n)]
            for i in rng.permutation(len(neighbours)):
                if oracle.remaining == 0:
                    break
                v = oracle.query(neighbours[int(i)], "local")
                if v > best_value:
                    best, best_value = neighbours[int(i)], v
            if best == current:
                break  # a local optimum: restart
            current, value = best, best_value


class _Baselines(Mapping):
    """Baseline id -> its runner, bound afresh from the method table on each read: the bench,
    a run's baselines and the Search page's picker all see the table as it is now."""

    def _bound(self) -> dict[str, Runner]:
        return bind_runners("baseline", _RUNNERS)

    def __getitem__(self, method: str) -> Runner:
        return self._bound()[method]

    def __iter__(self) -> Iterator[str]:
        return iter(self._bound())

    def __len__(self) -> int:
        return len(self._bound())


bind_runners("baseline", _RUNNERS)  # a record without its runner, or a runner without its record, fails here
BASELINES: Mapping[str, Runner] = _Baselines()
