"""The model store: the trained networks and latent codes of a run folder, saved as state
dicts and .npz and loaded without ever unpickling (a run folder may come from anyone).

Loading trusts no number in a file: a state dict must fit the network its validated
config describes, and an .npz the shapes the config allows, both checked on the files'
headers before anything is read into memory."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from crlso_core.catalog.config import RunConfig
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import require_regular, write_bytes_atomic
from crlso_core.models import GVAE
from crlso_core.models.build import gvae_for, latent_predictor
from crlso_core.spaces.base import SearchSpace
from crlso_core.store import folder as run_files
from crlso_core.store.arrays import Array, read_npz, text
from crlso_core.store.folder import RunFolder
from crlso_core.store.pool import CellPool

MAX_POOL = 5_000_000  # cells a latent.npz may hold when its run is not known (NB101's whole space is 423,624)
MAX_ARCH_CHARS = 4096  # characters of one cell string, for a space not listed in CELL_CHARS
MAX_LATENT_BYTES = 2 * 2**30  # NB101's whole space at latent 64 is about 0.3 GB
MAX_WIDTH = 4096  # latent size when the config is not known (a config allows 512)
# The longest cell string each space's format() writes (tests/store/test_models.py checks
# them against the spaces): a latent.npz whose strings are longer is not that space's.
CELL_CHARS = {"nb201": 95, "nb101": 162, "nb301": 418}
LATENT_ADVICE = "train the run again"


def state_bytes(module: torch.nn.Module) -> bytes:
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.getvalue()


def save_state(path: Path, module: torch.nn.Module) -> None:
    write_bytes_atomic(path, state_bytes(module))


def _unpacked_bytes(path: Path) -> int:
    """What a zip-format .pt unpacks to, read from its directory, not by unpacking it."""
    require_regular(path)  # a pipe named gvae.pt would block the load forever
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


def load_state(path: Path, module: torch.nn.Module) -> torch.nn.Module:
    """Load a state dict into `module` with weights_only=True (no code runs), after checking
    that the file cannot unpack to more than the module's own weights (and some slack)."""
    expected = sum(t.numel() * t.element_size() for t in module.state_dict().values())
    try:
        if _unpacked_bytes(path) > 2 * expected + 2**20:
            raise CRLSOError(f"{path} holds far more than the network its config describes; it is not this run's model.")
        state = torch.load(path, map_location="cpu", weights_only=True)
        module.load_state_dict(state)
    except CRLSOError:
        raise
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: the run has no trained model there.") from None
    except Exception as exc:  # not a zip, unpickling refused, wrong shapes, truncated files
        raise CRLSOError(f"{path} could not be loaded as a model state ({type(exc).__name__}: {str(exc)[:160]}).") from None
    return module


def latent_bytes(archs: list[str], mu: torch.Tensor) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, arch=np.array(archs), mu=mu.numpy().astype(np.float32))
    return buffer.getvalue()


def save_latent(path: Path, archs: list[str], mu: torch.Tensor) -> None:
    write_bytes_atomic(path, latent_bytes(archs, mu))


def cell_chars(space: str) -> int:
    """The most characters a cell string of this space has."""
    return CELL_CHARS.get(space, MAX_ARCH_CHARS)


def pool_limit(config: RunConfig, space: SearchSpace) -> int:
    """The most cells a run of this config can have in its pool: its configured size (else
    its space's default, else the whole space) plus the labelled cells, added when missing."""
    from crlso_core.catalog.registry import get_spec

    size = config.pool or get_spec(config.space).pool_size or space.size or MAX_POOL
    return min(size, MAX_POOL) + config.labelled


def latent_arrays(width: int | None = None, chars: int = MAX_ARCH_CHARS) -> dict[str, Array]:
    """What a latent.npz holds: one cell string per pool cell, and its code."""
    return {"arch": Array("U", ("cells",), text(chars)), "mu": Array("f", ("cells", width or "width"))}


def load_latent(path: Path, width: int | None = None, cells: int = MAX_POOL, chars: int = MAX_ARCH_CHARS) -> tuple[list[str], np.ndarray]:
    """The pool's cell strings and their codes. What the file may hold (at most `cells`
    strings of `chars` characters, codes of `width`, the config's latent size, when given)
    is checked on its headers before any array is read (store/arrays.py)."""
    arrays = latent_arrays(width, chars)
    limit = min(MAX_LATENT_BYTES, cells * (text(chars) + 8 * (width or MAX_WIDTH)))
    try:
        claim = f"one code{f' of width {width}' if width else ''} per cell string"
        data = read_npz(path, arrays, {"cells": cells, "width": MAX_WIDTH}, limit, claim, LATENT_ADVICE)
        archs, mu = data["arch"].tolist(), data["mu"].astype(np.float32)  # the shipped examples keep float16
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: the run has no latent codes yet.") from None
    if not np.isfinite(mu).all():
        raise CRLSOError(f"{path} holds codes that are not finite numbers; {LATENT_ADVICE}.")
    return archs, mu


@dataclass
class Trained:
    gvae: GVAE
    predictor: nn.Module  # what the search starts from: the joint ICNN, or one fitted afterwards
    pool: CellPool  # the cells the G-VAE trained on, in the order of mu
    mu: torch.Tensor  # latent code of every pool cell


def load_trained(run_dir: Path, config: RunConfig, space: SearchSpace, device) -> Trained:
    folder = RunFolder(run_dir)
    gvae = load_state(folder.file(run_files.GVAE), gvae_for(config.gvae, space)).to(device).eval()
    predictor = load_state(folder.file(run_files.PREDICTOR), latent_predictor(config.search.predictor, config.gvae)).to(device).eval()
    archs, mu = load_latent(folder.file(run_files.LATENT), config.gvae.latent, pool_limit(config, space), cell_chars(config.space))
    try:
        pool = CellPool.from_archs(space, archs)
    except CRLSOError as exc:
        raise CRLSOError(f"{folder.file(run_files.LATENT)} holds a cell that is not a {space.title} cell ({exc})") from None
    return Trained(gvae, predictor, pool, torch.from_numpy(mu))
