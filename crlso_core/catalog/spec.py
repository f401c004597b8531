"""What the product needs to know about one search space and its benchmark: one record,
defined beside the space's benchmark loader (a benchmark knows its space) and listed in
crlso_core.catalog.registry."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Union

from crlso_core.benchmarks.base import Benchmark
from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.base import SearchSpace

DataDir = Optional[Union[str, os.PathLike]]


@dataclass(frozen=True)
class SpaceSpec:
    name: str  # the key used everywhere: --space, config.json, the app's URL
    title: str  # "NAS-Bench-201"
    about: str  # one line for help texts: what a cell is and how many there are
    space: Callable[[], SearchSpace]
    load_benchmark: Callable[[DataDir], Benchmark]  # reads its files through benchmarks.data_dir
    datasets: Mapping[str, str]  # dataset -> display name; the first is the default
    data_files: Mapping[str, str] = field(default_factory=dict)  # file -> what it is and how to get it
    preset_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # preset -> {"gvae": {...}, ...}
    pool_size: Optional[int] = None  # cells a run samples as its pool; None: the benchmark's list, else the whole space
    browse_sample: int = 5000  # cells the Benchmark page draws when the benchmark holds no list
    # preset -> its measured wall time, for the Train page (what a user waits for)
    preset_times: Mapping[str, str] = field(default_factory=dict)
    # a published sample to browse besides the random one: (what it is, loader of (cell, recorded accuracy))
    reference: Optional[tuple[str, Callable[[DataDir], list]]] = None

    @property
    def default_dataset(self) -> str:
        return next(iter(self.datasets))

    def dataset_title(self, dataset: str) -> str:
        return self.datasets.get(dataset, dataset)

    def check_dataset(self, dataset: str) -> None:
        if dataset not in self.datasets:
            raise CRLSOError(f"Unknown dataset {dataset!r} for {self.title}; choose one of {', '.join(self.datasets)}.")


