"""Convexity checks of a latent space, as plain data:
- the predicted accuracy over the plane of the codes' first two principal components;
- Jensen gaps: for random pairs of cells and points between them, the error there minus
  the chord between the two ends. Convex means gap <= 0. Checked for the predictor's error
  and for the true error of the cell the decoder makes at that point (which may lie outside
  the run's pool; points whose decoded cell the benchmark cannot answer are left out);
- the decoded cells along the straight line between two cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from crlso_core.common.errors import CRLSOError

Predict = Callable[[np.ndarray], np.ndarray]  # latent codes [n, d] -> predicted accuracy, percent
TrueAt = Callable[[np.ndarray], np.ndarray]  # latent codes [n, d] -> true accuracy of the decoded cells, percent (NaN: unknown)
Decode = Callable[[np.ndarray], Sequence[str]]  # latent codes [n, d] -> the decoded cells
Accuracy = Callable[[Sequence[str]], np.ndarray]  # cells -> true accuracy, percent (NaN: unknown)


@dataclass
class SurfaceInfo:
    xs: np.ndarray  # [nx] PC1 coordinates
    ys: np.ndarray  # [ny] PC2 coordinates
    predicted: np.ndarray  # [ny, nx] predicted accuracy over the plane, percent
    cell_xy: np.ndarray  # [cells, 2] every cell's PC1/PC2 coordinates
    explained_variance: np.ndarray  # [2]


def pc_surface(codes: np.ndarray, predict: Predict, resolution: int = 60, margin: float = 0.05) -> SurfaceInfo:
    from sklearn.decomposition import PCA

    pca = PCA(n_components=2, random_state=0).fit(codes)
    cell_xy = pca.transform(codes)
    lo, hi = cell_xy.min(0), cell_xy.max(0)
    pad = (hi - lo) * margin
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    plane = np.stack([gx.ravel(), gy.ravel()], 1) @ pca.components_ + pca.mean_
    predicted = predict(plane.astype(np.float32)).reshape(resolution, resolution)
    return SurfaceInfo(xs, ys, predicted, cell_xy.astype(np.float32), pca.explained_variance_ratio_)


@dataclass
class JensenInfo:
    ts: np.ndarray  # interpolation weights used for every pair
    pairs: np.ndarray  # [n, 2] rows of the codes
    gap_predicted: np.ndarray  # [n, len(ts)] predicted error at the point minus its chord, points
    gap_true: np.ndarray  # [n, len(ts)] true error of the decoded cell minus the chord of true errors (NaN: unknown)
    violation_predicted: float  # share of points with gap > tol
    violation_true: float  # share of the points with a known true error
    tol: float


def jensen_gaps(
    codes: np.ndarray, accuracy: np.ndarray, predict: Predict, true_at: TrueAt,
    pairs: int = 500, ts=(0.25, 0.5, 0.75), seed: int = 0, tol: float = 1e-3,
) -> JensenInfo:
    """`accuracy` is the true accuracy (percent) of every code's cell (NaN: unknown; such
    cells are never an end); errors are 100 - acc."""
    if pairs < 1:
        raise CRLSOError(f"Need at least one pair of cells, got {pairs}.")
    known = np.flatnonzero(np.isfinite(accuracy))
    if len(known) < 2:
        raise CRLSOError("Too few cells with a known accuracy to check convexity between them.")
    rng = np.random.default_rng(seed)
    ends = np.stack([known[rng.choice(len(known), size=2, replace=False)] for _ in range(pairs)])
    ts = np.asarray(ts, dtype=np.float32)
    za, zb = codes[ends[:, 0]], codes[ends[:, 1]]
    points = (za[:, None, :] * (1 - ts)[None, :, None] + zb[:, None, :] * ts[None, :, None]).reshape(-1, codes.shape[1])
    weights = np.tile(ts, pairs)

    def gaps(error_ends: np.ndarray, error_points: np.ndarray) -> np.ndarray:
        chord = np.repeat(error_ends[:, 0], len(ts)) * (1 - weights) + np.repeat(error_ends[:, 1], len(ts)) * weights
        return (error_points - chord).reshape(pairs, len(ts))

    predicted_error = 100.0 - predict(np.concatenate([codes[ends.ravel()], points]).astype(np.float32))
    gap_predicted = gaps(predicted_error[: 2 * pairs].reshape(pairs, 2), predicted_error[2 * pairs :])
    true_error = 100.0 - np.asarray(accuracy, dtype=np.float64)
    gap_true = gaps(true_error[ends], 100.0 - np.asarray(true_at(points.astype(np.float32)), dtype=np.float64))
    known_gaps = gap_true[np.isfinite(gap_true)]
    return JensenInfo(
        ts, ends, gap_predicted, gap_true,
        float((gap_predicted > tol).mean()), float((known_gaps > tol).mean()) if known_gaps.size else float("nan"), tol,
    )


@dataclass
class LineInfo:
    t: np.ndarray
    archs: list[str]  # the decoded cell at each t
    valid: np.ndarray  # its true validation accuracy, percent (NaN: unknown)
    predicted: np.ndarray  # predicted accuracy at each point of the line, percent


def line_between(
    z_a: np.ndarray, z_b: np.ndarray, predict: Predict, decode: Decode, accuracy: Accuracy, steps: int = 11,
) -> LineInfo:
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)
    points = (z_a[None, :] * (1 - t)[:, None] + z_b[None, :] * t[:, None]).astype(np.float32)
    archs = list(decode(points))
    return LineInfo(t, archs, np.asarray(accuracy(archs), dtype=np.float64), predict(points))
