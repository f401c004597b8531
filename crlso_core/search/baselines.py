"""Baselines sharing the engine's oracle, budget accounting and seeds. Each spends the
oracle's remaining budget and returns nothing: the oracle's history is the result."""

from __future__ import annotations

from collections import deque

import numpy as np

from ..benchmarks.base import Oracle
from ..spaces.base import Cell, SearchSpace


def _unseen_random(space: SearchSpace, oracle: Oracle, rng: np.random.Generator) -> Cell:
    while True:
        (cell,) = space.sample(rng, 1)
        if not oracle.seen(cell):
            return cell


def random_search(space: SearchSpace, oracle: Oracle, rng: np.random.Generator) -> None:
    while oracle.remaining > 0:
        oracle.query(_unseen_random(space, oracle, rng), "rs")


def regularised_evolution(
    space: SearchSpace, oracle: Oracle, rng: np.random.Generator, population: int = 10, sample: int = 3
) -> None:
    """Real et al. (2019): tournament of `sample` from a FIFO population of `population`;
    the winner's child differs in one edge op; the oldest member dies. A child that was
    already queried is re-mutated (repeat queries are free, so they would stall the count)."""
    members: deque[tuple[Cell, float]] = deque()
    while oracle.remaining > 0 and len(members) < population:
        cell = _unseen_random(space, oracle, rng)
        members.append((cell, oracle.query(cell, "rea")))
    while oracle.remaining > 0:
        picks = rng.choice(len(members), size=min(sample, len(members)), replace=False)
        parent = max((members[i] for i in picks), key=lambda m: m[1])[0]
        child = space.mutate(parent, rng)
        for _ in range(100):
            if not oracle.seen(child):
                break
            child = space.mutate(child, rng)
        else:
            child = _unseen_random(space, oracle, rng)
        members.append((child, oracle.query(child, "rea")))
        members.popleft()


def local_search(space: SearchSpace, oracle: Oracle, rng: np.random.Generator) -> None:
    """Best-improvement hill climbing over single-edge neighbours; restart at a random
    unseen cell when no neighbour improves."""
    while oracle.remaining > 0:
        current = _unseen_random(space, oracle, rng)
        value = oracle.query(current, "ls")
        while oracle.remaining > 0:
            best, best_value = current, value
            for n in rng.permutation(len(space.neighbours(current))):
                if oracle.remaining == 0:
                    break
                neighbour = space.neighbours(current)[int(n)]
                v = oracle.query(neighbour, "ls")
                if v > best_value:
                    best, best_value = neighbour, v
            if best == current:
                break  # a local optimum: restart
            current, value = best, best_value


BASELINES = {"rs": random_search, "rea": regularised_evolution, "ls": local_search}
LABELS = {"rs": "random search", "rea": "REA", "ls": "local search"}  # "LS" alone would read as the latent space
