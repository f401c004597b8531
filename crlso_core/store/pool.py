"""A run's cell pool: the cells its G-VAE trains on and the explorer draws (structures are
free; only labels cost queries). For a benchmark that lists its cells and no size asked
for, the pool is that list in the benchmark's own order (NB201: all 15,625 cells; NB101's
offline table: its 30,001 cells). A sized pool is a seeded sample: of the benchmark's own
cells when it answers only part of the space and holds that many (NB101's table), so that
every pool cell has a true accuracy; otherwise of the space. The labelled cells always
belong to it. A run stores its pool as the cell strings beside their latent codes
(latent.npz), and every reader works from that."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Optional, Sequence

import numpy as np

from crlso_core.benchmarks.base import Benchmark
from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.base import Cell, CellList, SearchSpace

_POOL_STREAM = 7_919  # the pool's own random stream under the run's seed


@dataclass
class CellPool(CellList):
    space: SearchSpace
    cells: list[Cell]

    @cached_property
    def archs(self) -> list[str]:
        return self.space.format_many(self.cells)


    @classmethod
    def from_archs(cls, space: SearchSpace, archs: Sequence[str]) -> "CellPool":
        pool = cls(space, space.parse_many(archs))
        pool.__dict__["archs"] = list(archs)
        return pool


def build_pool(benchmark: Benchmark, size: Optional[int], seed: int, include: Sequence[Cell] = ()) -> CellPool:
    """The pool for a run: see the module's docstring. `include` (the labelled cells) are
    added at the end when the pool lacks them."""
    space = benchmark.space
    listed = benchmark.listed_cells()
    if size is None and listed is not None:
        cells = list(listed)
    elif listed is not None and not benchmark.complete and size <= len(listed):
        cells = benchmark.sample(np.random.default_rng([seed, _POOL_STREAM]), size)
    else:
        size = size if size is not None else space.size
        if size is None:
            raise CRLSOError(f"{space.title} cannot be enumerated: give the pool a size (config 'pool').")
        if space.size is not None and size >= space.size:
            cells = space.all_cells()
        else:
            cells = space.sample(np.random.default_rng([seed, _POOL_STREAM]), size)
    pool = CellPool(space, cells)
    extra = [c for c in dict.fromkeys(include) if pool.rows([c])[0] < 0]
    return CellPool(space, cells + extra) if extra else pool
