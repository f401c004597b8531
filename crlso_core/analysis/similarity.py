"""Cosine similarity of latent codes between the best and the worst cells (the paper's
heatmaps): in a convex, well-ordered latent space the top-k codes point the same way and
away from the worst-k codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crlso_core.common.errors import CRLSOError


@dataclass
class SimilarityInfo:
    k: int
    top_rows: np.ndarray  # rows of the k best cells, best first
    worst_rows: np.ndarray  # rows of the k worst cells, worst first
    top_top: np.ndarray  # [k, k] cosine similarity
    top_worst: np.ndarray  # [k, k]
    mean_top_top: float  # off the diagonal (the diagonal is 1 by definition)
    mean_top_worst: float


def _unit(codes: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(codes, axis=1, keepdims=True)
    return codes / np.maximum(norm, 1e-12)


def cosine_blocks(codes: np.ndarray, accuracy: np.ndarray, k: int = 100) -> SimilarityInfo:
    """Cells with an unknown accuracy (NaN) are left out of the ranking."""
    codes = np.asarray(codes, dtype=np.float64)
    accuracy = np.asarray(accuracy, dtype=np.float64)
    known = np.flatnonzero(np.isfinite(accuracy))
    if not 2 <= k <= len(known) // 2:
        raise CRLSOError(f"k must be between 2 and {len(known) // 2} (half the cells with a known accuracy), got {k}.")
    order = known[np.argsort(-accuracy[known], kind="stable")]
    top, worst = order[:k], order[::-1][:k]
    unit = _unit(codes)
    top_top = unit[top] @ unit[top].T
    top_worst = unit[top] @ unit[worst].T
    off_diagonal = top_top[~np.eye(k, dtype=bool)]
    return SimilarityInfo(k, top, worst, top_top, top_worst, float(off_diagonal.mean()), float(top_worst.mean()))
