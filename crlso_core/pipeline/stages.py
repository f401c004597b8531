"""The stages of a CR-LSO run, each a function of the previous ones' results: draw and
query the labelled set, build the pool, train the teacher, train the latent space, fit the
search's predictor, measure Kendall tau, search. pipeline/run.py strings them into a run folder;
bench/methods.py shares them between the methods of one bench group."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
from torch import nn

from crlso_core.benchmarks.base import Benchmark, Oracle
from crlso_core.catalog.config import RunConfig
from crlso_core.catalog.methods import latent_method_name
from crlso_core.catalog.registry import get_spec
from crlso_core.common.progress import report
from crlso_core.models import GVAE
from crlso_core.models.build import latent_predictor
from crlso_core.models.training import (
    AdamSettings,
    encode_all,
    fit_latent_predictor,
    kendall_tau,
    predict_graphs,
    reconstruction_accuracy,
    small_work_threads,
    train_gvae,
    train_teacher,
)
from crlso_core.search.crlso import CRLSOSearch
from crlso_core.search.latent import LatentCodes
from crlso_core.store.pool import CellPool, build_pool
from crlso_core.store.records import TrajectoryStep


def draw_labelled(config: RunConfig, benchmark: Benchmark) -> tuple[Oracle, list, np.ndarray]:
    """The labelled set, drawn at random from the run's seed among the cells the benchmark
    can answer; its labels cost queries. Accuracy comes back as fractions."""
    oracle = Oracle(benchmark, config.dataset, config.budget)
    labelled = benchmark.sample(np.random.default_rng(config.seed), config.labelled)
    accuracy = np.array([oracle.query(c, "labelled") for c in labelled]) / 100.0
    return oracle, labelled, accuracy


def labelled_oracle(benchmark: Benchmark, dataset: str, budget: int, labelled: list) -> Oracle:
    """A fresh oracle for a search that starts from a labelled set paid for earlier (in
    training, or by another method of the bench): its cells queried again, in order, as
    "labelled", so they count against the budget and are never queried twice."""
    oracle = Oracle(benchmark, dataset, budget)
    for cell in labelled:
        oracle.query(cell, "labelled")
    return oracle


def run_pool(config: RunConfig, benchmark: Benchmark, labelled: list) -> CellPool:
    """The run's pool: its configured size, else its space's default (see crlso_core.store.pool)."""
    size = config.pool if config.pool is not None else get_spec(config.space).pool_size
    return build_pool(benchmark, size, config.seed, include=labelled)


@dataclass
class TeacherStage:
    teacher: nn.Module  # the network the teacher settings name (models/build.py teacher_for)
    pseudo: np.ndarray  # accuracy (fraction) of every pool cell, predicted (true where labelled with keep_true_labels)
    labelled_rows: np.ndarray  # pool rows of the labelled cells
    seconds: float


def teacher_stage(config, pool: CellPool, labelled, accuracy, device, generator, progress=None) -> TeacherStage:
    t0 = time.perf_counter()
    with small_work_threads(device):
        teacher = train_teacher(pool.space, labelled, accuracy, config.teacher, device, generator, progress)
    pseudo = predict_graphs(teacher, pool.space.graph_batch(pool.cells), device)
    rows = pool.rows(labelled)
    if config.teacher.keep_true_labels:
        pseudo[rows] = accuracy  # true labels where we paid for them (the authors' code keeps the teacher's)
    return TeacherStage(teacher, pseudo, rows, time.perf_counter() - t0)


@dataclass
class LatentStage:
    gvae: GVAE
    icnn: Optional[nn.Module]  # the jointly trained ICNN; None for the unregularised latent
    mu: torch.Tensor  # [pool, latent]
    recon_acc: float  # share of pool cells decoded back exactly
    history: list
    seconds: float
    recon_heldout: Optional[float] = None  # the same on random cells outside the pool; None when the pool is the space


HELDOUT_CELLS, _HELDOUT_STREAM = 2_000, 104_729


def heldout_cells(pool: CellPool, seed: int) -> list:
    """Random cells the G-VAE never saw (none when the pool holds the whole space): a latent
    search decodes points between codes, so decoding must generalise beyond the pool."""
    space = pool.space
    if space.size is not None and space.size - len(pool) < HELDOUT_CELLS:
        return []
    rng = np.random.default_rng([seed, _HELDOUT_STREAM])
    drawn = space.sample(rng, 2 * HELDOUT_CELLS)
    fresh = [c for c, row in zip(drawn, pool.rows(drawn)) if row < 0]
    return fresh[:HELDOUT_CELLS]


CHECK = "check"  # the stage after the G-VAE's epochs: codes, reconstruction, the search's predictor, saving


def check_steps(config) -> int:
    """Steps of the check stage: encode the pool, reconstruct it, reconstruct held-out cells,
    then one per epoch of the predictor fitted afterwards (when the search does not use the
    joint ICNN), and the Kendall taus and saving."""
    fitted = 0 if (config.gvae.icnn and config.search.predictor == "icnn") else config.gvae.epochs
    return 3 + fitted + 1


def latent_stage(config, pool: CellPool, pseudo, device, generator, progress=None) -> LatentStage:
    """Joint G-VAE + ICNN training over every pool cell (G-VAE alone when config.gvae.icnn is off);
    the check stage's first steps (codes, reconstruction) follow the epochs' bar."""
    t0 = time.perf_counter()
    space, total = pool.space, check_steps(config)
    batch, targets = space.graph_batch(pool.cells), space.targets(pool.cells)
    joint = train_gvae(space, batch, targets, 1.0 - pseudo if config.gvae.icnn else None, config.gvae, device, generator, progress)
    report(progress, CHECK, 0, total)
    mu = encode_all(joint.gvae, batch, device)
    report(progress, CHECK, 1, total)
    recon = reconstruction_accuracy(space, joint.gvae, mu, targets, device)
    report(progress, CHECK, 2, total)
    unseen, heldout = heldout_cells(pool, config.seed), None
    if unseen:
        unseen_batch = space.graph_batch(unseen)
        heldout = reconstruction_accuracy(space, joint.gvae, encode_all(joint.gvae, unseen_batch, device), space.targets(unseen), device)
    report(progress, CHECK, 3, total)
    return LatentStage(joint.gvae, joint.icnn, mu, recon, joint.history, time.perf_counter() - t0, heldout)


def search_predictor(config, latent: LatentStage, pseudo, device, generator, progress=None) -> nn.Module:
    """The joint ICNN when there is one and the search wants an ICNN; otherwise a predictor
    of the wanted kind fitted on the frozen latent codes with the same pseudo-labels (its
    epochs move the check stage's bar)."""
    if latent.icnn is not None and config.search.predictor == "icnn":
        return latent.icnn
    g, total = config.gvae, check_steps(config)
    return fit_latent_predictor(
        latent_predictor(config.search.predictor, config.gvae).to(device), latent.mu, torch.as_tensor(1.0 - pseudo, dtype=torch.float32),
        g.epochs, g.lr, g.batch_size, config.search.z_noise, config.search.label_noise, device, generator,
        on_epoch=lambda done: report(progress, CHECK, 3 + done, total),
        adam=AdamSettings(tuple(g.betas), g.weight_decay, g.lr_min),  # as the joint ICNN learns
    )


def kendall_taus(config, benchmark: Benchmark, pool: CellPool, stage: TeacherStage, predictor, mu, device):
    """Teacher's and predictor's Kendall tau on the pool cells outside the labelled set that
    the benchmark can answer (None when there are too few). Asks the benchmark directly:
    this is reporting, not search."""
    truth = benchmark.valid_accuracy(pool.cells, config.dataset)
    outside = np.setdiff1d(np.arange(len(pool)), stage.labelled_rows)
    outside = outside[np.isfinite(truth[outside])]
    if len(outside) < 2:
        return None, None
    with torch.no_grad():
        predicted = 1.0 - predictor(mu.to(device)).cpu().numpy()
    return kendall_tau(stage.pseudo[outside], truth[outside]), kendall_tau(predicted[outside], truth[outside])


def search_stage(
    config, pool: CellPool, gvae, predictor, mu, oracle, device, progress=None, source: Optional[str] = None,
) -> list[TrajectoryStep]:
    generator = torch.Generator().manual_seed(config.seed * 1000 + 1)  # search has its own stream
    codes = LatentCodes.from_pool(pool.space, gvae, device, pool.cells, mu)
    with small_work_threads(device):
        return CRLSOSearch(pool.space, codes, predictor, oracle, config.search, device, generator,
                           source or latent_method_name(config.gvae.icnn, config.search.predictor)).run(progress)


def queries_to_best(oracle: Oracle, best) -> int:
    """How many queries it took to first see the final best cell."""
    arch = oracle.space.format(best)
    return 1 + next(i for i, q in enumerate(oracle.history) if q.arch == arch)
