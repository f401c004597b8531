"""2-D/3-D projections of latent codes (PCA, t-SNE, UMAP), and the way back from a point
of the plane to a latent code. Plain data out, no figures."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

from crlso_core.common.errors import CRLSOError

METHODS = ("pca", "tsne", "umap")
LABELS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


@dataclass
class Projection:
    method: str
    coords: np.ndarray  # [cells, dims]
    seconds: float
    explained_variance: Optional[np.ndarray] = None  # PCA only: share per component
    components: Optional[np.ndarray] = None  # PCA only: [dims, latent]
    mean: Optional[np.ndarray] = None  # PCA only: [latent]

    @property
    def dims(self) -> int:
        return int(self.coords.shape[1])


def project(codes: np.ndarray, method: str = "pca", dims: int = 2, seed: int = 0) -> Projection:
    if method not in METHODS:
        raise CRLSOError(f"Unknown projection {method!r}; choose one of {', '.join(METHODS)}.")
    if dims not in (2, 3):
        raise CRLSOError(f"A projection has 2 or 3 dimensions, got {dims}.")
    codes = np.asarray(codes, dtype=np.float32)
    t0 = time.perf_counter()
    extra: dict = {}
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=dims, random_state=seed)
        coords = pca.fit_transform(codes)
        extra = dict(explained_variance=pca.explained_variance_ratio_, components=pca.components_, mean=pca.mean_)
    elif method == "tsne":
        from sklearn.manifold import TSNE

        coords = TSNE(n_components=dims, init="pca", random_state=seed, perplexity=30).fit_transform(codes)
    else:
        import umap

        coords = umap.UMAP(n_components=dims, random_state=seed, n_neighbors=15).fit_transform(codes)
    return Projection(method, np.asarray(coords, dtype=np.float32), time.perf_counter() - t0, **extra)


def plane_to_latent(projection: Projection, codes: np.ndarray, point: np.ndarray, k: int = 8) -> np.ndarray:
    """A latent code for any point of the projection's plane. PCA inverts exactly (the
    point's plane through the mean of the codes); t-SNE and UMAP have no inverse, so the
    code is the inverse-distance-weighted mean of the k cells projected nearest to it."""
    point = np.asarray(point, dtype=np.float64).reshape(-1)
    if point.shape[0] != projection.dims:
        raise CRLSOError(f"The point needs {projection.dims} coordinates, got {point.shape[0]}.")
    if projection.components is not None:
        return (projection.mean + point @ projection.components).astype(np.float32)
    distance = np.linalg.norm(projection.coords - point, axis=1)
    nearest = np.argsort(distance)[:k]
    weights = 1.0 / (distance[nearest] + 1e-9)
    return (weights @ codes[nearest] / weights.sum()).astype(np.float32)


def place(projection: Projection, codes: np.ndarray, new_codes: np.ndarray, k: int = 8) -> np.ndarray:
    """Positions in the projection for codes it was not fitted on (cells outside the pool).
    PCA projects them exactly; t-SNE and UMAP have no transform for new points, so each goes
    to the inverse-distance-weighted mean position of its k nearest codes (nearest in the
    latent space itself)."""
    new_codes = np.asarray(new_codes, dtype=np.float64).reshape(-1, codes.shape[1])
    if projection.components is not None:
        return ((new_codes - projection.mean) @ projection.components.T).astype(np.float32)
    out = np.empty((len(new_codes), projection.dims), dtype=np.float32)
    for i, z in enumerate(new_codes):
        distance = np.linalg.norm(codes - z, axis=1)
        nearest = np.argsort(distance)[:k]
        weights = 1.0 / (distance[nearest] + 1e-9)
        out[i] = weights @ projection.coords[nearest] / weights.sum()
    return out
