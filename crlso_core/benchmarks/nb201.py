"""NAS-Bench-201: the default table of 200-epoch accuracies for all 15,625 cells, and the
space's registry record."""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import CRLSOError
from ..spaces.nb201 import NB201Space
from .spec import SpaceSpec
from .base import TabularBenchmark
from .data_dir import find_data_file, open_text

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


@lru_cache(maxsize=4)
def _load(path: Path) -> TabularBenchmark:
    space = NB201Space()
    try:
        with open_text(path) as f:
            rows = list(csv.DictReader(f))
        cells = [space.parse(r["arch_str"]) for r in rows]
        col = lambda name, dtype=np.float64: np.array([r[name] for r in rows], dtype=dtype)  # noqa: E731
        valid = {d: col(f"{d}_valid_acc") for d in DATASETS}
        test = {d: col(f"{d}_test_acc") for d in DATASETS}
        extra = {"arch_index": col("arch_index", np.int64), "params_mb": col("params_mb")}
    except (KeyError, ValueError, OSError, EOFError, CRLSOError) as exc:
        raise CRLSOError(
            f"{path} is not a readable NAS-Bench-201 table ({exc}). Rebuild it with "
            "`crlso data build-nb201` or point --data-dir at the team's data folder."
        ) from None
    if len(cells) != space.size or len(set(cells)) != space.size:
        raise CRLSOError(f"{path} should hold all {space.size} distinct cells, found {len(set(cells))}.")
    return TabularBenchmark(space, cells, valid, test, TITLE, str(path), extra)


SPEC = SpaceSpec(
    name="nb201",
    title="NAS-Bench-201",
    about="15,625 cells: 4 nodes, 6 edges, one of 5 ops on each edge",
    space=NB201Space,
    load_benchmark=load_nb201,
    datasets=DATASETS,
    data_files={DEFAULT_TABLE: HOW_TO_GET},
)
