"""Figure builders: plain data in (arrays and crlso_core's info dataclasses), Plotly figure
out. No Streamlit here, so each builder can be tested on its own.

Scatter plots of a run's whole pool (15,625 cells on NB201) use WebGL (Scattergl) and draw
the best cells last, on top; colour runs from red (worst) to blue (best), as in the paper's
figures. Hover labels are the space's short cell labels."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from crlso_core.analysis.convexity import JensenInfo, SurfaceInfo
from crlso_core.analysis.similarity import SimilarityInfo
from crlso_core.explore import Curve

SCALE = "RdBu"  # low = red, high = blue
SIDE_COLOURS = {"ls": "#ff7f0e", "crls": "#1f77b4"}
METHOD_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _layout(fig: go.Figure, title: str, height: int = 460, **kwargs) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), uirevision="keep", **kwargs)
    return fig


def draw_order(colour: np.ndarray, reverse: bool = False) -> np.ndarray:
    """Table rows in drawing order: best last, so the best cells are drawn on top."""
    return np.argsort(-colour if reverse else colour, kind="stable")


def latent_scatter(
    xy: np.ndarray, colour: np.ndarray, labels: Sequence[str], true_acc: np.ndarray, pred_acc: np.ndarray,
    title: str, colour_label: str, reverse: bool = False, highlight: Optional[int] = None, highlight_label: str = "",
) -> go.Figure:
    """Every cell at its projected position, in `draw_order` (best last, on top); a selected
    point's index maps back to its cell through that order. `reverse` for ranks (1 = best =
    blue). Hover labels are the short cell labels, numbers float32: the chart is sent to
    the browser whole on every change, so its size is the app's latency."""
    rows = draw_order(colour, reverse)
    custom = np.stack([true_acc[rows], pred_acc[rows]], 1).astype(np.float32)
    three = xy.shape[1] == 3
    common = dict(
        mode="markers", customdata=custom, text=[labels[i] for i in rows],
        hovertemplate="%{text}<br>true %{customdata[0]:.2f} % · predicted %{customdata[1]:.2f} %<extra></extra>",
        marker=dict(
            color=colour[rows].astype(np.float32), colorscale=SCALE, reversescale=reverse, size=3 if three else 5,
            colorbar=dict(title=colour_label, thickness=12), opacity=0.85,
        ),
        name="cells",
    )
    if three:
        fig = go.Figure(go.Scatter3d(x=xy[rows, 0], y=xy[rows, 1], z=xy[rows, 2], **common))
    else:
        # after a click the rest of the cloud stays readable
        fig = go.Figure(go.Scattergl(x=xy[rows, 0], y=xy[rows, 1], unselected=dict(marker=dict(opacity=0.45)), **common))
    if highlight is not None:
        add_marker(fig, xy[highlight], f"selected: {highlight_label or labels[highlight]}")
    fig.update_layout(showlegend=False)  # Streamlit sets the drag and click modes; a lasso dragmode here would turn click-to-select off
    return _layout(fig, title)


def add_marker(fig: go.Figure, point: np.ndarray, label: str) -> None:
    """Point at the selected cell: in 2-D an annotation, drawn above the WebGL cells."""
    if len(point) == 3:
        fig.add_trace(go.Scatter3d(x=[point[0]], y=[point[1]], z=[point[2]], mode="markers",
                                   marker=dict(size=8, color="gold", line=dict(color="black", width=2)), hovertext=[label], hoverinfo="text", name="selected"))
        return
    fig.add_annotation(x=float(point[0]), y=float(point[1]), text="selected", hovertext=label, showarrow=True, arrowhead=2,
                       arrowsize=1.3, arrowwidth=2.5, arrowcolor="black", ax=40, ay=-40, bgcolor="gold", bordercolor="black", font=dict(size=12))


def add_arrows(fig: go.Figure, starts: np.ndarray, ends: np.ndarray, labels: Sequence[str], limit: int = 300) -> None:
    """Arrows from start cells to the cells found from them (2-D projections)."""
    for (x0, y0), (x1, y1), label in list(zip(starts, ends, labels))[:limit]:
        fig.add_annotation(
            x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
            arrowhead=2, arrowsize=1.2, arrowwidth=1.5, arrowcolor="black", opacity=0.8, hovertext=label, text="",
        )
    if len(ends):
        fig.add_trace(go.Scattergl(x=ends[:, 0], y=ends[:, 1], mode="markers", marker=dict(size=7, color="black", symbol="x"),
                                 hovertext=list(labels), hoverinfo="text", name="found"))


def accuracy_histogram(values: np.ndarray, optimum: Optional[float], title: str, selected: Optional[float] = None) -> go.Figure:
    fig = go.Figure(go.Histogram(x=values, nbinsx=80, marker_color="#4c78a8", name="cells"))
    if optimum is not None:
        fig.add_vline(x=optimum, line=dict(color="green", dash="dash"), annotation_text=f"optimum {optimum:.2f}")
    if selected is not None:
        fig.add_vline(x=selected, line=dict(color="red"), annotation_text=f"selected {selected:.2f}", annotation_position="bottom left")
    fig.update_xaxes(title="accuracy (%)")
    fig.update_yaxes(title="cells")
    return _layout(fig, title, height=320)


def similarity_heatmap(matrix: np.ndarray, title: str, x_label: str, y_label: str) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix, zmin=-1, zmax=1, colorscale=SCALE, colorbar=dict(title="cosine", thickness=12)))
    fig.update_xaxes(title=x_label)
    fig.update_yaxes(title=y_label, autorange="reversed")
    return _layout(fig, title, height=420)


def similarity_figures(info: SimilarityInfo, label: str) -> tuple[go.Figure, go.Figure]:
    return (
        similarity_heatmap(info.top_top, f"{label}: top-{info.k} × top-{info.k}", "top cells (best first)", "top cells"),
        similarity_heatmap(info.top_worst, f"{label}: top-{info.k} × worst-{info.k}", "worst cells (worst first)", "top cells"),
    )


def curves_figure(curves: Sequence[Curve], optimum: Optional[float], title: str, metric: str = "valid") -> go.Figure:
    """Best-so-far curves; `optimum` (validation optimum, or its cell's test accuracy) is
    drawn when the benchmark knows it. Curves without the metric (no test accuracy) are left out."""
    fig = go.Figure()
    shown = [c for c in curves if getattr(c, metric) is not None]
    for i, curve in enumerate(shown):
        y = getattr(curve, metric)
        fig.add_trace(go.Scatter(x=np.arange(1, len(y) + 1), y=y, mode="lines", name=curve.label,
                                 line=dict(color=METHOD_COLOURS[i % len(METHOD_COLOURS)], width=2)))
    top = max([float(getattr(c, metric).max()) for c in shown if len(getattr(c, metric))], default=None)
    if optimum is not None:
        fig.add_hline(y=optimum, line=dict(color="green", dash="dash"), annotation_text=f"validation optimum {optimum:.2f}" if metric == "valid" else f"test acc. of the validation optimum {optimum:.2f}")
        top = optimum if top is None else max(top, optimum)
    settled = [c for curve in shown if len(y := getattr(curve, metric)) > 20 for c in [y[19]]]
    if settled and top is not None:  # start the axis where the curves are after 20 queries: the first few drown the rest
        fig.update_yaxes(range=[min(settled) - 0.5, top + 0.4])
    fig.update_xaxes(title="benchmark queries")
    fig.update_yaxes(title="best-so-far validation accuracy (%)" if metric == "valid" else "test accuracy of best-validation cell (%)")
    return _layout(fig, title, height=380, legend=dict(orientation="h", y=-0.2))


def surface_figure(info: SurfaceInfo, title: str) -> go.Figure:
    fig = go.Figure(go.Surface(x=info.xs, y=info.ys, z=info.predicted, colorscale=SCALE, colorbar=dict(title="pred. acc", thickness=12)))
    fig.update_layout(scene=dict(xaxis_title="PC1", yaxis_title="PC2", zaxis_title="predicted accuracy (%)"))
    return _layout(fig, title, height=460)


def contour_figure(info: SurfaceInfo, true_acc: np.ndarray, title: str) -> go.Figure:
    fig = go.Figure(go.Contour(x=info.xs, y=info.ys, z=info.predicted, colorscale=SCALE, ncontours=25,
                               colorbar=dict(title="pred. acc", thickness=12), contours=dict(showlabels=True)))
    order = np.argsort(true_acc, kind="stable")  # best on top
    rank = np.empty(len(order))
    rank[order] = np.arange(len(order)) / max(1, len(order) - 1)  # by rank: accuracies bunch near the top
    fig.add_trace(go.Scattergl(
        x=info.cell_xy[order, 0], y=info.cell_xy[order, 1], mode="markers", name="cells", customdata=true_acc[order],
        marker=dict(size=3, color=rank[order], colorscale=SCALE, opacity=0.5, showscale=False),
        hovertemplate="true accuracy %{customdata:.2f} %<extra></extra>",
    ))
    fig.update_xaxes(title=f"PC1 ({100 * info.explained_variance[0]:.0f} % of variance)")
    fig.update_yaxes(title=f"PC2 ({100 * info.explained_variance[1]:.0f} % of variance)")
    return _layout(fig, title, height=460, showlegend=False)


def jensen_histogram(infos: dict[str, JensenInfo], which: str, title: str) -> go.Figure:
    """Distribution of gap = value at the point − chord; right of 0 is a convexity violation."""
    fig = go.Figure()
    for side, info in infos.items():
        gaps = (info.gap_true if which == "true" else info.gap_predicted).ravel()
        fig.add_trace(go.Histogram(x=gaps, name=side.upper(), opacity=0.6, nbinsx=60, marker_color=SIDE_COLOURS.get(side)))
    fig.add_vline(x=0, line=dict(color="black", dash="dash"), annotation_text="chord")
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title="error at the point − chord (points of error); > 0 violates convexity")
    fig.update_yaxes(title="points")
    return _layout(fig, title, height=360)


def line_figure(t: np.ndarray, true_acc: np.ndarray, predicted: np.ndarray, title: str) -> go.Figure:
    fig = go.Figure([
        go.Scatter(x=t, y=true_acc, mode="lines+markers", name="true (decoded cell)"),
        go.Scatter(x=t, y=predicted, mode="lines+markers", name="predicted at the point"),
    ])
    fig.update_xaxes(title="t (0 = first cell, 1 = second cell)")
    fig.update_yaxes(title="accuracy (%)")
    return _layout(fig, title, height=320)
