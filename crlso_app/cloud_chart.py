"""The Latent page's 2-D chart: each side's cells as dots on one 2-D canvas, drawn by our own
small script (cloud_chart.js), not by Plotly. Plotly's WebGL scatter cost this machine's
software-rendered Chromium about 0.6 s for every new chart (a reload, a page switch, and every
projection switch, since Streamlit mounts a changed Plotly figure anew); a canvas draws 3,000
dots a side in milliseconds, and the chart outlives reruns (its key is its identity), so a
new projection is a redraw (measurements/app_speed.py). 3-D stays Plotly's.

The data is plain JSON: per panel the drawn cells' positions, colours (indices into one
palette), hover labels and accuracies, the colour bar's ticks, the selected cell, a
selected region, the cells of a selection (drawn on every panel, so a box in LS lights up the
same cells in CR-LS) and the picked cell's latent neighbours. Events come back as "pick"
{panel, point} and "region" {panel, polygon}."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from crlso_app.figures import SCALE, quantile_colorbar, quantile_positions

PALETTE = 256  # colours on the scale; a dot's colour is its index
HEIGHT = 460  # px of the plots at most; the chart shrinks to fit a short window (cloud_chart.js)
KEEP_DIGITS = 4  # significant digits of a position within its panel's span: finer than a pixel


def palette(reverse: bool = False) -> list[str]:
    """SCALE as PALETTE hex colours, low to high (reversed for ranks, where 1 is best)."""
    return list(_palette(reverse))


@lru_cache(maxsize=2)
def _palette(reverse: bool) -> tuple[str, ...]:  # sampled once a process: every run of the page sends it
    from plotly.colors import sample_colorscale, unlabel_rgb

    colours = sample_colorscale(SCALE + ("_r" if reverse else ""), list(np.linspace(0, 1, PALETTE)))
    return tuple("#{:02x}{:02x}{:02x}".format(*(round(c) for c in unlabel_rgb(rgb))) for rgb in colours)


def _rounded(values: np.ndarray, span: float) -> list[float]:
    digits = max(0, KEEP_DIGITS - int(np.floor(np.log10(span))) if span > 0 else KEEP_DIGITS)
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def _percent(values: np.ndarray) -> list[Optional[float]]:
    """Accuracies to two decimals; a missing one is None (JSON has no NaN)."""
    values = np.asarray(values, dtype=np.float64)
    return [None if not np.isfinite(v) else v for v in np.round(values, 2).tolist()]


def cloud_panel(xy: np.ndarray, colour: np.ndarray, labels: Sequence[str], true_acc: np.ndarray, pred_acc: np.ndarray,
                title: str, colour_label: str, rows: np.ndarray, reverse: bool = False,
                axis_titles: Sequence[str] = ("", "")) -> dict:
    """One side: the cells `rows` (in drawing order, best last) at their projected positions.
    Colour follows each cell's rank among the values shown, as in figures.latent_scatter_3d; the
    colour bar reads in the values at figures.QUANTILES. The range holds every cell, drawn
    or not, with a 4 % margin."""
    xy = np.asarray(xy, dtype=np.float64)[:, :2]
    rows = np.asarray(rows)
    lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    pad = np.where(hi > lo, 0.04 * (hi - lo), 1.0)
    lo, hi = lo - pad, hi + pad
    bar = quantile_colorbar(colour, colour_label)
    return {
        "title": title, "axes": list(axis_titles[:2]),
        "range": [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])],
        "x": _rounded(xy[rows, 0], hi[0] - lo[0]), "y": _rounded(xy[rows, 1], hi[1] - lo[1]),
        # position 0 is the scale's low end (red); with `reverse` the palette runs the other way, as Plotly's reversescale
        "colour": colour_index(colour, reverse)[rows].tolist(),
        "label": [labels[r] for r in rows], "valid": _percent(np.asarray(true_acc)[rows]),
        "predicted": _percent(np.asarray(pred_acc)[rows]),
        "bar": {"title": colour_label, "ticks": [[float(v), t] for v, t in zip(bar.get("tickvals", []), bar.get("ticktext", []))]},
    }


def colour_index(colour: np.ndarray, reverse: bool = False) -> np.ndarray:
    """Every cell's colour as an index into the palette (its rank among the values shown)."""
    return np.clip(np.round(quantile_positions(colour, reverse) * (PALETTE - 1)), 0, PALETTE - 1).astype(int)


SELECTED_LIMIT = 6000  # cells of a selection sent to the browser per panel; the summary and the CSV hold them all


def cell_layer(xy: np.ndarray, rows: Sequence[int], labels: Sequence[str] = (), colours: Optional[np.ndarray] = None,
               draw_rank: Optional[np.ndarray] = None) -> dict:
    """Cells `rows` at their positions on one panel (drawn or not), with their labels and
    colour indices when given: a selection, or a set of neighbours. With `draw_rank` (each
    row's place in the panel's drawing order) the best are drawn last, on top, as the panel's."""
    xy = np.asarray(xy, dtype=np.float64)[:, :2]
    rows = np.asarray(list(rows), dtype=np.int64)
    total = len(rows)
    if total > SELECTED_LIMIT:  # an even share of the selection, the same on every panel, so the panels still agree
        rows = rows[np.linspace(0, total - 1, SELECTED_LIMIT).round().astype(np.int64)]
    if draw_rank is not None:
        rows = rows[np.argsort(np.asarray(draw_rank)[rows], kind="stable")]
    layer = {"x": np.round(xy[rows, 0], 6).tolist(), "y": np.round(xy[rows, 1], 6).tolist(), "total": total}
    if len(labels):
        layer["label"] = [labels[r] for r in rows]
    if colours is not None:
        layer["colour"] = np.asarray(colours)[rows].tolist()
    return layer


def with_selection(panels: Sequence[dict], marks: Sequence[Optional[tuple[float, float]]],
                   region: Optional[tuple[int, list]] = None, selected: Optional[Sequence[dict]] = None,
                   neighbours: Optional[Sequence[Sequence[dict]]] = None) -> list[dict]:
    """The panels with the selected cell marked (its position on each side, or None), a
    selected region (panel, polygon) outlined where it was drawn, a selection's cells on every
    panel (`selected`: one cell_layer a panel; the rest greyed) and the picked cell's
    neighbours (`neighbours`: per panel, one cell_layer per neighbour set, in the legend's
    order); the cached panels are not changed."""
    out = []
    for i, (panel, mark) in enumerate(zip(panels, marks)):
        extra = {}
        if mark is not None:
            extra["mark"] = {"x": float(mark[0]), "y": float(mark[1])}
        if region is not None and region[0] == i:
            extra["region"] = [[float(a), float(b)] for a, b in region[1]]
        if selected is not None:
            extra["selected"] = selected[i]
        if neighbours is not None:
            extra["neighbours"] = list(neighbours[i])
        out.append(panel | extra)
    return out


def cloud_data(panels: Sequence[dict], title: str, view: str, reverse: bool, legend: Sequence[str] = ()) -> dict:
    """What the chart is sent: `view` names the projection; when it changes the zoom starts
    over. `legend` names the neighbour sets (their marks: a ring, then a square)."""
    return {"title": title, "view": view, "height": HEIGHT, "palette": palette(reverse), "panels": list(panels),
            "legend": list(legend)}


def picked_row(event, orders: Sequence[np.ndarray]) -> Optional[tuple[int, int]]:
    """(panel, table row) of a "pick" event: its point is an index into that panel's drawing
    order. None for no event, or one that does not fit the panels (a stale chart)."""
    if not isinstance(event, dict):
        return None
    panel, point = event.get("panel"), event.get("point")
    if not isinstance(panel, int) or not isinstance(point, int) or not 0 <= panel < len(orders):
        return None
    order = orders[panel]
    return (panel, int(order[point])) if 0 <= point < len(order) else None


def rows_in_polygon(xy: np.ndarray, polygon: Sequence[Sequence[float]]) -> list[int]:
    """Every row whose point lies inside the polygon (a box's four corners or a lasso), drawn
    or not: the chart draws a share of the cells, the summary covers them all."""
    try:
        shape = np.asarray(polygon, dtype=np.float64)
    except (TypeError, ValueError):
        return []  # not a list of points (an event from a stale or foreign chart): no region
    if shape.ndim != 2 or shape.shape[1] != 2 or len(shape) < 3 or not np.isfinite(shape).all():
        return []
    from matplotlib.path import Path as Shape

    return [int(r) for r in np.flatnonzero(Shape(shape).contains_points(np.asarray(xy)[:, :2]))]


@lru_cache(maxsize=1)
def _component():
    """Registered once a process (a second registration under the name logs a warning). Not
    in a shadow root, so the page's font applies and tests can find the chart."""
    import streamlit as st

    return st.components.v2.component("crlso_cloud_chart", js=Path(__file__).with_name("cloud_chart.js").read_text(),
                                      isolate_styles=False)


def cloud_chart(data: dict, key: str):
    """Mount the chart; returns Streamlit's result (its "pick" and "region" are set on the run
    an event started, None otherwise)."""
    return _component()(key=key, data=data, on_pick_change=lambda: None, on_region_change=lambda: None, height="content")


WHEEL_GUARD_JS = """
export default function () {
  // Plotly's 3-D scene takes every wheel event (its camera's listener blocks the page's scroll
  // even with scrollZoom off): a plain wheel over a Plotly chart is stopped before it gets
  // there, so the page scrolls; Ctrl/⌘ + wheel still reaches the chart and zooms it
  const guard = (e) => {
    if (e.ctrlKey || e.metaKey) return;
    if (e.target && e.target.closest && e.target.closest(".js-plotly-plot")) e.stopPropagation();
  };
  window.addEventListener("wheel", guard, { capture: true });
  return () => window.removeEventListener("wheel", guard, { capture: true });
}
"""


@lru_cache(maxsize=1)
def _wheel_guard():
    import streamlit as st

    return st.components.v2.component("crlso_wheel_guard", js=WHEEL_GUARD_JS, isolate_styles=False)


def wheel_scrolls_the_page(key: str = "wheel-guard") -> None:
    """On the page from here on, the wheel over a Plotly chart scrolls the page (the Latent
    page's 3-D chart); Ctrl/⌘ + wheel zooms it."""
    _wheel_guard()(key=key, height=0)
