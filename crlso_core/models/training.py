"""Training: the GNN teacher on labelled cells, then the G-VAE jointly with the ICNN over
every cell, the ICNN learning teacher pseudo-labels (true labels where a cell was queried).
The ICNN loss flows back into the encoder: that is the convexity regulariser."""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import torch
from scipy.stats import kendalltau
from torch import Tensor, nn

from crlso_core.catalog.config import GVAEConfig, TeacherConfig
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.progress import ProgressFn, report
from crlso_core.models import GVAE, ICNN, kl_divergence
from crlso_core.models.build import gvae_for, latent_predictor, teacher_for
from crlso_core.models.output_scale import rescale_output_
from crlso_core.spaces.base import Cell, GraphBatch, SearchSpace


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise CRLSOError("--device cuda was asked for, but PyTorch sees no CUDA GPU; use --device auto or cpu.")
    if name not in ("cpu", "cuda"):
        raise CRLSOError(f"Unknown device {quoted(name, 40)}; choose auto, cpu or cuda.")
    return torch.device(name)


def prepare_torch() -> None:
    """Flush denormal floats to zero: trained ICNN/G-VAE weights drift into the denormal
    range, where x86 arithmetic is ~20x slower (the search's fine-tuning ran 4x slower)."""
    torch.set_flush_denormal(True)


@contextmanager
def small_work_threads(device: torch.device):
    """One CPU thread for small networks (teacher, search): thread hand-offs cost more than
    they save there (the ICNN fine-tuning ran 2.4x faster on one thread than on two)."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def seed_everything(seed: int) -> torch.Generator:
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def _cosine(optimiser: torch.optim.Optimizer, steps: int, lr_min: float):
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=max(steps, 1), eta_min=lr_min)


def _batches(n: int, batch_size: int, generator: torch.Generator, device: Optional[torch.device] = None) -> list[Tensor]:
    """An epoch's shuffled index batches (drawn on the CPU generator, so the order is the
    same on every device), moved to `device` in one copy rather than one per step."""
    order = torch.randperm(n, generator=generator)
    return list((order.to(device) if device is not None else order).split(batch_size))


# --- teacher ---------------------------------------------------------------------------


def train_teacher(
    space: SearchSpace,
    cells: Sequence[Cell],
    accuracy: np.ndarray,  # fractions in [0, 1]
    cfg: TeacherConfig,
    device: torch.device,
    generator: torch.Generator,
    progress: Optional[ProgressFn] = None,
) -> nn.Module:
    """Fit the network `cfg.head` names (models/build.py teacher_for) to the labelled cells' accuracies."""
    model = teacher_for(cfg, space).to(device)
    batch = space.graph_batch(cells).to(device)
    target = torch.as_tensor(accuracy, dtype=torch.float32, device=device)
    shift, scale = standardiser(target) if cfg.standardise else (0.0, 1.0)
    target = (target - shift) / scale
    optimiser = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=cfg.betas, foreach=True)
    steps_per_epoch = math.ceil(len(cells) / cfg.batch_size)
    schedule = _cosine(optimiser, cfg.epochs * steps_per_epoch, cfg.lr_min)
    model.train()
    for epoch in range(cfg.epochs):
        total = 0.0
        for idx in _batches(len(cells), cfg.batch_size, generator):
            idx = idx.to(device)
            loss = nn.functional.mse_loss(model(batch.index(idx)), target[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(idx)
        # in squared accuracy whichever scale it trains on, so the curve reads the same either way
        report(progress, "teacher", epoch + 1, cfg.epochs, mse=total / len(cells) * scale**2)
    if cfg.standardise:
        rescale_output_(model.output_layers(), scale, shift)  # predicts accuracies again
    return model.eval()


def standardiser(values: Tensor) -> tuple[float, float]:
    """Mean and standard deviation of labels (scale 1 when they do not vary)."""
    std = float(values.std()) if len(values) > 1 else 0.0
    return float(values.mean()), std if std > 1e-8 else 1.0


@torch.no_grad()
def predict_graphs(model: nn.Module, batch: GraphBatch, device: torch.device, chunk: int = 4096) -> np.ndarray:
    model.eval()
    idx = torch.arange(len(batch))
    out = [model(batch.index(i).to(device)).cpu() for i in idx.split(chunk)]
    return torch.cat(out).numpy()


# --- joint G-VAE + ICNN ---------------------------------------------------------------


@dataclass
class JointResult:
    gvae: GVAE
    icnn: Optional[ICNN]  # None for the unregularised "LS" latent space
    history: list[dict[str, float]]


def joint_step(space: SearchSpace, gvae: GVAE, icnn: Optional[ICNN], params: list, optimiser, graphs: GraphBatch,
               targets: Tensor, err: Optional[Tensor], cfg: GVAEConfig) -> Tensor:
    """One joint G-VAE (+ ICNN) training step; returns the detached [recon, kl, icnn] losses
    on the device, so the loop never waits for the device (no .item() per step)."""
    mu, logvar, z, logits = gvae(graphs, cfg.noise_scale)
    recon = space.reconstruction_loss(logits, targets)
    kl = kl_divergence(mu, logvar, cfg.kl)
    loss = recon + cfg.beta * kl
    fit = torch.zeros((), device=recon.device)
    if icnn is not None:
        fit = nn.functional.mse_loss(icnn(z), err)
        loss = loss + cfg.icnn_weight * fit
    optimiser.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(params, cfg.grad_clip)
    optimiser.step()
    if icnn is not None:
        icnn.clamp_()
    return torch.stack([recon, kl, fit]).detach()


def train_gvae(
    space: SearchSpace,
    batch: GraphBatch,  # every cell of the space
    targets: Tensor,  # space.targets(cells)
    error: Optional[np.ndarray],  # ICNN target per cell (1 - accuracy); None when cfg.icnn is False
    cfg: GVAEConfig,
    device: torch.device,
    generator: torch.Generator,
    progress: Optional[ProgressFn] = None,
) -> JointResult:
    gvae = gvae_for(cfg, space).to(device)
    icnn = latent_predictor("icnn", cfg).to(device) if cfg.icnn else None
    params = list(gvae.parameters()) + (list(icnn.parameters()) if icnn else [])
    optimiser = torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay, foreach=True)
    n = len(batch)
    schedule = _cosine(optimiser, cfg.epochs * math.ceil(n / cfg.batch_size), cfg.lr_min)
    batch, targets = batch.to(device), targets.to(device)
    err = torch.as_tensor(error, dtype=torch.float32, device=device) if icnn is not None else None
    history = []
    for epoch in range(cfg.epochs):
        gvae.train()
        sums = torch.zeros(3, dtype=torch.float64, device=device)  # recon, kl, icnn: read once an epoch, not every step
        for idx in _batches(n, cfg.batch_size, generator, device):
            losses = joint_step(space, gvae, icnn, params, optimiser, batch.index(idx), targets[idx],
                                err[idx] if icnn is not None else None, cfg)
            schedule.step()
            sums += losses.double() * len(idx)
        row = dict(zip(("recon", "kl", "icnn"), (sums / n).tolist()))
        history.append(row)
        report(progress, "gvae", epoch + 1, cfg.epochs, **row)
    gvae.eval()
    return JointResult(gvae, icnn.eval() if icnn else None, history)


@torch.no_grad()
def encode_all(gvae: GVAE, batch: GraphBatch, device: torch.device, chunk: int = 4096) -> Tensor:
    """mu of every graph, on the CPU."""
    gvae.eval()
    out = [gvae.encode(batch.index(i).to(device))[0].cpu() for i in torch.arange(len(batch)).split(chunk)]
    return torch.cat(out)


@torch.no_grad()
def reconstruction_accuracy(space: SearchSpace, gvae: GVAE, mu: Tensor, targets: Tensor, device: torch.device) -> float:
    """Share of cells whose decoded mu is exactly the cell."""
    hits = 0
    for idx in torch.arange(len(mu)).split(4096):
        logits = gvae.decoder(mu[idx].to(device))
        hits += int(space.exact_matches(logits, targets[idx].to(device)).sum())
    return hits / len(mu)


@dataclass(frozen=True)
class AdamSettings:
    """Adam's settings for a predictor fit; the defaults are torch's, at a constant lr."""

    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    lr_min: Optional[float] = None  # cosine floor; None: constant lr


def fit_latent_predictor(
    predictor: nn.Module,
    z: Tensor,
    error: Tensor,
    epochs: int,
    lr: float,
    batch_size: int,
    z_noise: float,
    label_noise: float,
    device: torch.device,
    generator: torch.Generator,
    on_epoch: Optional[Callable[[int], None]] = None,
    adam: Optional[AdamSettings] = None,
) -> nn.Module:
    """Fit f(z) ~ error with small input and label noise (used on a frozen latent space:
    post-hoc for LS, and every search round on the cells queried so far), with a fresh Adam
    each call whose lr follows a cosine over the epochs when `adam.lr_min` is set (the
    authors' refit steps it once an epoch). `on_epoch(done)` hears of each finished epoch."""
    adam = adam or AdamSettings()
    predictor.train()
    optimiser = torch.optim.Adam(predictor.parameters(), lr=lr, betas=adam.betas, weight_decay=adam.weight_decay,
                                 foreach=True)  # foreach: many small tensors
    schedule = _cosine(optimiser, epochs, adam.lr_min) if adam.lr_min is not None else None
    z, error = z.to(device), error.to(device)
    for epoch in range(epochs):
        for idx in _batches(len(z), batch_size, generator):
            idx = idx.to(device)
            zi = z[idx] + z_noise * torch.randn(len(idx), z.shape[1], generator=generator).to(device)
            ei = error[idx] + label_noise * torch.randn(len(idx), generator=generator).to(device)
            loss = nn.functional.mse_loss(predictor(zi), ei)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            predictor.clamp_()
        if schedule is not None:
            schedule.step()
        if on_epoch is not None:
            on_epoch(epoch + 1)
    return predictor.eval()


def kendall_tau(predicted: np.ndarray, true: np.ndarray) -> float:
    return float(kendalltau(predicted, true).statistic)
