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


# --- what a check can prove ----------------------------------------------------------------

def convex_by_construction(predictor_kind: str) -> bool:
    """Whether a predictor's error is convex in the code by construction: an ICNN is (its
    weights on the hidden path are kept non-negative), so its predicted-error Jensen gaps are
    never > 0 and its surface over a plane is a bowl — a check of them can only pass."""
    return predictor_kind == "icnn"


def violation_se(info: JensenInfo) -> float:
    """Binomial standard error of a side's true-error violation rate over the points whose
    decoded cell the benchmark answered (points of one pair are not independent: a lower bound)."""
    known = int(np.isfinite(info.gap_true).sum())
    p = info.violation_true
    return float(np.sqrt(p * (1 - p) / known)) if known > 1 and np.isfinite(p) else float("nan")


@dataclass
class TrueErrorComparison:
    ls: float  # share of points that violate, true error of the decoded cell
    crls: float
    difference: float  # CR-LS - LS
    se: float  # standard error of the difference (binomial, the two sides independent)
    verdict: str  # crlso_core.analysis.verdict's word for "CR-LS violates less"

    def sentence(self) -> str:
        """What the true-error check shows for this pair, in one sentence with both rates."""
        from crlso_core.analysis.verdict import HOLDS, ONE_SEED, OPPOSITE

        rates = f"LS {100 * self.ls:.1f} % vs CR-LS {100 * self.crls:.1f} %"
        noise = f"{100 * abs(self.difference):.1f} points apart, {'beyond' if self.verdict in (HOLDS, OPPOSITE) else 'within'} " \
                f"2 s.e. ({200 * self.se:.1f} points) of these points' sampling noise"
        if self.verdict == HOLDS:
            return f"Gain: CR-LS's decoded cells break convexity less often, {rates} ({noise})."
        if self.verdict == OPPOSITE:
            return f"No gain, the opposite: CR-LS's decoded cells break convexity more often, {rates} ({noise})."
        if self.verdict == ONE_SEED:
            return f"Too few decoded cells answered to compare: {rates}."
        return f"No gain: {rates}, {noise}."


def compare_true_violations(ls: JensenInfo, crls: JensenInfo) -> TrueErrorComparison:
    """The informative Jensen check: does CR-LS's decoder make cells whose true error is more
    convex than LS's? (The paper's direction: fewer violations.) Worded by the one verdict rule,
    with the sampling noise of the points checked in place of the spread over seeds."""
    from crlso_core.analysis.verdict import ONE_SEED, verdict

    difference = crls.violation_true - ls.violation_true
    se = float(np.hypot(violation_se(ls), violation_se(crls)))
    points = min(int(np.isfinite(i.gap_true).sum()) for i in (ls, crls))
    word = verdict(difference, se, points, "lower") if np.isfinite(difference) else ONE_SEED
    return TrueErrorComparison(ls.violation_true, crls.violation_true, difference, se, word)


FLAT_SHARE = 0.25  # a plane whose span is under this share of the cells' spread reads as a landscape only through its colours


@dataclass
class PlaneSpan:
    low: float  # predicted accuracy over the plane, percent
    high: float
    cells: float  # the spread of the cells' true accuracy, 10th to 90th percentile, points

    @property
    def span(self) -> float:
        return self.high - self.low

    @property
    def flat(self) -> bool:
        """The colours stretch a span small beside the cells' spread over the whole scale."""
        return self.span < FLAT_SHARE * self.cells if np.isfinite(self.cells) and self.cells > 0 else False

    def words(self, name: str) -> str:
        text = f"{name}'s plane spans {self.span:.2f} points of predicted accuracy ({self.low:.2f}–{self.high:.2f} %)"
        if self.flat:
            text += (f", small beside the cells' spread of {self.cells:.1f} points (10th–90th percentile of true accuracy): "
                     "the colours stretch it over the whole scale and exaggerate it")
        return text


def plane_span(info: SurfaceInfo, true_acc: np.ndarray) -> PlaneSpan:
    predicted = np.asarray(info.predicted, dtype=np.float64)
    known = np.asarray(true_acc, dtype=np.float64)
    known = known[np.isfinite(known)]
    cells = float(np.subtract(*np.percentile(known, [90, 10]))) if len(known) else float("nan")
    return PlaneSpan(float(np.nanmin(predicted)), float(np.nanmax(predicted)), cells)
