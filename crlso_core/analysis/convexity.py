"""Convexity checks of a latent space, as plain data:
- the predicted accuracy over the plane of the codes' first two principal components;
- Jensen gaps: for random pairs of cells and points between them, the error there minus
  the chord between the two ends. Convex means gap <= 0. Checked for the predictor's error
  and for the true error of the cell the decoder makes at that point;
- the decoded cells along the straight line between two cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import CRLSOError

Predict = Callable[[np.ndarray], np.ndarray]  # latent codes [n, d] -> predicted accuracy, percent
Decode = Callable[[np.ndarray], np.ndarray]  # latent codes [n, d] -> table rows of the decoded cells


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
    pairs: np.ndarray  # [n, 2] table rows
    gap_predicted: np.ndarray  # [n, len(ts)] predicted error at the point minus its chord, points
    gap_true: np.ndarray  # [n, len(ts)] true error of the decoded cell minus the chord of true errors
    violation_predicted: float  # share of points with gap > tol
    violation_true: float
    tol: float


def jensen_gaps(
    codes: np.ndarray, accuracy: np.ndarray, predict: Predict, decode: Decode,
    pairs: int = 500, ts=(0.25, 0.5, 0.75), seed: int = 0, tol: float = 1e-3,
) -> JensenInfo:
    """`accuracy` is the true accuracy (percent) of every table row; errors are 100 - acc."""
    if pairs < 1:
        raise CRLSOError(f"Need at least one pair of cells, got {pairs}.")
    rng = np.random.default_rng(seed)
    ends = np.stack([rng.choice(len(codes), size=2, replace=False) for _ in range(pairs)])
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
    gap_true = gaps(true_error[ends], true_error[decode(points.astype(np.float32))])
    return JensenInfo(
        ts, ends, gap_predicted, gap_true,
        float((gap_predicted > tol).mean()), float((gap_true > tol).mean()), tol,
    )


@dataclass
class LineInfo:
    t: np.ndarray
    rows: np.ndarray  # table row of the decoded cell at each t
    predicted: np.ndarray  # predicted accuracy at each point of the line, percent


def line_between(z_a: np.ndarray, z_b: np.ndarray, predict: Predict, decode: Decode, steps: int = 11) -> LineInfo:
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)
    points = (z_a[None, :] * (1 - t)[:, None] + z_b[None, :] * t[:, None]).astype(np.float32)
    return LineInfo(t, decode(points), predict(points))
