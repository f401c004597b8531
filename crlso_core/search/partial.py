"""A benchmark that answers only part of the space (NB101's offline table: 30,001 of
423,624 cells). A decoded cell it cannot answer is replaced by the unseen pool cell it can
answer that lies nearest (in the latent space) to the point decoded, queried with the
source "<method>-nearest": the latent move chose where to look, the table chooses the
cell. Without a pool to move to, such a cell counts as known and the move goes on."""

from __future__ import annotations

from functools import cached_property
from typing import Optional

import numpy as np
import torch
from torch import Tensor

from crlso_core.benchmarks.base import Oracle
from crlso_core.search.latent import LatentCodes
from crlso_core.spaces.base import Cell


class PartialTable:
    def __init__(self, oracle: Oracle, codes: LatentCodes):
        self.oracle, self.codes = oracle, codes

    @cached_property
    def answerable_pool(self) -> Optional[tuple[list[Cell], Tensor]]:
        """(cells, codes) of the pool cells the benchmark can answer. None when it answers
        every cell (nothing ever moves) or when the codes hold no pool."""
        if self.oracle.benchmark.complete or self.codes.pool is None:
            return None
        cells, mu = self.codes.pool
        rows = np.flatnonzero(self.oracle.benchmark.can_answer(cells))
        return ([cells[i] for i in rows.tolist()], mu[torch.from_numpy(rows)].float()) if len(rows) else None

    def _nearest(self, zs: Tensor) -> list[Optional[Cell]]:
        """Per point, the nearest unseen answerable pool cell (None when all are seen)."""
        cells, mu = self.answerable_pool
        k = min(len(cells), self.oracle.used + 1)  # at most `used` are seen: an unseen one is among these
        nearest = torch.cdist(zs.float(), mu).topk(k, largest=False).indices.tolist()
        return [next((cells[j] for j in order if not self.oracle.seen(cells[j])), None) for order in nearest]

    def onto_benchmark(self, decoded: list[Cell], zs: Tensor) -> list[Cell]:
        """Each decoded cell, except that one the benchmark cannot answer becomes the
        nearest unseen answerable pool cell to the point it was decoded from."""
        if self.answerable_pool is None:
            return decoded
        outside = [i for i, cell in enumerate(decoded) if not self.oracle.can_answer(cell)]
        if not outside:
            return decoded
        moved = list(decoded)
        for i, cell in zip(outside, self._nearest(zs[outside])):
            moved[i] = cell if cell is not None else decoded[i]
        return moved

    def nearest_unseen(self, decoded: Cell, z: Tensor) -> Optional[Cell]:
        """Where a decoded cell the benchmark cannot answer moves to; None when it can
        answer it, or there is no pool, or every answerable pool cell is seen."""
        if self.answerable_pool is None or self.oracle.can_answer(decoded):
            return None
        return self._nearest(z[None])[0]
