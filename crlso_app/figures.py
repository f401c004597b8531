"""Figure builders: plain data in (arrays and crlso_core's info dataclasses), Plotly figure
out. No Streamlit here, so each builder can be tested on its own.

Scatter plots of a run's whole pool (15,625 cells on NB201; the 2-D one is
crlso_app/cloud_chart.py's canvas, with the same colours) draw the best cells last, on top;
colour runs from dark purple (worst) to yellow (best), the app's one rank scale
(crlso_app/theme.py), by each cell's rank among the values shown (NB201's accuracies bunch near the top,
with a long tail down to 10 %: a linear scale painted nearly every cell one blue), with the
colour bar reading in the values at chosen percentiles. Hover labels are the space's short
cell labels. Every method and side has one colour everywhere."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from crlso_app.figures_scale import (  # noqa: F401  (kept importable from here, as the pages and tests do)
    QUANTILES,
    draw_order,
    quantile_colorbar,
    quantile_positions,
    rank_ticks,
    robust_bounds,
    tick_text,
)
from crlso_app.theme import NEUTRAL, PLANE_SCALE, RANK_SCALE, SIGNED_SCALE, TEXT, apply_theme
from crlso_core.analysis.convexity import SurfaceInfo
from crlso_core.analysis.curves import Curve
from crlso_core.analysis.found import FoundMap
from crlso_core.analysis.similarity import SimilarityInfo
from crlso_core.catalog.methods import BASELINE_LABELS, SIDE_METHODS, method_colour, side_name

SCALE = RANK_SCALE  # low = worst, high = best: the app's one scale for how good a cell is (crlso_app/theme.py)
CLOUD, CLOUD_LIGHT = "#a8a8a8", "#ececec"  # the pool behind a trajectory, densest to sparsest: light, so the path stands out
PATH, CURRENT = "#d62728", "#ffbf00"
NOT_LATENT = "#555555"  # a fallback, mutation or random query: drawn apart from latent moves


MARGIN = dict(l=100, r=25, t=50, b=80)  # room for a y axis's 16 px ticks and title on the left and an x axis's below (crlso_app/theme.py)


def _layout(fig: go.Figure, title: str, height: int = 460, margin: Optional[dict] = None, **kwargs) -> go.Figure:
    """Title, height and margins. The margins are wide enough for what stands in them (axes,
    colour bars, legends): Plotly widens a margin that is too narrow by drawing the whole chart
    a second time (the Convexity page's contour chart, when it was Plotly's with its cells as SVG
    markers, drew in 0.31 s with 10 px margins, 0.17 s with these). `margin` overrides MARGIN's sides."""
    fig.update_layout(title=title, height=height, margin=MARGIN | (margin or {}), uirevision="keep", **kwargs)
    return apply_theme(fig)


COLOUR_BAR_MARGIN = dict(r=125)  # a vertical colour bar right of the chart, its ticks and title


def latent_scatter_3d(
    xyz: np.ndarray, colour: np.ndarray, labels: Sequence[str], true_acc: np.ndarray, pred_acc: np.ndarray,
    title: str, colour_label: str, reverse: bool = False, highlight: Optional[int] = None, highlight_label: str = "",
    axis_titles: Sequence[str] = ("", "", ""), rows: Optional[np.ndarray] = None,
) -> go.Figure:
    """Every cell (or the `rows` given, in their order) at its 3-D PCA position, in
    `draw_order` (best last, on top); trace 0 is the cells. `reverse` for ranks (1 = best =
    blue). Colour follows each cell's rank among the values shown (`quantile_positions`), so
    the colours spread evenly; the colour bar reads in the values themselves, at QUANTILES.
    `highlight` marks a cell. (The 2-D chart is crlso_app/cloud_chart.py's canvas.) Numbers
    are float32: the chart is sent to the browser whole on every change."""
    rows = draw_order(colour, reverse) if rows is None else np.asarray(rows)
    custom = np.stack([true_acc[rows], pred_acc[rows]], 1).astype(np.float32)
    pts = xyz[rows].astype(np.float32)
    fig = go.Figure(go.Scatter3d(
        x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], mode="markers", customdata=custom, text=[labels[i] for i in rows],
        hovertemplate="%{text}<br>true %{customdata[0]:.2f} % · predicted %{customdata[1]:.2f} %<extra></extra>",
        marker=dict(
            color=quantile_positions(colour, reverse)[rows].astype(np.float32), colorscale=SCALE, reversescale=reverse,
            cmin=0.0, cmax=1.0, size=4, colorbar=quantile_colorbar(colour, colour_label), opacity=0.85,
        ),
        name="cells",
    ))
    fig.update_layout(
        scene=dict(
            dragmode="orbit", aspectmode="cube",  # the cloud fills the box, whatever its axes' spreads
            **{f"{a}axis": dict(title=dict(text=axis_titles[k], font=dict(size=16)), tickfont=dict(size=14),
                                range=robust_bounds(xyz[:, k])) for k, a in enumerate("xyz")},
        ),
        scene_camera=dict(eye=dict(x=1.5, y=1.5, z=1.0)),
    )
    if highlight is not None:
        fig.add_trace(go.Scatter3d(
            x=[xyz[highlight][0]], y=[xyz[highlight][1]], z=[xyz[highlight][2]], mode="markers", name="selected",
            marker=dict(size=8, color=CURRENT, line=dict(color="black", width=2)),
            hovertext=[f"selected: {highlight_label or labels[highlight]}"], hoverinfo="text",
        ))
    fig.update_layout(showlegend=False)
    return _layout(fig, title, height=470, margin=COLOUR_BAR_MARGIN)


def side_by_side(panels: Sequence[go.Figure], title: str, gap: float = 0.17) -> go.Figure:
    """3-D panels (from `latent_scatter_3d`) as scenes of one figure: one chart is one WebGL
    context and one draw in the browser, where a chart per side cost a context and a draw
    each. Panel i's first trace (the cells) is trace i, so a click's curve number is its
    panel; other traces (3-D marks) follow, each panel's scene settings go with it, and each
    colour bar stands right of its panel."""
    from plotly.subplots import make_subplots

    n = len(panels)
    fig = make_subplots(1, n, subplot_titles=[p.layout.title.text or "" for p in panels], horizontal_spacing=gap,
                        specs=[[{"type": "scene"}] * n])
    for i, panel in enumerate(panels):
        right = fig.layout[_scene_name(i)].domain.x[1]
        for trace in panel.data:
            if "colorbar" in getattr(trace, "marker", {}):
                trace.marker.colorbar.update(x=right + 0.005, xanchor="left", len=0.9)
    for i, panel in enumerate(panels):
        fig.add_trace(panel.data[0], row=1, col=i + 1)
    for i, panel in enumerate(panels):
        for trace in panel.data[1:]:
            fig.add_trace(trace, row=1, col=i + 1)
        scene = panel.layout.scene.to_plotly_json()
        scene.pop("domain", None)
        fig.layout[_scene_name(i)].update(scene, camera=panel.layout.scene.camera)
    fig.update_layout(showlegend=False)
    fig = _layout(fig, title, height=max(p.layout.height or 460 for p in panels), margin=panels[0].layout.margin.to_plotly_json())
    fig.update_annotations(font_size=17, selector=dict(xref="paper"))  # the panels' titles
    return fig


def _scene_name(i: int) -> str:
    """Plotly's name for subplot i's scene: "scene", "scene2"."""
    return "scene" if i == 0 else f"scene{i + 1}"


CLOUD_BINS = 90  # squares a side of the pool's density image behind a trajectory


def _cloud(xy: np.ndarray, bounds: Optional[tuple[Sequence[float], Sequence[float]]] = None) -> go.Heatmap:
    """The pool behind a search's moves as a light density image (cells per small square, on a
    log scale), not a point a cell: an image draws at once, where 15,625 WebGL points cost a
    WebGL context and most of a second in a software-rendered browser (measurements/app_speed.py).
    `bounds` ((x0, x1), (y0, y1)): the part of the plane shown, so a zoomed chart keeps its
    resolution. Squares without a cell stay white."""
    xy = np.asarray(xy, dtype=np.float64)[:, :2]
    xy = xy[np.isfinite(xy).all(1)]
    if bounds is None:
        bounds = tuple((float(xy[:, k].min()), float(xy[:, k].max())) if len(xy) else (0.0, 1.0) for k in range(2))
    edges = [(lo, hi) if hi > lo else (lo - 0.5, lo + 0.5) for lo, hi in bounds]
    counts, xe, ye = np.histogram2d(xy[:, 0], xy[:, 1], bins=CLOUD_BINS, range=edges)
    z = np.where(counts > 0, np.log1p(counts), np.nan).T.astype(np.float32)  # rows are y
    return go.Heatmap(x=((xe[:-1] + xe[1:]) / 2).astype(np.float32), y=((ye[:-1] + ye[1:]) / 2).astype(np.float32), z=z,
                      colorscale=[[0.0, CLOUD_LIGHT], [1.0, CLOUD]], showscale=False, hoverinfo="skip", name="cells")


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[list, list]:
    xs, ys = [], []
    for (x0, y0), (x1, y1) in zip(starts, ends):
        xs += [float(x0), float(x1), None]
        ys += [float(y0), float(y1), None]
    return xs, ys


def trajectory_overview(
    xy: np.ndarray, starts: np.ndarray, ends: np.ndarray, found: Sequence[str],
    title: str, current: Optional[tuple[np.ndarray, np.ndarray]] = None, latent: Optional[np.ndarray] = None,
) -> go.Figure:
    """Every queried step of the search as a segment from its start cell to the cell it found
    (ending in an arrowhead), over the light cloud of the pool. Latent moves (`latent` True)
    are solid red; fallbacks, mutations and random cells (not latent moves) grey and dashed,
    ending in a cross. `current` (its segments' starts and ends) is drawn thicker, in gold.
    The pool (`xy`) is a density image under them."""
    fig = go.Figure(_cloud(xy))
    latent = np.ones(len(starts), dtype=bool) if latent is None else np.asarray(latent, dtype=bool)
    found = np.asarray(list(found), dtype=object)
    for moved, colour, dash, symbol, name in ((True, PATH, "solid", "arrow", "latent moves"),
                                              (False, NOT_LATENT, "dash", "x", "not latent moves")):
        rows = np.flatnonzero(latent == moved)
        if not len(rows):
            continue
        xs, ys = _segments(starts[rows], ends[rows])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=1.2, dash=dash), opacity=0.55,
                                 hoverinfo="skip", name=name, legendgroup=name))
        fig.add_trace(go.Scatter(x=ends[rows, 0], y=ends[rows, 1], mode="markers", text=list(found[rows]),
                                 hovertemplate="%{text}<extra></extra>", legendgroup=name, showlegend=False,
                                 marker=dict(symbol=symbol, angleref="previous", size=9, color=colour), name=name))
    if current is not None and len(current[0]):
        xs, ys = _segments(*current)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                line=dict(color=CURRENT, width=3.5),
                marker=dict(size=8, color=CURRENT, line=dict(color="black", width=1)),
                hoverinfo="skip",
                name="this trajectory",
            )
        )
    fig.update_layout(showlegend=not latent.all(), legend=dict(orientation="h", y=-0.08))
    return _layout(fig, title, height=460, margin=dict(l=60, b=60))


def origins_figure(by_method: dict, title: str) -> go.Figure:
    """Per method a stacked bar of where its search queries came from (an Origins each):
    latent moves in blues, fallbacks, mutations and random cells in other colours."""
    from crlso_core.search.origins import ABOUT, COLOURS, ORIGINS

    fig = go.Figure()
    methods = list(by_method)
    for kind in ORIGINS:
        counts = [by_method[m].counts[kind] for m in methods]
        if not any(counts):
            continue
        fig.add_trace(go.Bar(y=methods, x=counts, orientation="h", name=ABOUT[kind], marker_color=COLOURS[kind],
                             text=[str(n) if n else "" for n in counts], textposition="inside",
                             hovertemplate="%{y}: %{x} queries<extra>" + ABOUT[kind] + "</extra>"))
    fig.update_layout(barmode="stack", legend=dict(orientation="h", y=-0.35))
    fig.update_xaxes(title="search queries (labelled set left out)")
    return _layout(fig, title, height=160 + 45 * len(methods), margin=dict(l=150, b=100))  # method names left of the bars


def accuracy_histogram(values: np.ndarray, optimum: Optional[float], title: str, selected: Optional[float] = None) -> go.Figure:
    fig = go.Figure(go.Histogram(x=values, nbinsx=80, marker_color=NEUTRAL, name="cells"))
    if optimum is not None:
        fig.add_vline(x=optimum, line=dict(color="green", dash="dash"), annotation_text=f"optimum {optimum:.2f}",
                      annotation_position="top left", annotation_yshift=12)
    if selected is not None:
        fig.add_vline(x=selected, line=dict(color="#d62728", width=2), annotation_text=f"selected {selected:.2f}",
                      annotation_position="top left", annotation_bgcolor="white")
    fig.update_xaxes(title="accuracy (%)")
    fig.update_yaxes(title="cells")
    return _layout(fig, title, height=320)


def similarity_heatmap(matrix: np.ndarray, title: str, x_label: str, y_label: str) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix, zmin=-1, zmax=1, colorscale=SIGNED_SCALE, colorbar=dict(title="cosine", thickness=14)))
    fig.update_xaxes(title=x_label)
    fig.update_yaxes(title=y_label, autorange="reversed")
    return _layout(fig, title, height=430, margin=dict(r=95, b=90))


def similarity_figures(info: SimilarityInfo, label: str) -> tuple[go.Figure, go.Figure]:
    return (
        similarity_heatmap(info.top_top, f"{label}: top-{info.k} × top-{info.k}", "top cells (best first)", "top cells"),
        similarity_heatmap(info.top_worst, f"{label}: top-{info.k} × worst-{info.k}", "worst cells (worst first)", "top cells"),
    )


LABELLED_FILL = "rgba(120,120,120,0.10)"


def mark_labelled(fig: go.Figure, labelled: Optional[int]) -> None:
    """Where a latent method's labelled set ends and its search begins: a light band over the
    labelled queries and a dashed line at their count (students read a latent method's first
    hundreds of queries, spent on its training set, as a slow search)."""
    if labelled is None or labelled <= 0:
        return
    fig.add_vrect(x0=0, x1=labelled, fillcolor=LABELLED_FILL, line_width=0, layer="below")
    fig.add_vline(x=labelled, line=dict(color="#555555", width=1.5, dash="dash"), annotation_text="labelled set ends · search begins",
                  annotation_position="bottom right", annotation_font=dict(size=15, color=TEXT),
                  annotation_bgcolor="rgba(255,255,255,0.7)")


def add_optimum(fig: go.Figure, optimum: Optional[float], metric: str = "valid") -> None:
    if optimum is not None:
        fig.add_hline(
            y=optimum,
            line=dict(color="green", dash="dash"),
            annotation_text=f"validation optimum {optimum:.2f}"
            if metric == "valid"
            else f"test acc. of the validation optimum {optimum:.2f}",
        )


def curves_figure(
    curves: Sequence[Curve], optimum: Optional[float], title: str, metric: str = "valid", labelled: Optional[int] = None,
) -> go.Figure:
    """Best-so-far curves, each in its method's colour; `optimum` (validation optimum, or its
    cell's test accuracy) is drawn when the benchmark knows it. Curves without the metric (no
    test accuracy) are left out. `labelled`: the latent methods' labelled-set size, marked
    (`mark_labelled`) where their search begins."""
    fig = go.Figure()
    shown = [c for c in curves if getattr(c, metric) is not None]
    runs = list(dict.fromkeys(c.label.rsplit(": ", 1)[0] for c in shown if ": " in c.label))
    for i, curve in enumerate(shown):
        y = getattr(curve, metric)
        dash = ["solid", "dash", "dot", "dashdot"][runs.index(curve.label.rsplit(": ", 1)[0]) % 4] if ": " in curve.label else "solid"
        fig.add_trace(go.Scatter(x=np.arange(1, len(y) + 1), y=y, mode="lines", name=curve.label,
                                 line=dict(color=method_colour(curve.label, i), width=2, dash=dash)))
    top = max([float(getattr(c, metric).max()) for c in shown if len(getattr(c, metric))], default=None)
    add_optimum(fig, optimum, metric)
    if optimum is not None:
        top = optimum if top is None else max(top, optimum)
    settled = [c for curve in shown if len(y := getattr(curve, metric)) > 20 for c in [y[19]]]
    if settled and top is not None:  # start the axis where the curves are after 20 queries: the first few drown the rest
        fig.update_yaxes(range=[min(settled) - 0.5, top + 0.4])
    mark_labelled(fig, labelled)
    fig.update_xaxes(title="benchmark queries")
    fig.update_yaxes(title="best-so-far validation accuracy (%)" if metric == "valid" else "test accuracy of best-validation cell (%)")
    return _layout(fig, title, height=380, legend=dict(orientation="h", y=-0.2), margin=dict(b=100))


def stage_method(stage: str) -> str:
    """A live curve's stage ("crls:search", "ls:search", "rea", "rs", "local") as its method's
    label ("CR-LSO", "LSO", "REA", ...): the label `method_colour` knows. A baseline run from
    one side ("crls:rea") reads "CR-LS: REA"; an unknown stage is kept as it is."""
    side, _, name = stage.rpartition(":")
    if name == "search" and side in SIDE_METHODS:
        return SIDE_METHODS[side]
    if name in BASELINE_LABELS:
        return f"{side_name(side)}: {BASELINE_LABELS[name]}" if side else BASELINE_LABELS[name]
    return stage


def live_curve_figure(
    curves: dict[str, list[tuple[int, float]]], optimum: Optional[float], labelled: Optional[int] = None,
) -> go.Figure:
    """The Search page's live best-so-far curves (stage -> [(queries, best validation
    accuracy)], as the job's progress has them), in the same colour per method as every other
    page, with the validation optimum and the labelled set's end (`mark_labelled`)."""
    fig = go.Figure()
    for i, (stage, points) in enumerate(curves.items()):
        label = stage_method(stage)
        fig.add_trace(go.Scatter(x=[int(p[0]) for p in points], y=[float(p[1]) for p in points], mode="lines+markers", name=label,
                                 line=dict(color=method_colour(label, i), width=2), marker=dict(size=5)))
    add_optimum(fig, optimum)
    mark_labelled(fig, labelled)
    fig.update_xaxes(title="benchmark queries")
    fig.update_yaxes(title="accuracy (%)")
    return _layout(fig, "Live: best-so-far validation accuracy", height=320, legend=dict(orientation="h", y=-0.25), margin=dict(b=100))


def found_figure(found: FoundMap, title: str) -> go.Figure:
    """Every cell each method queried, one t-SNE for all, one colour per method; each
    method's best cell drawn large."""
    fig = go.Figure()
    methods = list(dict.fromkeys(found.methods))
    at = np.asarray(found.methods)
    for i, method in enumerate(methods):
        rows = np.flatnonzero(at == method)
        colour = method_colour(method, i)
        text = [f"{method}: {found.valid[r]:.2f} %" for r in rows]
        fig.add_trace(go.Scatter(x=found.xy[rows, 0], y=found.xy[rows, 1], mode="markers", name=method, text=text,
                                 hoverinfo="text", marker=dict(color=colour, size=6, opacity=0.65)))
        best = rows[int(np.argmax(found.valid[rows]))]
        fig.add_trace(go.Scatter(x=[found.xy[best, 0]], y=[found.xy[best, 1]], mode="markers", showlegend=False,
                                 hoverinfo="text", text=[f"{method}'s best: {found.valid[best]:.2f} %"],
                                 marker=dict(color=colour, size=16, symbol="star", line=dict(color="black", width=1))))
    fig.update_xaxes(showticklabels=False, title=None)
    fig.update_yaxes(showticklabels=False, title=None)
    return _layout(fig, title, height=480, legend=dict(orientation="h", y=-0.05))


def surface_figure(info: SurfaceInfo, title: str) -> go.Figure:
    """The predicted accuracy over the PC plane as a surface. Sized for a half-width column
    (about 760 × 460 px): short axis titles, a flatter box and a camera that leaves room for
    all three titles (the z title was clipped at the left edge)."""
    fig = go.Figure(go.Surface(x=info.xs, y=info.ys, z=info.predicted, colorscale=PLANE_SCALE,
                               colorbar=dict(title="pred. acc", thickness=14, len=0.8)))
    axis = dict(tickfont=dict(size=14))
    fig.update_layout(
        scene=dict(
            xaxis=dict(axis, title=dict(text="PC1", font=dict(size=15))),
            yaxis=dict(axis, title=dict(text="PC2", font=dict(size=15))),
            zaxis=dict(axis, title=dict(text="pred. acc (%)", font=dict(size=15))),
            dragmode="orbit", aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.7), domain=dict(x=[0, 1], y=[0, 1]),
        ),
        scene_camera=dict(eye=dict(x=1.6, y=-1.6, z=0.95), center=dict(x=0, y=0, z=-0.1)),
    )
    return _layout(fig, title, height=460, margin=dict(l=0, r=95, b=0))  # a scene: no axes in the margins; the colour bar right
