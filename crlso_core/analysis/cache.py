"""Projections cached on disk inside a run folder (analysis/<method>-<dims>d.npz), so a
t-SNE or UMAP of 15,625 codes is paid for once per run, not once per page view."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Optional

import numpy as np

from crlso_core.analysis.projections import Projection, project
from crlso_core.common.files import array_bytes, npz_headers, write_bytes_atomic
from crlso_core.store.examples import is_example


def projection_path(run_dir: Path, method: str, dims: int) -> Path:
    return Path(run_dir) / "analysis" / f"{method}-{dims}d.npz"


def load_projection(run_dir: Path, method: str, dims: int, cells: int) -> Optional[Projection]:
    """The cached projection, or None when there is none (or it is stale or unreadable:
    then it is simply recomputed)."""
    path = projection_path(run_dir, method, dims)
    try:  # a run folder may come from anyone: the arrays must be the sizes a projection has
        headers = npz_headers(path)
        if headers.get("coords", ((), None))[0] != (cells, dims) or \
                sum(array_bytes(*h) for h in headers.values()) > 8 * (cells * dims + 2**16):
            return None
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        return None
    if data.get("coords") is None or data["coords"].shape != (cells, dims):
        return None
    return Projection(  # float32: the examples store float16
        method, data["coords"].astype(np.float32), float(data["seconds"]), data.get("explained_variance"),
        data.get("components"), data.get("mean"),
    )


def cached_projection(run_dir: Path, codes: np.ndarray, method: str, dims: int = 2, seed: int = 0) -> Projection:
    found = load_projection(run_dir, method, dims, len(codes))
    if found is not None:
        return found
    result = project(codes, method, dims, seed)
    arrays = {k: v for k, v in vars(result).items() if isinstance(v, np.ndarray)}
    buffer = io.BytesIO()
    np.savez(buffer, seconds=np.float64(result.seconds), **arrays)
    if is_example(run_dir):
        return result  # the shipped examples are never written; a projection they lack is computed each time
    path = projection_path(run_dir, method, dims)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, buffer.getvalue())
    return result
