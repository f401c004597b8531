"""The model store: the trained networks and latent codes of a run folder, saved as state
dicts and .npz and loaded without ever unpickling (a run folder may come from anyone)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .config import RunConfig
from .errors import CRLSOError
from .files import write_bytes_atomic
from .models import GVAE
from .pool import CellPool
from .spaces.base import SearchSpace
from .training import make_predictor


def save_state(path: Path, module: torch.nn.Module) -> None:
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    write_bytes_atomic(path, buffer.getvalue())


def load_state(path: Path, module: torch.nn.Module) -> torch.nn.Module:
    """Load a state dict with weights_only=True: a run folder may come from anyone."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        module.load_state_dict(state)
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: the run has no trained model there.") from None
    except Exception as exc:  # unpickling errors, wrong shapes, truncated files
        raise CRLSOError(f"{path} could not be loaded as a model state ({type(exc).__name__}: {exc}).") from None
    return module


def save_latent(path: Path, archs: list[str], mu: torch.Tensor) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, arch=np.array(archs), mu=mu.numpy().astype(np.float32))
    write_bytes_atomic(path, buffer.getvalue())


def load_latent(path: Path) -> tuple[list[str], np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return data["arch"].tolist(), data["mu"]
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: the run has no latent codes yet.") from None
    except Exception as exc:
        raise CRLSOError(f"{path} is corrupt ({type(exc).__name__}: {exc}).") from None


def gvae_for(config: RunConfig, space: SearchSpace) -> GVAE:
    g = config.gvae
    return GVAE(space.node_features, space.edge_features, space.decoder_output_dim, g.latent, g.hidden, g.layers, g.decoder_blocks)


def predictor_for(config: RunConfig) -> nn.Module:
    g = config.gvae
    return make_predictor(config.search.predictor, g.latent, g.icnn_hidden, g.icnn_layers)


@dataclass
class Trained:
    gvae: GVAE
    predictor: nn.Module  # what the search starts from: the joint ICNN, or one fitted afterwards
    pool: CellPool  # the cells the G-VAE trained on, in the order of mu
    mu: torch.Tensor  # latent code of every pool cell


def load_trained(run_dir: Path, config: RunConfig, space: SearchSpace, device) -> Trained:
    gvae = load_state(run_dir / "gvae.pt", gvae_for(config, space)).to(device).eval()
    predictor = load_state(run_dir / "predictor.pt", predictor_for(config)).to(device).eval()
    archs, mu = load_latent(run_dir / "latent.npz")
    if len(archs) != len(mu) or mu.ndim != 2 or mu.shape[1] != config.gvae.latent:
        raise CRLSOError(f"{run_dir / 'latent.npz'} holds {len(archs)} cells and codes of shape {mu.shape}; "
                         f"the run's config says latent size {config.gvae.latent}. Train the run again.")
    try:
        pool = CellPool.from_archs(space, archs)
    except CRLSOError as exc:
        raise CRLSOError(f"{run_dir / 'latent.npz'} holds a cell that is not a {space.title} cell ({exc})") from None
    return Trained(gvae, predictor, pool, torch.from_numpy(mu))
