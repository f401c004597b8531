"""The Convexity page's 2-D charts drawn on the server as PNG pictures (matplotlib's Agg
canvas, no pyplot: nothing global, safe in Streamlit's threads).

Why pictures: in the software-rendered Chromium the app is measured in, each Plotly chart
added 0.3-0.7 s to a reload of the page, and the page holds three; a picture costs the
browser next to nothing to show. What the charts lose is hover and zoom: the numbers they
showed are in the metrics and the table beside them. Drawn at the width of the page's main
column at 1600 px, with text of 14 px or more, so they stay legible on a projector."""

from __future__ import annotations

import io
import textwrap
from typing import Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from crlso_app.figures import quantile_positions
from crlso_app.theme import MIN_FONT, MPL_STYLE, PREDICTED_COLOUR, RANK_CMAP, TRUE_COLOUR, plane_cmap
from crlso_core.analysis.convexity import JensenInfo, SurfaceInfo
from crlso_core.catalog.methods import SIDE_METHODS, method_colour, side_name

WIDTH_IN, DPI = 12.4, 100  # about the main column's width at 1600 px: shown at 1:1, text keeps its size
STYLE = MPL_STYLE  # the app's text sizes (14 px or more) and near-black text, as its Plotly charts
CONTOUR_SCALE = plane_cmap()  # a predictor's plane: light = lower, dark = higher (crlso_app/theme.py)
DOT_SCALE = RANK_CMAP  # the cells over it: the app's one rank scale, as on the Latent page
CONTOUR_DOTS = 800  # cells over each contour: enough to read the layout
CONTOUR_LEVELS = 20
JENSEN_BINS = 60
JENSEN_PANELS = {"true": "True error of the decoded cell", "predicted": "Predicted error"}
LINE_COLOURS = {"true": TRUE_COLOUR, "predicted": PREDICTED_COLOUR}
TITLE_CHARS = 100  # a title line at 18 px that fits the picture's width (NB301's cell labels run ~100 characters)


def wrapped(title: str, width: int = TITLE_CHARS) -> str:
    """A title in lines that fit the picture: matplotlib cuts a longer one at the edges."""
    return "\n".join(textwrap.wrap(title, width)) or title


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def _figure(height_in: float) -> Figure:
    return Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")


def dots_shown(true_acc: np.ndarray, count: int = CONTOUR_DOTS) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random sample of the cells (rows) and each one's rank of true accuracy (0 worst,
    1 best, as the Latent page colours them: ties share a rank, unknown counts as worst),
    ordered so that the best are drawn last, on top, and the unknown first."""
    rank = quantile_positions(true_acc)
    sample = np.random.default_rng(0).choice(len(rank), size=min(count, len(rank)), replace=False)
    shown = sample[np.lexsort((rank[sample], np.isfinite(np.asarray(true_acc, dtype=float)[sample])))]
    return shown, rank[shown]


def contour_picture(panels: Sequence[tuple[SurfaceInfo, np.ndarray, str]], title: str) -> bytes:
    """Each panel (surface, every cell's true accuracy, panel title): the predicted accuracy
    over the PC plane as filled contours with its own colour bar, and `CONTOUR_DOTS` cells at
    their PC coordinates coloured by the rank of their true accuracy (one colour bar below for
    those). Panels side by side, each on its own scale: the two latent spaces differ."""
    with rc_context(STYLE):
        fig = _figure(5.6)
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        dots = None
        for ax, (info, true_acc, name) in zip(axes, panels):
            filled = ax.contourf(info.xs, info.ys, info.predicted, levels=CONTOUR_LEVELS, cmap=CONTOUR_SCALE)
            fig.colorbar(filled, ax=ax, label="predicted accuracy (%)", fraction=0.06, pad=0.02)
            rows, rank = dots_shown(np.asarray(true_acc, dtype=float))
            xy = np.asarray(info.cell_xy)[rows]
            dots = ax.scatter(xy[:, 0], xy[:, 1], c=rank, cmap=DOT_SCALE, vmin=0, vmax=1, s=16,
                              edgecolors="white", linewidths=0.5)
            ax.set_xlim(info.xs[0], info.xs[-1])
            ax.set_ylim(info.ys[0], info.ys[-1])
            ax.set_xlabel(f"PC1 ({100 * info.explained_variance[0]:.0f} % of variance)")
            ax.set_ylabel(f"PC2 ({100 * info.explained_variance[1]:.0f} % of variance)")
            span = float(np.nanmax(info.predicted) - np.nanmin(info.predicted))  # said in the title: a small span fills the scale too
            ax.set_title(f"{name} · spans {span:.2f} points")
        if dots is not None:
            bar = fig.colorbar(dots, ax=list(axes), orientation="horizontal", location="bottom", fraction=0.05, aspect=60,
                               shrink=0.6, ticks=[0, 0.5, 1])
            bar.ax.set_xticklabels(["worst", "median", "best"])
            bar.set_label("cells: rank of true accuracy")
        fig.suptitle(wrapped(title))
        return png(fig)


def _step(edges: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A histogram's outline: each count held across its bin, down to 0 at both ends."""
    return np.repeat(edges, 2), np.concatenate([[0], np.repeat(counts, 2), [0]])


def jensen_picture(infos: dict[str, JensenInfo]) -> bytes:
    """Distributions of gap = value at the point − chord, true error (left) and predicted
    error (right). Each side is an outlined step histogram in its colour with a light fill,
    over bins shared by both sides within a panel, so neither hides the other; right of the
    dashed 0 line is a convexity violation."""
    with rc_context(STYLE):
        fig = _figure(4.4)
        axes = fig.subplots(1, 2)
        for ax, which in zip(axes, JENSEN_PANELS):
            gaps = {side: (info.gap_true if which == "true" else info.gap_predicted).ravel() for side, info in infos.items()}
            gaps = {side: g[np.isfinite(g)] for side, g in gaps.items()}  # a decoded cell the benchmark cannot answer has no true gap
            everything = np.concatenate([g for g in gaps.values()] + [np.zeros(0)])
            edges = np.histogram_bin_edges(everything, bins=JENSEN_BINS) if len(everything) else np.linspace(-1, 1, JENSEN_BINS + 1)
            for i, (side, g) in enumerate(gaps.items()):
                if not len(g):
                    continue
                counts, _ = np.histogram(g, bins=edges)
                x, y = _step(edges, counts)
                colour = method_colour(SIDE_METHODS.get(side, side), i)
                ax.fill_between(x, y, color=to_rgba(colour, 0.12), linewidth=0)
                ax.plot(x, y, color=colour, linewidth=2, label=side_name(side))
            ax.axvline(0, color="black", linestyle="--", linewidth=1.2)
            ax.annotate("chord", (0, 1), xycoords=("data", "axes fraction"), xytext=(4, -4),
                        textcoords="offset points", va="top", fontsize=MIN_FONT)
            ax.set_ylim(bottom=0)
            ax.set_xlabel("error at the point − chord (points); > 0 violates")
            ax.set_ylabel("points")
            ax.set_title(JENSEN_PANELS[which])
        handles, labels = axes[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, loc="outside right upper")
        fig.suptitle("Jensen gaps: " + " and ".join(t.lower() if i else t for i, t in enumerate(JENSEN_PANELS.values())))
        return png(fig)


def line_picture(t: np.ndarray, true_acc: np.ndarray, predicted: np.ndarray, title: str) -> bytes:
    """True accuracy of the decoded cell and predicted accuracy at each point of a straight
    line between two codes (a missing true accuracy leaves a gap in its line)."""
    with rc_context(STYLE):
        fig = _figure(3.8)
        ax = fig.subplots()
        ax.plot(t, true_acc, marker="o", color=LINE_COLOURS["true"], linewidth=2, label="true (decoded cell)")
        ax.plot(t, predicted, marker="o", color=LINE_COLOURS["predicted"], linewidth=2, label="predicted at the point")
        ax.set_xlabel("t (0 = first cell, 1 = second cell)")
        ax.set_ylabel("accuracy (%)")
        ax.grid(alpha=0.3)
        fig.legend(loc="outside lower center", ncols=2)  # below: the title and the axes keep the whole width
        fig.suptitle(wrapped(title))
        return png(fig)
