"""What the explorer needs of a run, as plain data: the trained models loaded once, every
pool cell's latent code with its true and predicted accuracy, nearest neighbours in the
latent space, decoding (to cells inside or outside the pool), the search's trajectories
and curves, and the LS/CR-LS pairs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch

from crlso_core.benchmarks.base import Benchmark, Optimum
from crlso_core.catalog.config import RunConfig
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import finish_group
from crlso_core.store.models import load_trained
from crlso_core.models import GVAE
from crlso_core.pipeline.pool import CellPool
from crlso_core.catalog.methods import RENAMED_BASELINES, SIDE_LABELS
from crlso_core.store.records import QueryRow, RunSummary, TrajectoryStep, read_queries, read_summary, read_trajectory, summary_or_none
from crlso_core.catalog.registry import load_benchmark
from crlso_core.store.index import IndexedRun, list_runs
from crlso_core.catalog.methods import BASELINE_LABELS
from crlso_core.search.origins import STEP, Origins, origin
from crlso_core.spaces.base import SearchSpace
from crlso_core.models.training import prepare_torch


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
        return self.summary.side or ("crls" if self.config.gvae.icnn else "ls")

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
    def decode(self, z: np.ndarray) -> list[str]:
        """The cells (strings) the decoder makes at latent codes; they may lie outside the pool."""
        logits = self.gvae.decoder(torch.as_tensor(np.asarray(z, dtype=np.float32)).reshape(-1, self.codes.shape[1]))
        return self.space.format_many(self.space.decode(logits))

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

    def test_of(self, archs: Sequence[str]) -> Optional[np.ndarray]:
        if not self.has_test:
            return None
        return self.benchmark.test_accuracy(self.space.parse_many(archs), self.dataset)

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


RUN_FILES = ("config.json", "summary.json", "gvae.pt", "predictor.pt", "latent.npz")


def load_view(run_dir: Path, data_dir=None) -> RunView:
    run_dir = Path(run_dir)
    for name in RUN_FILES:
        if not (run_dir / name).is_file():
            raise CRLSOError(f"{run_dir} is not a trained run: {name} is missing. Train it again or delete it on the Runs page.")
    finish_group(run_dir)
    config = RunConfig.read(run_dir)
    summary = read_summary(run_dir)
    prepare_torch()
    benchmark = load_benchmark(config.space, data_dir)
    trained = load_trained(run_dir, config, benchmark.space, torch.device("cpu"))  # views are small: the CPU answers fastest
    return RunView(run_dir, config, summary, benchmark, trained.gvae, trained.predictor, trained.pool, trained.mu.numpy())


# --- pairs ---------------------------------------------------------------------------------


@dataclass
class Pair:
    """The LS and CR-LS runs trained together (a run trained alone is a pair of one)."""

    name: str
    runs: dict[str, IndexedRun] = field(default_factory=dict)  # side -> indexed run

    @property
    def sides(self) -> list[str]:
        return [s for s in ("ls", "crls") if s in self.runs]

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


def list_pairs(root: Path) -> list[Pair]:
    """Pairs of the runs indexed under root, newest first."""
    pairs: dict[str, Pair] = {}
    runs = list_runs(Path(root))
    for run in sorted(runs, key=lambda r: not r.inside_root):  # a run of the root wins over one of that name made elsewhere
        name = run.summary.pair or run.name
        pairs.setdefault(name, Pair(name)).runs.setdefault(run.summary.side_name, run)
    order = {r.summary.pair or r.name: i for i, r in reversed(list(enumerate(runs)))}
    pairs = dict(sorted(pairs.items(), key=lambda kv: order[kv[0]]))  # newest first, as listed
    return list(pairs.values())


# --- search results ------------------------------------------------------------------------


def best_so_far(values: np.ndarray) -> np.ndarray:
    return np.maximum.accumulate(np.asarray(values, dtype=np.float64)) if len(values) else np.zeros(0)


@dataclass
class Curve:
    label: str
    valid: np.ndarray  # best-so-far validation accuracy after each query
    test: Optional[np.ndarray]  # test accuracy of the best-so-far-by-validation cell; None without test accuracy


def query_curve(benchmark: Benchmark, dataset: str, queries: list[QueryRow], label: str) -> Curve:
    valid = np.array([q.valid_acc for q in queries], dtype=np.float64)
    if not benchmark.has_test(dataset):
        return Curve(label, best_so_far(valid), None)
    improved = [i for i in range(len(valid)) if i == 0 or valid[i] > valid[:i].max()]
    tests = benchmark.test_accuracy(benchmark.space.parse_many([queries[i].arch for i in improved]), dataset)
    test = np.empty(len(valid))
    for k, i in enumerate(improved):
        test[i:] = tests[k]  # each improvement holds until the next one
    return Curve(label, best_so_far(valid), test)


def run_curves(run_dir: Path, benchmark: Benchmark, dataset: str, label: str = "CR-LSO", prefix: str = "") -> list[Curve]:
    """The latent search's curve (labelled set included: those queries were paid for) and
    any baselines' run beside it (labelled `prefix` + their name)."""
    return [query_curve(benchmark, dataset, read_queries(path), name) for name, path in query_files(run_dir, label, prefix).items()]


def search_origins(run_dir: Path) -> Optional[Origins]:
    """Where a searched run's queries came from (None before its search): from its
    queries.csv, so runs searched before the summary kept the counts are counted too."""
    run_dir = Path(run_dir)
    summary = summary_or_none(run_dir)
    if summary is None or not summary.complete or not (run_dir / "queries.csv").exists():
        return None
    return Origins.of(q.source for q in read_queries(run_dir / "queries.csv"))


def query_files(run_dir: Path, label: str = "CR-LSO", prefix: str = "") -> dict[str, Path]:
    """Each method's queries.csv in a run folder, by its label: the latent search's (once
    the run is searched) and any baselines' run beside it."""
    run_dir = Path(run_dir)
    files = {}
    summary = summary_or_none(run_dir)
    if summary is not None and summary.complete and (run_dir / "queries.csv").exists():
        files[label] = run_dir / "queries.csv"
    for path in sorted((run_dir / "baselines").glob("*.csv")):
        name = RENAMED_BASELINES.get(path.stem, path.stem)
        files[prefix + BASELINE_LABELS.get(name, name)] = path
    return files


@dataclass
class Move:
    """Consecutive proposals of one round from one start that decoded to the same cell: the
    ray and step rules go further until the decoded cell is new, so most points land back on
    a known cell (often the start itself); a move shows them as one."""

    round: int
    arch: str
    steps: list[TrajectoryStep]
    kind: str  # an origin (search/origins.py): "step", "nearest", "mutation", "fallback" or "random"
    ends_only: bool = False  # the steps are a run's first and last point (ray and step rules)

    @property
    def queried(self) -> bool:
        return any(s.queried for s in self.steps)

    @property
    def latent(self) -> bool:
        """A move in the latent space (a decoded point), not a neighbour or a random cell."""
        return self.kind in ("step", "nearest")

    @property
    def valid_acc(self) -> Optional[float]:
        return next((s.valid_acc for s in self.steps if s.queried), None)

    @property
    def etas(self) -> tuple[float, float]:
        return self.steps[0].eta, self.steps[-1].eta

    def describe(self, start_arch: str) -> str:
        """What happened, in words a class can follow; a move that was not a latent step is
        never called one."""
        if self.kind == "fallback":
            return (f"Round {self.round}: not a latent move. No start's move reached a new cell, so the "
                    "best-predicted unseen one-mutation neighbour of the start was queried (a fallback)")
        if self.kind == "mutation":
            return (f"Round {self.round}: not a latent move. A one-mutation neighbour of the start, predicted "
                    "better than the latent steps' cells, was queried (mixed rule)")
        if self.kind == "random":
            return f"Round {self.round}: not a latent move. Nothing near the known cells was left, so a random unseen cell was queried"
        low, high = self.etas
        # the ray and step rules record only the ends of a run of points that decode to one cell
        sizes = self.steps[-1].attempt - self.steps[0].attempt + 1 if self.ends_only else len(self.steps)
        eta = f"η = {low:.2f}" if sizes == 1 else f"η = {low:.2f} to {high:.2f} ({sizes} step lengths)"
        if self.kind == "nearest":
            return (f"Round {self.round}: latent step, {eta}, decoded a cell the benchmark cannot answer; the nearest "
                    "answerable unseen cell to that point was queried")
        where = "back to the start cell" if self.arch == start_arch else ("to a new cell, queried" if self.queried else "to a cell already known")
        return f"Round {self.round}: latent step, {eta}, decoded {where}"


@dataclass
class Trajectory:
    start_arch: str
    steps: list[TrajectoryStep]  # the proposals stepped from this start, in search order
    ends_only: bool = False  # searched by the ray or step rule, which record a run of points by its ends

    @cached_property
    def moves(self) -> list[Move]:
        moves: list[Move] = []
        for step in self.steps:
            kind = origin(step.source)
            last = moves[-1] if moves else None
            if last is not None and last.kind == kind == STEP and last.round == step.round and last.arch == step.arch:
                last.steps.append(step)
            else:
                moves.append(Move(step.round, step.arch, [step], kind, self.ends_only))
        return moves

    @property
    def found(self) -> list[Move]:
        return [m for m in self.moves if m.queried]


def trajectories(run_dir: Path) -> list[Trajectory]:
    """The search's proposals grouped by the start they stepped from, in search order."""
    path = Path(run_dir) / "trajectories.csv"
    if not path.exists():
        return []
    ends_only = RunConfig.read(run_dir).search.rule in ("ray", "step")
    grouped: dict[str, list[TrajectoryStep]] = {}
    for step in read_trajectory(path):
        grouped.setdefault(step.start_arch, []).append(step)
    return [Trajectory(start, steps, ends_only) for start, steps in grouped.items()]
