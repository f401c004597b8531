"""What the explorer needs of a run, as plain data: the trained models loaded once, every
cell's latent code with its true and predicted accuracy, nearest neighbours in the latent
space, decoding, the search's trajectories and curves, and the LS/CR-LS pairs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .benchmarks import BenchmarkTable, load_table
from .config import RunConfig
from .errors import CRLSOError
from .models import GVAE
from .pipeline import load_trained
from .runs import list_runs, read_csv, read_json
from .search.baselines import LABELS as BASELINE_LABELS
from .training import prepare_torch

SIDE_LABELS = {"ls": "LS (no convexity term)", "crls": "CR-LS (convexity-regularised)"}


@dataclass
class RunView:
    path: Path
    config: RunConfig
    summary: dict
    table: BenchmarkTable
    gvae: GVAE
    predictor: torch.nn.Module
    codes: np.ndarray  # [cells, latent], table order

    @property
    def side(self) -> str:
        return self.summary.get("side") or ("crls" if self.config.gvae.icnn else "ls")

    @property
    def label(self) -> str:
        return SIDE_LABELS[self.side]

    @property
    def valid(self) -> np.ndarray:
        return self.table.valid[self.config.dataset]

    @property
    def test(self) -> np.ndarray:
        return self.table.test[self.config.dataset]

    @cached_property
    def archs(self) -> list[str]:
        return self.table.space.format_many(self.table.cells)

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.archs)}

    @cached_property
    def predicted(self) -> np.ndarray:
        return self.predict(self.codes)

    @torch.no_grad()
    def predict(self, z: np.ndarray) -> np.ndarray:
        """The run's predictor at latent codes, as accuracy in percent (it predicts error)."""
        error = self.predictor(torch.as_tensor(np.asarray(z, dtype=np.float32)))
        return 100.0 * (1.0 - error.reshape(-1).numpy())

    @torch.no_grad()
    def decode(self, z: np.ndarray) -> np.ndarray:
        """Table rows of the cells the decoder makes at latent codes."""
        logits = self.gvae.decoder(torch.as_tensor(np.asarray(z, dtype=np.float32)).reshape(-1, self.codes.shape[1]))
        return self.table.rows(self.table.space.decode(logits))

    def nearest(self, row: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The k cells nearest to a cell in the latent space itself (Euclidean), and distances."""
        distance = np.linalg.norm(self.codes - self.codes[row], axis=1)
        distance[row] = np.inf
        rows = np.argsort(distance, kind="stable")[:k]
        return rows, distance[rows]

    def rank(self) -> np.ndarray:
        """1 = best validation accuracy."""
        order = np.argsort(-self.valid, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(1, len(order) + 1)
        return rank


def load_view(run_dir: Path, data_dir=None) -> RunView:
    run_dir = Path(run_dir)
    for name in ("config.json", "summary.json", "gvae.pt", "predictor.pt", "latent.npz"):
        if not (run_dir / name).exists():
            raise CRLSOError(f"{run_dir} is not a trained run: {name} is missing. Train it again or delete it on the Runs page.")
    config = RunConfig.from_dict(read_json(run_dir / "config.json"))
    prepare_torch()
    table = load_table(config.space, data_dir)
    trained = load_trained(run_dir, config, table, torch.device("cpu"))  # views are small: the CPU answers fastest
    return RunView(run_dir, config, read_json(run_dir / "summary.json"), table, trained.gvae, trained.predictor, trained.mu.numpy())


# --- pairs ---------------------------------------------------------------------------------


@dataclass
class Pair:
    """The LS and CR-LS runs trained together (a run trained alone is a pair of one)."""

    name: str
    runs: dict[str, dict] = field(default_factory=dict)  # side -> index row

    @property
    def sides(self) -> list[str]:
        return [s for s in ("ls", "crls") if s in self.runs]

    def path(self, side: str) -> Path:
        return Path(self.runs[side]["path"])

    @property
    def dataset(self) -> str:
        return next(iter(self.runs.values()))["dataset"]


def list_pairs(root: Path) -> list[Pair]:
    """Pairs of the runs indexed under root, newest first."""
    pairs: dict[str, Pair] = {}
    for row in list_runs(Path(root)):
        summary = _summary_of(row)
        name = summary.get("pair") or row["name"]
        side = summary.get("side") or ("crls" if summary.get("latent_regularised", True) else "ls")
        pairs.setdefault(name, Pair(name)).runs.setdefault(side, row)
    return list(pairs.values())


def _summary_of(row: dict) -> dict:
    try:
        return json.loads(row.get("summary") or "{}")
    except ValueError:
        return {}


# --- search results ------------------------------------------------------------------------


def best_so_far(values: np.ndarray) -> np.ndarray:
    return np.maximum.accumulate(np.asarray(values, dtype=np.float64)) if len(values) else np.zeros(0)


@dataclass
class Curve:
    label: str
    valid: np.ndarray  # best-so-far validation accuracy after each query
    test: np.ndarray  # test accuracy of the best-so-far-by-validation cell


def query_curve(table: BenchmarkTable, dataset: str, rows: list[dict], label: str) -> Curve:
    valid = np.array([float(r["valid_acc"]) for r in rows])
    test_all = table.test[dataset]
    test, best, best_test = [], -np.inf, np.nan
    for r, v in zip(rows, valid):
        if v > best:
            best, best_test = v, float(test_all[table.row(table.space.parse(r["arch"]))])
        test.append(best_test)
    return Curve(label, best_so_far(valid), np.array(test))


def run_curves(run_dir: Path, table: BenchmarkTable, dataset: str, label: str = "CR-LSO", prefix: str = "") -> list[Curve]:
    """The latent search's curve (labelled set included: those queries were paid for) and
    any baselines' run beside it (labelled `prefix` + their name)."""
    run_dir = Path(run_dir)
    curves = []
    summary = summary_or_none(run_dir) or {}
    if summary.get("status") == "complete" and (run_dir / "queries.csv").exists():
        curves.append(query_curve(table, dataset, read_csv(run_dir / "queries.csv"), label))
    for path in sorted((run_dir / "baselines").glob("*.csv")):
        curves.append(query_curve(table, dataset, read_csv(path), prefix + BASELINE_LABELS.get(path.stem, path.stem)))
    return curves


@dataclass
class Trajectory:
    start_arch: str
    steps: list[dict]  # the rows of trajectories.csv for this start, in order


def trajectories(run_dir: Path) -> list[Trajectory]:
    """The search's proposals grouped by the start they stepped from, in search order."""
    path = Path(run_dir) / "trajectories.csv"
    if not path.exists():
        return []
    grouped: dict[str, list[dict]] = {}
    for row in read_csv(path):
        row["queried"] = row["queried"] == "True"
        for key in ("round", "attempt"):
            row[key] = int(row[key])
        for key in ("eta", "pred_acc", "pred_acc_z"):
            row[key] = float(row[key])
        row["valid_acc"] = float(row["valid_acc"]) if row["valid_acc"] not in ("", "None") else None
        grouped.setdefault(row["start_arch"], []).append(row)
    return [Trajectory(start, steps) for start, steps in grouped.items()]


def optimum(table: BenchmarkTable, dataset: str) -> tuple[float, float]:
    """The validation optimum and its cell's test accuracy."""
    row = int(np.argmax(table.valid[dataset]))
    return float(table.valid[dataset][row]), float(table.test[dataset][row])


def summary_or_none(run_dir: Path) -> Optional[dict]:
    try:
        return read_json(Path(run_dir) / "summary.json")
    except CRLSOError:
        return None
