"""2-D/3-D projections of latent codes (PCA, t-SNE, UMAP). Plain data out, no figures."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import CRLSOError

METHODS = ("pca", "tsne", "umap")


@dataclass
class Projection:
    method: str
    coords: np.ndarray  # [cells, dims]
    seconds: float
    explained_variance: Optional[np.ndarray] = None  # PCA only: share per component


def project(codes: np.ndarray, method: str = "pca", dims: int = 2, seed: int = 0) -> Projection:
    if method not in METHODS:
        raise CRLSOError(f"Unknown projection {method!r}; choose one of {', '.join(METHODS)}.")
    codes = np.asarray(codes, dtype=np.float32)
    t0 = time.perf_counter()
    variance = None
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=dims, random_state=seed)
        coords = pca.fit_transform(codes)
        variance = pca.explained_variance_ratio_
    elif method == "tsne":
        from sklearn.manifold import TSNE

        coords = TSNE(n_components=dims, init="pca", random_state=seed, perplexity=30).fit_transform(codes)
    else:
        import umap

        coords = umap.UMAP(n_components=dims, random_state=seed, n_neighbors=15).fit_transform(codes)
    return Projection(method, np.asarray(coords, dtype=np.float32), time.perf_counter() - t0, variance)
