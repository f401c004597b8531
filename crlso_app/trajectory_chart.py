"""One trajectory walked entry by entry (crlso_core/analysis/trajectories.py's Trajectory.walk):
each move a segment from the start cell to the cell it decoded to, over the pool's density
image. Only the walk's shown entries are numbered (the slider's numbers), and a number is
printed only where it meets no other (label_keep); the rest say theirs on hover. Moves folded
away (decoded to a known cell) are small grey dots, unnumbered."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from crlso_app.figures import CURRENT, PATH, _cloud, _layout, _segments
from crlso_core.analysis.trajectories import label_keep

FOLDED = "#777777"
LABEL_GAP = (0.06, 0.09)  # a 16 px number's box, as a share of a chart about 450 px wide and 280 px high inside


def shown_range(path: np.ndarray, xy: np.ndarray) -> list[tuple[float, float]]:
    """The part of the plane shown: the walk, padded, so it fills the chart; the cloud is context."""
    low, high = path.min(0), path.max(0)
    pad = np.maximum((high - low) * 0.25, 0.15 * (xy.max(0) - xy.min(0)))
    return [(float(low[k] - pad[k]), float(high[k] + pad[k])) for k in range(2)]


def walk_figure(xy: np.ndarray, start: np.ndarray, entries: np.ndarray, entry_texts: Sequence[str], folded: np.ndarray,
                start_text: str, current: int, title: str, height: int = 380) -> go.Figure:
    """`entries`: one point per walk entry (row k-1 is entry k; a folded entry's point is NaN);
    `folded`: the points of the moves folded away; `current`: the entry on show (0 = start)."""
    entries = np.asarray(entries, dtype=np.float64).reshape(-1, 2)
    folded = np.asarray(folded, dtype=np.float64).reshape(-1, 2)
    drawn = np.vstack([start[None], entries[np.isfinite(entries).all(1)], folded])
    shown = shown_range(drawn, np.asarray(xy, dtype=np.float64)[:, :2])
    fig = go.Figure(_cloud(xy, shown))
    if len(folded):
        fig.add_trace(go.Scatter(x=folded[:, 0], y=folded[:, 1], mode="markers", hoverinfo="skip", name="decoded to a known cell",
                                 marker=dict(size=6, color=FOLDED, opacity=0.6)))
    real = np.flatnonzero(np.isfinite(entries).all(1))
    xs, ys = _segments(np.repeat(start[None], len(real), 0), entries[real])
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=PATH, width=1.5), opacity=0.6, hoverinfo="skip", name="moves"))
    spans = [hi - lo for lo, hi in shown]
    # the move on show keeps its number; then the start's own label ("start"), so no other number prints over it
    order = ([current] if current - 1 in real else []) + [0] + [int(i) + 1 for i in real if i != current - 1]
    keep = {i - 1 for i in label_keep(np.vstack([start[None], entries]), spans, order, LABEL_GAP) if i}
    fig.add_trace(go.Scatter(x=entries[real, 0], y=entries[real, 1], mode="markers+text",
                             text=[str(i + 1) if i in keep else "" for i in real], textposition="top center",
                             hovertext=[entry_texts[i] for i in real], hoverinfo="text", marker=dict(size=8, color=PATH), name="move ends"))
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers+text", text=["start"], textposition="bottom center",
                             hovertext=[start_text], hoverinfo="text", name="start",
                             marker=dict(size=13, color="white", line=dict(color="black", width=2))))
    if current > 0 and np.isfinite(entries[current - 1]).all():
        here = entries[current - 1]
        fig.add_trace(go.Scatter(x=[start[0], here[0]], y=[start[1], here[1]], mode="lines+markers",
                                 hovertext=["", entry_texts[current - 1]], hoverinfo="text",
                                 line=dict(color=CURRENT, width=4), name="this move",
                                 marker=dict(size=[0, 18], color=CURRENT, line=dict(color="black", width=2))))
    fig.update_xaxes(range=list(shown[0]))
    fig.update_yaxes(range=list(shown[1]))
    fig.update_layout(showlegend=False)
    return _layout(fig, title, height=height, margin=dict(l=60, b=60))  # with the shared look (theme.apply_theme)
