"""How a value becomes a colour on the app's charts (crlso_app/figures.py and the Latent page's
canvas, crlso_app/cloud_chart.py): each cell's place among the values shown, drawn best last,
and colour bars that read in the values, or in ranks as a class counts them ("1 = best" … N)."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def draw_order(colour: np.ndarray, reverse: bool = False) -> np.ndarray:
    """Rows in drawing order: best last, so the best cells are drawn on top; cells without a
    value (NaN) first, under the rest."""
    colour = np.asarray(colour, dtype=np.float64)
    key = np.where(np.isfinite(colour), -colour if reverse else colour, -np.inf)
    return np.argsort(key, kind="stable")


QUANTILES = (0.02, 0.10, 0.25, 0.50, 0.75, 0.90, 0.98)  # where the colour bar of a cloud has its ticks


def quantile_positions(values: np.ndarray, reverse: bool = False) -> np.ndarray:
    """Each value's place among the finite values, 0 (lowest) to 1 (highest): its empirical
    CDF, so colours spread evenly however the values bunch (NB201's accuracies sit near the
    top with a long tail down to 10 %). Equal values share the middle of their run; a value
    that is missing gets the worst end (0, or 1 with `reverse`, where low is best)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    ordered = np.sort(values[finite])
    out = np.full(len(values), 1.0 if reverse else 0.0)
    if len(ordered) > 1:
        v = values[finite]
        first, last = np.searchsorted(ordered, v, "left"), np.searchsorted(ordered, v, "right") - 1
        out[finite] = (first + last) / 2 / (len(ordered) - 1)
    elif len(ordered) == 1:
        out[finite] = 0.5
    return out


def tick_text(values: Sequence[float], whole: bool = False) -> list[str]:
    """Labels for tick values: rounded to whole numbers when `whole` (ranks), else with as few
    decimals (one to three) as tell them apart."""
    values = np.asarray(values, dtype=np.float64)
    if whole:
        return [f"{v:,.0f}" for v in values]
    distinct = len(np.unique(np.round(values, 6)))
    for digits in (1, 2, 3):
        text = [f"{v:.{digits}f}" for v in values]
        if len(set(text)) == distinct:
            return text
    return text


def quantile_colorbar(values: np.ndarray, title: str) -> dict:
    """A colour bar over quantile positions (0 to 1) that reads in the values: a tick at each
    of QUANTILES, labelled with the value there. Ranks (whole numbers) read as a class counts
    them instead: "1 = best" at the best end, round ranks between, the last rank at the other
    end (`rank_ticks`)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if not len(finite):
        return dict(title=title, thickness=14)
    if bool(np.all(finite == np.round(finite))):
        positions, text = rank_ticks(finite)
        return dict(title=title, thickness=14, tickvals=positions, ticktext=text)
    marks = np.quantile(finite, QUANTILES)
    return dict(title=title, thickness=14, tickvals=list(QUANTILES), ticktext=tick_text(marks))


def rank_ticks(ranks: np.ndarray, between: int = 3) -> tuple[list[float], list[str]]:
    """Ticks of a rank colour bar: (quantile positions, labels) for the best rank ("1 = best"),
    `between` round ranks and the last rank (15,625 on NB201), so the bar reads 1 … N rather
    than the ranks at chosen percentiles (313 … 15,313)."""
    ordered = np.sort(np.asarray(ranks, dtype=np.float64))
    low, high = float(ordered[0]), float(ordered[-1])
    step = 10 ** np.floor(np.log10(max((high - low) / (between + 1), 1.0)))
    inner = [round((low + (high - low) * k / (between + 1)) / step) * step for k in range(1, between + 1)]
    marks = [low] + [m for m in dict.fromkeys(inner) if low < m < high] + ([high] if high > low else [])

    def position(v: float) -> float:
        if len(ordered) < 2:
            return 0.5
        first, last = np.searchsorted(ordered, v, "left"), np.searchsorted(ordered, v, "right") - 1
        return float(np.clip((first + max(last, first - 1)) / 2 / (len(ordered) - 1), 0.0, 1.0))

    text = [f"{m:,.0f}" for m in marks]
    text[0] = f"{text[0]} = best"
    return [position(m) for m in marks], text


def robust_bounds(values: np.ndarray, margin: float = 0.12) -> list[float]:
    """An axis range from the 1st to the 99th percentile, widened by `margin` of that span on
    each side: a few far cells do not shrink the cloud to a blob."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return [-1.0, 1.0]
    low, high = np.percentile(finite, [1, 99])
    pad = margin * (high - low) if high > low else 1.0
    return [float(low - pad), float(high + pad)]
