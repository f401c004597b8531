"""The run records, typed, in one place: a run's summary (with the baselines run beside
it), its benchmark queries and its search trajectory. They are written here and read
here; every other module works with these dataclasses, never with their JSON/CSV keys.

Old run folders load: keys a summary lacks take their defaults, and the old name of local
search ("ls", which also meant the unregularised latent space) reads as "local".
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable, Optional

from crlso_core.catalog.methods import RENAMED_BASELINES, side_of
from crlso_core.common.checks import check_types
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.files import csv_bytes, json_bytes, read_csv, write_csv

RUN_FORMAT = 2  # 1: before benchmarks had a contract (NB201 only); 2: pools, optional test accuracy


def _known(cls, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass
class BaselineResult:
    """A baseline run beside a trained run, on its dataset and seed."""

    budget: int
    best_arch: str
    best_valid_acc: float
    best_test_acc: Optional[float] = None  # None: the benchmark has no test accuracy
    queries_to_best: Optional[int] = None
    wall_s: float = 0.0


@dataclass
class RunSummary:
    # what was run
    space: str = "nb201"
    dataset: str = ""
    preset: str = ""
    seed: int = 0
    budget: int = 0
    labelled: int = 0
    device: str = ""
    latent_regularised: bool = True  # trained with the ICNN term (CR-LS) or without (LS)
    predictor: str = "icnn"
    rule: str = "step"
    benchmark: Optional[str] = None  # the benchmark's title; None in runs of format 1 (NB201's table)
    pool_size: Optional[int] = None  # cells in the G-VAE's pool
    pair: Optional[str] = None  # the LS/CR-LS pair the run belongs to
    side: Optional[str] = None  # "ls" or "crls" within the pair
    created: float = 0.0
    torch: str = ""
    machine: str = ""
    run_format: int = 1
    # training
    status: str = "trained"  # "trained", then "complete" once searched
    recon_acc: Optional[float] = None
    recon_heldout: Optional[float] = None  # exact reconstruction of random cells outside the pool (sampled pools)
    teacher_kendall_tau: Optional[float] = None
    icnn_kendall_tau: Optional[float] = None
    queries_used: int = 0
    final_losses: dict[str, float] = field(default_factory=dict)
    wall_s: dict[str, float] = field(default_factory=dict)
    # search
    best_arch: Optional[str] = None
    best_valid_acc: Optional[float] = None
    best_test_acc: Optional[float] = None  # None: the benchmark has no test accuracy
    valid_optimum: Optional[float] = None  # None: the benchmark's optimum is not known
    found_valid_optimum: Optional[bool] = None
    queries_to_best: Optional[int] = None
    search_steps: Optional[int] = None
    # how many search queries (labelled set left out) came from each origin (search/origins.py),
    # and the share that were latent moves; empty / None before a search
    query_origins: dict[str, int] = field(default_factory=dict)
    latent_share: Optional[float] = None
    baselines: dict[str, BaselineResult] = field(default_factory=dict)

    HEADLINE = (
        "space",
        "dataset",
        "preset",
        "seed",
        "budget",
        "queries_used",
        "best_arch",
        "best_valid_acc",
        "best_test_acc",
        "found_valid_optimum",
        "latent_share",
        "query_origins",
        "recon_acc",
        "recon_heldout",
        "teacher_kendall_tau",
        "icnn_kendall_tau",
        "device",
        "wall_s",
    )

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def side_name(self) -> str:
        return self.side or side_of(self.latent_regularised)

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data; a number that is not finite is unknown, so null."""
        return _finite(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunSummary":
        if not isinstance(data, dict):
            raise CRLSOError("summary.json does not describe a run: it is not an object.")
        fmt = data.get("run_format", 1)
        if not isinstance(fmt, int) or fmt > RUN_FORMAT:
            raise CRLSOError(f"This run was written by a newer crlso (run format {quoted(fmt, 20)}); update crlso to read it.")
        values = _known(cls, data)
        baselines = values.pop("baselines", None) or {}
        summary = cls(**values)
        check_types(summary, "summary.json")
        if not isinstance(baselines, dict) or not all(isinstance(r, dict) for r in baselines.values()):
            raise CRLSOError("summary.json holds a malformed baseline result.")
        try:
            summary.baselines = {
                RENAMED_BASELINES.get(name, name): BaselineResult(**_known(BaselineResult, result))
                for name, result in baselines.items()
            }
        except TypeError:
            raise CRLSOError("summary.json holds a baseline result without its budget, cell or accuracy.") from None
        for result in summary.baselines.values():
            check_types(result, "summary.json's baseline result")
        return summary

    def disagreement(self, config: Any) -> Optional[str]:
        """Where this summary says something else than its run's config (a RunConfig) about
        what was run, in words; None when they agree. A run from elsewhere (a bundle) is
        listed by its summary but opened by its config, so the two must tell one story."""
        said = [("space", self.space, config.space), ("dataset", self.dataset, config.dataset),
                ("seed", self.seed, config.seed), ("labelled", self.labelled, config.labelled),
                ("budget", self.budget, config.budget),
                ("latent_regularised", self.latent_regularised, config.gvae.icnn)]
        if self.side is not None:
            said.append(("side", self.side, side_of(config.gvae.icnn)))
        for key, summary, settings in said:
            if summary != settings:
                if key == "side":
                    return f"summary.json says side {summary!r} where config.json says gvae.icnn {config.gvae.icnn} (a {settings!r} run)"
                where = "gvae.icnn" if key == "latent_regularised" else key
                return f"summary.json says {key} {summary!r} where config.json says {where} {settings!r}"
        return None

    def headline(self) -> dict[str, Any]:
        """The fields the `crlso` command prints after a run."""
        data = self.to_dict()
        return {k: data[k] for k in self.HEADLINE}


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def summary_bytes(summary: RunSummary) -> bytes:
    return json_bytes(summary.to_dict())


# --- queries ---------------------------------------------------------------------------------


@dataclass
class QueryRow:
    """One benchmark query, in the order it was made, with what asked for it."""

    order: int
    arch: str
    valid_acc: float
    source: str  # "labelled", "crlso", "rea", ...


QUERY_COLUMNS = [f.name for f in fields(QueryRow)]


def write_queries(path: Path, rows: Iterable[QueryRow]) -> None:
    write_csv(path, (asdict(r) for r in rows), QUERY_COLUMNS)


def queries_bytes(rows: Iterable[QueryRow]) -> bytes:
    return csv_bytes((asdict(r) for r in rows), QUERY_COLUMNS)


def read_queries(path: Path) -> list[QueryRow]:
    try:
        rows = [QueryRow(int(r["order"]), r["arch"], float(r["valid_acc"]), r["source"]) for r in read_csv(path, QUERY_COLUMNS)]
    except (KeyError, ValueError, TypeError):
        raise CRLSOError(f"{path} is corrupt: it is not a table of benchmark queries.") from None
    if not all(math.isfinite(r.valid_acc) for r in rows):
        raise CRLSOError(f"{path} is corrupt: it holds an accuracy that is not a number.")
    return rows


# --- trajectories ----------------------------------------------------------------------------


@dataclass
class TrajectoryStep:
    """One proposal of one start in one round of the latent search; `valid_acc` is set
    only when the proposed cell was queried."""

    round: int
    start_arch: str
    attempt: int  # -1 for a fallback or random query
    eta: float
    z: list[float]
    arch: str
    pred_acc_z: float  # predictor's accuracy (percent) at the latent point z
    pred_acc: float  # predictor's accuracy (percent) at the decoded cell's own code
    queried: bool
    valid_acc: Optional[float]
    source: str


TRAJECTORY_COLUMNS = [f.name for f in fields(TrajectoryStep)]


def _trajectory_row(step: TrajectoryStep) -> dict:
    """A step as a CSV row: a shallow dict, not asdict(), whose deep copy of every latent
    vector took 9 of a 63 s NB101 search (32,000 steps)."""
    return {name: getattr(step, name) for name in TRAJECTORY_COLUMNS}


def write_trajectory(path: Path, steps: Iterable[TrajectoryStep]) -> None:
    write_csv(path, map(_trajectory_row, steps), TRAJECTORY_COLUMNS)


def trajectory_bytes(steps: Iterable[TrajectoryStep]) -> bytes:
    return csv_bytes(map(_trajectory_row, steps), TRAJECTORY_COLUMNS)


def read_trajectory(path: Path) -> list[TrajectoryStep]:
    try:
        return [
            TrajectoryStep(
                int(r["round"]), r["start_arch"], int(r["attempt"]), float(r["eta"]), json.loads(r["z"]), r["arch"],
                float(r["pred_acc_z"]), float(r["pred_acc"]), r["queried"] == "True",
                float(r["valid_acc"]) if r["valid_acc"] not in ("", "None") else None, r["source"],
            )
            for r in read_csv(path, TRAJECTORY_COLUMNS)
        ]
    except (KeyError, ValueError, TypeError, json.JSONDecodeError, RecursionError):
        raise CRLSOError(f"{path} is corrupt: it is not a search trajectory.") from None
