"""NAS-Bench-201 table: the default CSV of 200-epoch accuracies for all 15,625 cells."""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import CRLSOError
from ..spaces.nb201 import NB201Space
from .base import BenchmarkTable
from .data_dir import find_data_file

DEFAULT_TABLE = "nb201/nb201_all_15625_200ep.csv"
DATASETS = ("cifar10", "cifar100", "imagenet16")


def load_nb201(data_dir: str | os.PathLike | None = None) -> BenchmarkTable:
    """The table, rows in official index order; cached per file."""
    return _load(find_data_file(DEFAULT_TABLE, data_dir).resolve())


@lru_cache(maxsize=4)
def _load(path: Path) -> BenchmarkTable:
    space = NB201Space()
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        cells = [space.parse(r["arch_str"]) for r in rows]
        col = lambda name, dtype=np.float64: np.array([r[name] for r in rows], dtype=dtype)  # noqa: E731
        valid = {d: col(f"{d}_valid_acc") for d in DATASETS}
        test = {d: col(f"{d}_test_acc") for d in DATASETS}
        extra = {"arch_index": col("arch_index", np.int64), "params_mb": col("params_mb")}
    except (KeyError, ValueError, CRLSOError) as exc:
        raise CRLSOError(
            f"{path} is not a readable NAS-Bench-201 table ({exc}). Rebuild it with "
            "`crlso data build-nb201` or point --data-dir at the team's data folder."
        ) from None
    if len(cells) != space.size or len(set(cells)) != space.size:
        raise CRLSOError(f"{path} should hold all {space.size} distinct cells, found {len(set(cells))}.")
    return BenchmarkTable(space, cells, valid, test, extra)
