"""Latent codes of cells under a trained G-VAE, encoded on demand and cached."""

from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor

from crlso_core.models import GVAE
from crlso_core.spaces.base import Cell, SearchSpace


class LatentCodes:
    def __init__(self, space: SearchSpace, gvae: GVAE, device: torch.device, known: dict[Cell, Tensor] | None = None):
        self.space, self.gvae, self.device = space, gvae, device
        self._cache: dict[Cell, Tensor] = dict(known or {})
        self.pool: Optional[tuple[list[Cell], Tensor]] = None  # the run's pool cells and their codes, in order

    @classmethod
    def from_pool(cls, space, gvae, device, cells: Sequence[Cell], mu: Tensor) -> "LatentCodes":
        codes = cls(space, gvae, device, dict(zip(cells, mu)))
        codes.pool = (list(cells), mu)
        return codes

    @torch.no_grad()
    def __call__(self, cells: Sequence[Cell]) -> Tensor:
        missing = [c for c in dict.fromkeys(cells) if c not in self._cache]
        if missing:
            mu, _ = self.gvae.encode(self.space.graph_batch(missing).to(self.device))
            self._cache.update(zip(missing, mu.cpu()))
        return torch.stack([self._cache[c] for c in cells]) if cells else torch.empty(0, self.gvae.latent)

    def remember(self, cell: Cell, z: Tensor) -> None:
        """From now on `cell`'s code is `z` (a queried cell keeps the point that decoded to it)."""
        self._cache[cell] = z.detach().to("cpu", torch.float32)

    @torch.no_grad()
    def decode(self, z: Tensor) -> list[Cell]:
        return self.space.decode(self.gvae.decoder(z.to(self.device)))
