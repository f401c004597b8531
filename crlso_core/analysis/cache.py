"""Projections cached on disk inside a run folder (analysis/<method>-<dims>d.npz), so a
t-SNE or UMAP of 15,625 codes is paid for once per run, not once per page view."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Optional

import numpy as np

from crlso_core.analysis.projections import Projection, project
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import LinkOut, path_inside, write_inside
from crlso_core.store.analysis_files import read_projection_file
from crlso_core.store.examples import is_example


def keep(run_dir: Path, name: str, data: bytes) -> None:
    """A cache file written inside the run folder (write_inside: no link below it is
    followed). A run whose analysis/ is a link keeps nothing: its caches are computed each time."""
    try:
        path_inside(Path(run_dir), name)
    except LinkOut:
        return
    write_inside(Path(run_dir), name, data)


def _name(method: str, dims: int) -> str:
    return f"analysis/{method}-{dims}d.npz"


def projection_path(run_dir: Path, method: str, dims: int) -> Path:
    return Path(run_dir) / _name(method, dims)


def load_projection(run_dir: Path, method: str, dims: int, cells: int) -> Optional[Projection]:
    """The cached projection, or None when there is none (or it is stale or unreadable:
    then it is simply recomputed)."""
    try:
        # never through a link below the run folder (an analysis/ pointing elsewhere)
        data = read_projection_file(path_inside(Path(run_dir), _name(method, dims)), cells, dims)
    except (OSError, CRLSOError):
        return None
    if ("components" in data) != ("mean" in data):  # PCA's way back needs both (their widths were checked)
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
    keep(run_dir, _name(method, dims), buffer.getvalue())
    return result
