"""One CR-LSO run end to end: label a random set, train the teacher, train the G-VAE with
the ICNN over every cell, search, report. `train_run` and `search_run` do one half each;
the CLI and the app call these, nothing else."""

from __future__ import annotations

import platform
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from torch import nn

from .benchmarks import BenchmarkTable, Oracle, load_table
from .config import RunConfig
from .errors import CRLSOError
from .files import uninterrupted
from .models import GNNPredictor, GVAE
from .progress import ProgressFn, report
from .runs import (
    claim_run_dir, index_run, load_latent, load_state, read_csv, read_json, save_latent, save_state,
    write_csv, write_json,
)
from .search.baselines import BASELINES
from .search.crlso import CRLSOSearch, Step
from .search.latent import LatentCodes
from .spaces.base import SearchSpace
from .training import (
    encode_all, fit_latent_predictor, kendall_tau, make_predictor, predict_graphs, prepare_torch,
    reconstruction_accuracy, resolve_device, small_work_threads, seed_everything, train_gvae, train_teacher,
)

QUERY_COLUMNS = ["order", "arch", "valid_acc", "source"]
STEP_COLUMNS = list(Step.__dataclass_fields__)


@dataclass
class Trained:
    gvae: GVAE
    predictor: nn.Module  # what the search starts from: the joint ICNN, or one fitted afterwards
    mu: torch.Tensor  # latent code of every table cell, table order


def _gvae_for(config: RunConfig, space: SearchSpace) -> GVAE:
    g = config.gvae
    return GVAE(space.node_features, space.edge_features, space.decoder_output_dim, g.latent, g.hidden, g.layers, g.decoder_blocks)


def _predictor_for(config: RunConfig) -> nn.Module:
    g = config.gvae
    return make_predictor(config.search.predictor, g.latent, g.icnn_hidden, g.icnn_layers)


def _base_summary(config: RunConfig, device: torch.device) -> dict:
    return {
        "space": config.space, "dataset": config.dataset, "preset": config.preset, "seed": config.seed,
        "budget": config.budget, "labelled": config.labelled, "device": str(device),
        "latent_regularised": config.gvae.icnn, "predictor": config.search.predictor, "rule": config.search.rule,
        "created": time.time(), "torch": torch.__version__, "machine": platform.machine(),
    }


def train_run(
    config: RunConfig, out: Path, data_dir=None, progress: Optional[ProgressFn] = None, labels: Optional[dict] = None,
) -> dict:
    """Train into a new run folder; its summary says status "trained". `labels` (such as
    the pair a run belongs to) are stored in the summary."""
    config.validate()
    device = resolve_device(config.device)
    prepare_torch()
    table = load_table(config.space, data_dir)
    table.check_dataset(config.dataset)
    out = claim_run_dir(Path(out))
    staging = out.with_name(f".{out.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        summary = _train_into(config, table, device, staging, progress, labels or {})
        with uninterrupted():
            for item in staging.iterdir():  # move finished files in; the folder is whole or empty
                item.replace(out / item.name)
            staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not any(out.iterdir()):
            out.rmdir()  # nothing of a failed or cancelled run is left behind
        raise
    index_run(out, summary)
    return summary


def draw_labelled(config: RunConfig, table: BenchmarkTable) -> tuple[Oracle, list, np.ndarray]:
    """The labelled set, drawn at random from the run's seed; its labels cost queries."""
    oracle = Oracle(table, config.dataset, config.budget)
    labelled = table.space.sample(np.random.default_rng(config.seed), config.labelled)
    accuracy = np.array([oracle.query(c, "labelled") for c in labelled]) / 100.0
    return oracle, labelled, accuracy


@dataclass
class TeacherStage:
    teacher: GNNPredictor
    pseudo: np.ndarray  # accuracy (fraction) of every table cell: true where labelled, else predicted
    labelled_rows: np.ndarray
    seconds: float


def teacher_stage(config, table, labelled, accuracy, device, generator, progress=None) -> TeacherStage:
    t0 = time.perf_counter()
    with small_work_threads(device):
        teacher = train_teacher(table.space, labelled, accuracy, config.teacher, device, generator, progress)
    pseudo = predict_graphs(teacher, table.space.graph_batch(table.cells), device)
    rows = table.rows(labelled)
    pseudo[rows] = accuracy  # true labels where we paid for them
    return TeacherStage(teacher, pseudo, rows, time.perf_counter() - t0)


@dataclass
class LatentStage:
    gvae: GVAE
    icnn: Optional[nn.Module]  # the jointly trained ICNN; None for the unregularised latent
    mu: torch.Tensor
    recon_acc: float
    history: list
    seconds: float


def latent_stage(config, table, pseudo, device, generator, progress=None) -> LatentStage:
    """Joint G-VAE + ICNN training over every cell (G-VAE alone when config.gvae.icnn is off)."""
    t0 = time.perf_counter()
    space = table.space
    batch, targets = space.graph_batch(table.cells), space.targets(table.cells)
    joint = train_gvae(space, batch, targets, 1.0 - pseudo if config.gvae.icnn else None, config.gvae, device, generator, progress)
    mu = encode_all(joint.gvae, batch, device)
    recon = reconstruction_accuracy(space, joint.gvae, mu, targets, device)
    return LatentStage(joint.gvae, joint.icnn, mu, recon, joint.history, time.perf_counter() - t0)


def search_predictor(config, latent: LatentStage, pseudo, device, generator) -> nn.Module:
    """The joint ICNN when there is one and the search wants an ICNN; otherwise a predictor
    of the wanted kind fitted on the frozen latent codes with the same pseudo-labels."""
    if latent.icnn is not None and config.search.predictor == "icnn":
        return latent.icnn
    g = config.gvae
    return fit_latent_predictor(
        _predictor_for(config).to(device), latent.mu, torch.as_tensor(1.0 - pseudo, dtype=torch.float32),
        g.epochs, g.lr, g.batch_size, config.search.z_noise, config.search.label_noise, device, generator,
    )


def kendall_taus(config, table, stage: TeacherStage, predictor, mu, device) -> tuple[float, float]:
    """Teacher's and predictor's Kendall tau on the cells outside the labelled set. Reads the
    table directly: this is reporting, not search."""
    truth = table.valid[config.dataset]
    outside = np.setdiff1d(np.arange(len(table)), stage.labelled_rows)
    with torch.no_grad():
        predicted = 1.0 - predictor(mu.to(device)).cpu().numpy()
    return kendall_tau(stage.pseudo[outside], truth[outside]), kendall_tau(predicted[outside], truth[outside])


def search_stage(config, table, gvae, predictor, mu, oracle, device, progress=None) -> list[Step]:
    generator = torch.Generator().manual_seed(config.seed * 1000 + 1)  # search has its own stream
    codes = LatentCodes.from_table(table.space, gvae, device, table.cells, mu)
    with small_work_threads(device):
        return CRLSOSearch(table.space, codes, predictor, oracle, config.search, device, generator).run(progress)


def _train_into(config: RunConfig, table: BenchmarkTable, device, folder: Path, progress, labels: dict) -> dict:
    generator = seed_everything(config.seed)
    write_json(folder / "config.json", config.to_dict())
    oracle, labelled, accuracy = draw_labelled(config, table)
    teacher = teacher_stage(config, table, labelled, accuracy, device, generator, progress)
    t0 = time.perf_counter()
    latent = latent_stage(config, table, teacher.pseudo, device, generator, progress)
    predictor = search_predictor(config, latent, teacher.pseudo, device, generator)
    latent_seconds = time.perf_counter() - t0
    teacher_tau, predictor_tau = kendall_taus(config, table, teacher, predictor, latent.mu, device)
    summary = _base_summary(config, device)
    summary.update(
        **labels, status="trained", recon_acc=latent.recon_acc, teacher_kendall_tau=teacher_tau,
        icnn_kendall_tau=predictor_tau, queries_used=oracle.used, final_losses=latent.history[-1],
        wall_s={"teacher": round(teacher.seconds, 2), "gvae": round(latent_seconds, 2)},
    )
    save_state(folder / "teacher.pt", teacher.teacher)
    save_state(folder / "gvae.pt", latent.gvae)
    save_state(folder / "predictor.pt", predictor)
    save_latent(folder / "latent.npz", table.space.format_many(table.cells), latent.mu)
    _write_queries(folder, oracle)
    write_json(folder / "summary.json", summary)
    return summary


def _write_queries(folder: Path, oracle: Oracle, name: str = "queries.csv") -> None:
    rows = [{"order": i, "arch": q.arch, "valid_acc": q.valid_acc, "source": q.source} for i, q in enumerate(oracle.history)]
    write_csv(folder / name, rows, QUERY_COLUMNS)


def _queries_to_best(oracle: Oracle, best) -> int:
    """How many queries it took to first see the final best cell."""
    arch = oracle.table.space.format(best)
    return 1 + next(i for i, q in enumerate(oracle.history) if q.arch == arch)


def load_trained(run_dir: Path, config: RunConfig, table: BenchmarkTable, device) -> Trained:
    gvae = load_state(run_dir / "gvae.pt", _gvae_for(config, table.space)).to(device).eval()
    predictor = load_state(run_dir / "predictor.pt", _predictor_for(config)).to(device).eval()
    archs, mu = load_latent(run_dir / "latent.npz")
    if len(archs) != len(table):
        raise CRLSOError(f"{run_dir / 'latent.npz'} holds {len(archs)} codes, the table {len(table)} cells.")
    return Trained(gvae, predictor, torch.from_numpy(mu))


def search_run(
    run_dir: Path, data_dir=None, budget: Optional[int] = None, rule: Optional[str] = None,
    progress: Optional[ProgressFn] = None,
) -> dict:
    """Search from a trained run, replacing any earlier search results in it."""
    run_dir = Path(run_dir)
    config = RunConfig.from_dict(read_json(run_dir / "config.json"))
    if budget is not None:
        config.budget = budget
    if rule is not None:
        config.search.rule = rule
    config.validate()
    summary = read_json(run_dir / "summary.json")
    device = resolve_device(config.device)
    prepare_torch()
    table = load_table(config.space, data_dir)
    trained = load_trained(run_dir, config, table, device)
    space = table.space
    oracle = Oracle(table, config.dataset, config.budget)
    for row in read_csv(run_dir / "queries.csv"):  # the labelled set was paid for in training
        if row["source"] == "labelled":
            oracle.query(space.parse(row["arch"]), "labelled")

    t0 = time.perf_counter()
    steps = search_stage(config, table, trained.gvae, trained.predictor, trained.mu, oracle, device, progress)
    wall = time.perf_counter() - t0

    best, best_valid = oracle.best()
    optimum = float(table.valid[config.dataset].max())
    summary.update(
        status="complete", budget=config.budget, rule=config.search.rule, queries_used=oracle.used,
        best_arch=space.format(best), best_valid_acc=best_valid, best_test_acc=oracle.test_accuracy(best),
        valid_optimum=optimum, found_valid_optimum=bool(best_valid >= optimum),
        queries_to_best=_queries_to_best(oracle, best),
        search_steps=len(steps), device=str(device),
    )
    summary["wall_s"] = {**summary.get("wall_s", {}), "search": round(wall, 2)}
    summary["wall_s"]["total"] = round(sum(v for k, v in summary["wall_s"].items() if k != "total"), 2)
    with uninterrupted():
        save_state(run_dir / "predictor_search.pt", trained.predictor)
        write_csv(run_dir / "trajectories.csv", (s.as_row() for s in steps), STEP_COLUMNS)
        _write_queries(run_dir, oracle)
        write_json(run_dir / "config.json", config.to_dict())
        write_json(run_dir / "summary.json", summary)  # last: a run is complete once this says so
        index_run(run_dir, summary)
    return summary


def full_run(config: RunConfig, out: Path, data_dir=None, progress: Optional[ProgressFn] = None) -> dict:
    train_run(config, out, data_dir, progress)
    return search_run(Path(out), data_dir, progress=progress)


# --- the pair the paper compares, and baselines beside a run ------------------------------

PAIR_SIDES = ("ls", "crls")  # unregularised latent, convexity-regularised latent


def pair_config(config: RunConfig, side: str) -> RunConfig:
    """The LS side trains the G-VAE alone and searches with an unconstrained MLP fitted on its
    codes (the paper's plain LSO); the CR-LS side trains G-VAE and ICNN jointly."""
    if side not in PAIR_SIDES:
        raise CRLSOError(f"A pair side is ls or crls, got {side!r}.")
    twin = RunConfig.from_dict(config.to_dict())
    twin.gvae.icnn = side == "crls"
    twin.search.predictor = "icnn" if side == "crls" else "mlp"
    return twin


def train_pair(
    config: RunConfig, root: Path, name: str, data_dir=None, progress: Optional[ProgressFn] = None, sides=PAIR_SIDES,
) -> dict:
    """Train LS and CR-LS from the same seed into <root>/<name>-ls and <root>/<name>-crls
    (or just the sides asked for)."""
    config.validate()
    if not sides or any(side not in PAIR_SIDES for side in sides):
        raise CRLSOError(f"Sides to train must be among {', '.join(PAIR_SIDES)}, got {', '.join(sides) or 'none'}.")
    summaries = {}
    for side in sides:
        phase = (lambda event, side=side: progress(replace(event, stage=f"{side}:{event.stage}"))) if progress else None
        summaries[side] = train_run(pair_config(config, side), Path(root) / f"{name}-{side}", data_dir, phase, {"pair": name, "side": side})
    return summaries


def baseline_run(run_dir: Path, method: str, budget: int, data_dir=None, progress: Optional[ProgressFn] = None) -> dict:
    """Run a baseline (rs, rea, ls) on the run's dataset and seed with the given budget;
    its queries go to baselines/<method>.csv and its result into the run's summary."""
    if method not in BASELINES:
        raise CRLSOError(f"Unknown baseline {method!r}; choose one of {', '.join(BASELINES)}.")
    run_dir = Path(run_dir)
    config = RunConfig.from_dict(read_json(run_dir / "config.json"))
    summary = read_json(run_dir / "summary.json")
    table = load_table(config.space, data_dir)
    oracle = Oracle(table, config.dataset, budget)
    report(progress, method, 0, budget)
    t0 = time.perf_counter()
    BASELINES[method](table.space, oracle, np.random.default_rng(config.seed))
    best, best_valid = oracle.best()
    result = {
        "budget": budget, "best_arch": table.space.format(best), "best_valid_acc": best_valid,
        "best_test_acc": oracle.test_accuracy(best), "wall_s": round(time.perf_counter() - t0, 2),
        "queries_to_best": _queries_to_best(oracle, best),
    }
    report(progress, method, oracle.used, budget)
    summary.setdefault("baselines", {})[method] = result
    with uninterrupted():
        _write_queries(run_dir, oracle, f"baselines/{method}.csv")
        write_json(run_dir / "summary.json", summary)
        index_run(run_dir, summary)
    return result
