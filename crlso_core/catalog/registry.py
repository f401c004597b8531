"""The registry of search spaces, read by the CLI, the presets, the bench and every page.
Adding a space is its space class (crlso_core/spaces/), its benchmark loader
(crlso_core/benchmarks/) and its SpaceSpec in catalog/spaces.py."""

from __future__ import annotations

from crlso_core.benchmarks.base import Benchmark
from crlso_core.catalog.spec import DataDir, SpaceSpec
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.spaces.base import SearchSpace

_SPACES: dict[str, SpaceSpec] = {}


def register(entry: SpaceSpec) -> SpaceSpec:
    _SPACES[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    _SPACES.pop(name, None)


def names() -> list[str]:
    return list(_SPACES)


def specs() -> list[SpaceSpec]:
    return list(_SPACES.values())


def get_spec(name: str) -> SpaceSpec:
    try:
        return _SPACES[name]
    except KeyError:
        raise CRLSOError(f"Unknown search space {quoted(name, 40)}; choose one of {', '.join(_SPACES)}.") from None


def get_space(name: str) -> SearchSpace:
    return get_spec(name).space()


def load_benchmark(name: str, data_dir: DataDir = None) -> Benchmark:
    return get_spec(name).load_benchmark(data_dir)


def dataset_title(dataset: str) -> str:
    """A dataset's display name, from whichever space knows it."""
    for s in _SPACES.values():
        if dataset in s.datasets:
            return s.datasets[dataset]
    return dataset


# --- the spaces -----------------------------------------------------------------------------
from crlso_core.catalog.spaces import SPACES  # noqa: E402  (the specs import the contracts above)

for _spec in SPACES:
    register(_spec)
