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
from crlso_core.common.files import array_bytes, npz_headers, require_regular, write_bytes_atomic
from crlso_core.models import GVAE
from crlso_core.models.build import gvae_for, latent_predictor
from crlso_core.spaces.base import SearchSpace
from crlso_core.store import folder as files
from crlso_core.store.folder import RunFolder
from crlso_core.store.pool import CellPool

MAX_POOL = 5_000_000  # cells a latent.npz may hold (NB101's whole space is 423,624)
MAX_ARCH_CHARS = 4096  # characters of one cell string
MAX_LATENT_BYTES = 2 * 2**30  # NB101's whole space at latent 64 is about 0.3 GB


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


def load_latent(path: Path, width: int | None = None) -> tuple[list[str], np.ndarray]:
    """The pool's cell strings and their codes; the shapes are checked on the headers (and
    `width`, the config's latent size, when given) before any array is read."""
    try:
        headers = npz_headers(path)
        (arch_shape, arch_type), (mu_shape, mu_type) = headers["arch"], headers["mu"]
        rows = arch_shape[0] if len(arch_shape) == 1 else -1
        if not (0 < rows <= MAX_POOL and arch_type.kind == "U" and arch_type.itemsize <= 4 * MAX_ARCH_CHARS
                and mu_shape[:1] == (rows,) and len(mu_shape) == 2 and mu_type.kind == "f" and mu_type.itemsize <= 8
                and (width is None or mu_shape[1] == width) and 0 < mu_shape[1] <= 4096
                and array_bytes(arch_shape, arch_type) + array_bytes(mu_shape, mu_type) <= MAX_LATENT_BYTES):
            expect = f" of width {width}" if width is not None else ""
            raise CRLSOError(f"{path} does not hold one code{expect} per cell string (cells {arch_shape}, codes {mu_shape}); "
                             "train the run again.")
        with np.load(path, allow_pickle=False) as data:
            archs, mu = data["arch"].tolist(), data["mu"].astype(np.float32)  # the shipped examples keep float16
    except CRLSOError:
        raise
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: the run has no latent codes yet.") from None
    except Exception as exc:
        raise CRLSOError(f"{path} is corrupt ({type(exc).__name__}: {str(exc)[:160]}).") from None
    if not np.isfinite(mu).all():
        raise CRLSOError(f"{path} holds codes that are not finite numbers; train the run again.")
    return archs, mu


@dataclass
class Trained:
    gvae: GVAE
    predictor: nn.Module  # what the search starts from: the joint ICNN, or one fitted afterwards
    pool: CellPool  # the cells the G-VAE trained on, in the order of mu
    mu: torch.Tensor  # latent code of every pool cell


def load_trained(run_dir: Path, config: RunConfig, space: SearchSpace, device) -> Trained:
    folder = RunFolder(run_dir)
    gvae = load_state(folder.file(files.GVAE), gvae_for(config.gvae, space)).to(device).eval()
    predictor = load_state(folder.file(files.PREDICTOR), latent_predictor(config.search.predictor, config.gvae)).to(device).eval()
    archs, mu = load_latent(folder.file(files.LATENT), config.gvae.latent)
    try:
        pool = CellPool.from_archs(space, archs)
    except CRLSOError as exc:
        raise CRLSOError(f"{folder.file(files.LATENT)} holds a cell that is not a {space.title} cell ({exc})") from None
    return Trained(gvae, predictor, pool, torch.from_numpy(mu))
