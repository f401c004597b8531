"""The LS and CR-LS runs of a runs root, grouped into the pairs they were trained as, and
where a pair's runs go (`pair_folder`: the one place a store path `<root>/<name>-<side>`
is made; the name itself is catalog.methods.pair_run_name, for modules below the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crlso_core.catalog.methods import SIDES, pair_run_name
from crlso_core.store.examples import example_runs, is_example
from crlso_core.store.index import IndexedRun, list_runs
from crlso_core.store.records import RunSummary


def pair_folder(root: Path, name: str, side: str) -> Path:
    """The run folder of one side of pair `name` under a runs root."""
    return Path(root) / pair_run_name(name, side)


def pair_folders(root: Path, name: str, sides=SIDES) -> dict[str, Path]:
    """Side -> run folder of pair `name`'s `sides` under a runs root."""
    return {side: pair_folder(root, name, side) for side in sides}


@dataclass
class Pair:
    """The LS and CR-LS runs trained together (a run trained alone is a pair of one)."""

    name: str
    runs: dict[str, IndexedRun] = field(default_factory=dict)  # side -> indexed run

    @property
    def sides(self) -> list[str]:
        return [s for s in SIDES if s in self.runs]

    def path(self, side: str) -> Path:
        return self.runs[side].path

    @property
    def first(self) -> RunSummary:
        return next(iter(self.runs.values())).summary

    @property
    def dataset(self) -> str:
        return self.first.dataset

    @property
    def space(self) -> str:
        return self.first.space

    @property
    def example(self) -> bool:
        """A pair shipped with the package (read only: a search works on a copy)."""
        return all(is_example(run.path) for run in self.runs.values())


def list_pairs(root: Path, examples: bool = True) -> list[Pair]:
    """Pairs of the runs indexed under root, newest first, then (with `examples`) the example
    pairs shipped in the package."""
    found = _pairs(list_runs(Path(root)))
    return found + (_pairs(example_runs()) if examples else [])


def _pairs(runs: list[IndexedRun]) -> list[Pair]:
    pairs: dict[str, Pair] = {}
    for run in sorted(runs, key=lambda r: not r.inside_root):  # a run of the root wins over one of that name made elsewhere
        name = run.summary.pair or run.name
        pairs.setdefault(name, Pair(name)).runs.setdefault(run.summary.side_name, run)
    order = {r.summary.pair or r.name: i for i, r in reversed(list(enumerate(runs)))}
    pairs = dict(sorted(pairs.items(), key=lambda kv: order[kv[0]]))  # newest first, as listed
    return list(pairs.values())
