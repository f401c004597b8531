"""A trained run opened for looking at, as plain data: the trained models loaded once, every
pool cell's latent code with its true and predicted accuracy, nearest neighbours in the
latent space, decoding (to cells inside or outside the pool). The explorer's pages and a
bundle's import check open runs through `load_view`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch

from crlso_core.benchmarks.base import Benchmark, Optimum
from crlso_core.catalog.config import RunConfig
from crlso_core.catalog.methods import SIDE_LABELS, side_of
from crlso_core.catalog.registry import load_benchmark
from crlso_core.models import GVAE
from crlso_core.models.training import prepare_torch
from crlso_core.spaces.base import Cell, SearchSpace
from crlso_core.store.folder import RunFolder
from crlso_core.store.models import load_trained
from crlso_core.store.pool import CellPool
from crlso_core.store.records import RunSummary


@dataclass
class RunView:
    path: Path
    config: RunConfig
    summary: RunSummary
    benchmark: Benchmark
    gvae: GVAE
    predictor: torch.nn.Module
    pool: CellPool
    codes: np.ndarray  # [pool, latent], pool order

    @property
    def space(self) -> SearchSpace:
        return self.pool.space

    @property
    def dataset(self) -> str:
        return self.config.dataset

    @property
    def side(self) -> str:
        return self.summary.side or side_of(self.config.gvae.icnn)

    @property
    def label(self) -> str:
        return SIDE_LABELS[self.side]

    @property
    def archs(self) -> list[str]:
        return self.pool.archs

    @cached_property
    def labels(self) -> list[str]:
        """Short hover labels, one per pool cell."""
        return [self.space.label(c) for c in self.pool.cells]

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.archs)}

    def cell_of(self, arch: str) -> Cell:
        """The cell of a string: the pool's own parsed cell when it is a pool cell, else the
        string parsed (a decoded cell outside the pool, a cell a search found there)."""
        row = self.row_of.get(arch)
        return self.pool.cells[row] if row is not None else self.space.parse(arch)

    @cached_property
    def valid(self) -> np.ndarray:
        """True validation accuracy of every pool cell (NaN where the benchmark has none)."""
        return self.benchmark.valid_accuracy(self.pool.cells, self.dataset)

    @property
    def has_test(self) -> bool:
        return self.benchmark.has_test(self.dataset)

    @cached_property
    def test(self) -> Optional[np.ndarray]:
        """Test accuracy of every pool cell; None when the benchmark has none."""
        return self.benchmark.test_accuracy(self.pool.cells, self.dataset)

    @cached_property
    def optimum(self) -> Optional[Optimum]:
        return self.benchmark.optimum(self.dataset)

    @cached_property
    def predicted(self) -> np.ndarray:
        return self.predict(self.codes)

    @torch.no_grad()
    def predict(self, z: np.ndarray) -> np.ndarray:
        """The run's predictor at latent codes, as accuracy in percent (it predicts error)."""
        error = self.predictor(torch.as_tensor(np.asarray(z, dtype=np.float32)))
        return 100.0 * (1.0 - error.reshape(-1).numpy())

    @torch.no_grad()
    def decode_cells(self, z: np.ndarray) -> list[Cell]:
        """The cells the decoder makes at latent codes; they may lie outside the pool."""
        logits = self.gvae.decoder(torch.as_tensor(np.asarray(z, dtype=np.float32)).reshape(-1, self.codes.shape[1]))
        return self.space.decode(logits)

    def decode(self, z: np.ndarray) -> list[str]:
        """The strings of the cells the decoder makes at latent codes."""
        return self.space.format_many(self.decode_cells(z))

    def _split(self, archs: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        rows = np.array([self.row_of.get(a, -1) for a in archs], dtype=np.int64)
        return rows, [i for i, r in enumerate(rows) if r < 0]

    def accuracy_of(self, archs: Sequence[str]) -> np.ndarray:
        """True validation accuracy of any cells (NaN where the benchmark cannot answer)."""
        rows, outside = self._split(archs)
        out = self.valid[np.maximum(rows, 0)].astype(np.float64)
        if outside:
            out[outside] = self.benchmark.valid_accuracy(self.space.parse_many([archs[i] for i in outside]), self.dataset)
        return out

    @torch.no_grad()
    def codes_of(self, archs: Sequence[str]) -> np.ndarray:
        """Latent codes of any cells: stored for pool cells, encoded by the G-VAE otherwise."""
        rows, outside = self._split(archs)
        out = self.codes[np.maximum(rows, 0)].copy()
        if outside:
            batch = self.space.graph_batch(self.space.parse_many([archs[i] for i in outside]))
            out[outside] = self.gvae.encode(batch)[0].numpy()
        return out

    def nearest(self, row: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The k pool cells nearest to a cell in the latent space itself (Euclidean), and distances."""
        distance = np.linalg.norm(self.codes - self.codes[row], axis=1)
        distance[row] = np.inf
        rows = np.argsort(distance, kind="stable")[:k]
        return rows, distance[rows]

    def rank(self) -> np.ndarray:
        """1 = best validation accuracy in the pool (cells without one rank last)."""
        order = np.argsort(-np.nan_to_num(self.valid, nan=-np.inf), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(1, len(order) + 1)
        return rank


def load_view(run_dir: Path, data_dir=None) -> RunView:
    folder = RunFolder(run_dir)
    folder.check_trained()
    config, summary = folder.open()
    run_dir = folder.path
    prepare_torch()
    benchmark = load_benchmark(config.space, data_dir)
    trained = load_trained(run_dir, config, benchmark.space, torch.device("cpu"))  # views are small: the CPU answers fastest
    return RunView(run_dir, config, summary, benchmark, trained.gvae, trained.predictor, trained.pool, trained.mu.numpy())
