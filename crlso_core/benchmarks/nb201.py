"""NAS-Bench-201: the default table of 200-epoch accuracies for all 15,625 cells, and the
space's registry record."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from crlso_core.benchmarks.base import TabularBenchmark
from crlso_core.benchmarks.data_dir import find_data_file
from crlso_core.benchmarks.table_file import number_column, read_rows, where
from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.nb201 import NB201Space

DEFAULT_TABLE = "nb201/nb201_all_15625_200ep.csv"
DATASETS = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet16": "ImageNet16-120"}
TITLE = "NAS-Bench-201 (NATS-Bench v1.0 topology table, 200 epochs, mean over seeds)"
HOW_TO_GET = (
    "the NAS-Bench-201 table (one row per cell, 200-epoch accuracies). A copy ships inside the "
    "package (crlso_core/data/); to build it again from the official NATS-Bench topology folder "
    "'NATS-tss-v1_0-3ffb9-simple' (Google Drive id 17_saCsj_krKjlCBLOJEpNtzPXArMCqxU) run "
    "`crlso data build-nb201 --nats-dir DIR --out FILE`"
)


def load_nb201(data_dir: str | os.PathLike | None = None) -> TabularBenchmark:
    """The table, rows in official index order; cached per file."""
    return _load(find_data_file(DEFAULT_TABLE, data_dir, HOW_TO_GET).resolve())


FIX = ("It is not a readable NAS-Bench-201 table: rebuild it with `crlso data build-nb201`, or remove it "
       "(the copy inside the package is then used).")
COLUMNS = ("arch_index", "arch_str", *(f"{d}_{s}_acc" for d in DATASETS for s in ("valid", "test")), "params_mb")


@lru_cache(maxsize=4)
def _load(path: Path) -> TabularBenchmark:
    """The table, checked row by row: every cell parses, once, in official index order, and
    every accuracy is a number from 0 to 100."""
    space = NB201Space()
    rows = read_rows(path, COLUMNS, FIX)
    if len(rows) != space.size:
        raise CRLSOError(f"{path} should hold all {space.size:,} cells, one per row; it has {len(rows):,} rows. {FIX}")
    cells = []
    for i, row in enumerate(rows):
        try:
            cells.append(space.parse(row["arch_str"]))
        except CRLSOError as exc:
            raise CRLSOError(f"{path}, {where(i)}: {exc} {FIX}") from None
    index = number_column(path, rows, "arch_index", 0, space.size - 1, FIX, integer=True)
    if not np.array_equal(index, np.arange(space.size)) or len(set(cells)) != space.size:
        raise CRLSOError(f"{path} does not hold each cell once in official index order. {FIX}")
    valid = {d: number_column(path, rows, f"{d}_valid_acc", 0, 100, FIX) for d in DATASETS}
    test = {d: number_column(path, rows, f"{d}_test_acc", 0, 100, FIX) for d in DATASETS}
    extra = {"arch_index": index, "params_mb": number_column(path, rows, "params_mb", 0, 1e4, FIX)}
    return TabularBenchmark(space, cells, valid, test, TITLE, str(path), extra)
