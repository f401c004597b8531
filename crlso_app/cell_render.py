"""Any space's cell drawn with st.graphviz_chart (Graphviz runs in the browser; no binary on
the server), from the space's drawing data: the DOT text is SearchSpace.to_dot
(crlso_core.spaces.drawing.to_dot, the one place a cell becomes DOT), laid out left to
right, edges labelled with their op, sized to be read on a projector. Below the drawing, a
legend of the ops the cell uses. NB301's normal and reduction cells are two clusters side by
side in one drawing.

Size: Graphviz lays the text out at 16 pt, 21 px at the chart's natural size; a chart wider
than its column is scaled down to fit. Measured in Chromium at 1600x1000 with the sidebar
open: NB201, NB101 and toy cells keep 21 px in a 2/5 column (448 px) and 18-21 px in a
third (369 px); NB301's two cells side by side are 550-750 pt wide, so they need a column of
about 660 px for 14 px: 21 px at the page's full width (1140 px), 12-17 px in a half, 10-13
px in 2/5. Show NB301 cells at full width.

A page hands these functions its run's space and the cell object (the pool's parsed cell,
RunView.cell_of); a string is parsed only where it enters the page (the URL, a text box).

Colours: every op colour has a WCAG contrast of at least 4.5:1 on white (contrast_ratio), so
it is legible as an edge label's text and visible as a line (3:1 is enough for those)."""

from __future__ import annotations

import html

import numpy as np
import streamlit as st

from crlso_core.spaces.base import Cell, SearchSpace
from crlso_core.spaces.drawing import EDGE_PT, FAINT, NODE_PT, TITLE_PT

MIN_TEXT_CONTRAST, MIN_LINE_CONTRAST = 4.5, 3.0  # WCAG 2: normal text, and graphical objects


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour '#rrggbb'."""
    rgb = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(colour: str, background: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio, 1 to 21: (L_lighter + 0.05) / (L_darker + 0.05)."""
    a, b = sorted((relative_luminance(colour), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _swatch(colour: str, dashed: bool = False) -> str:
    look = f"border-top:3px dashed {colour};height:0" if dashed else f"background:{colour};height:0.9em;border-radius:3px"
    return f'<span style="display:inline-block;width:1.5em;{look};vertical-align:middle;margin-right:0.3em"></span>'


def legend_html(the_space: SearchSpace, cell: Cell) -> str:
    """The ops a cell uses, in the space's op order: a colour swatch (dashed for an op drawn
    dashed), the text the drawing writes for the op and, in brackets, the op's name; then a
    dashed grey swatch when the drawing has dashed edges that carry no op (NB301's edges
    into the output)."""
    drawn: dict[str, str] = {}  # op -> the text the drawing shows for it
    dashed: set[str | None] = set()  # ops of dashed edges, None for a dashed edge with no op
    for drawing in the_space.drawing(cell):
        for edge in drawing.edges:
            if edge.op:
                drawn.setdefault(edge.op, edge.label or edge.op)
            if edge.faint:
                dashed.add(edge.op)
        drawn.update((node.op, node.label) for node in drawing.nodes if node.op and node.op not in drawn)
    colours = the_space.colours()
    items = [
        _swatch(colours[op], op in dashed) + html.escape(drawn[op]) + (f" ({html.escape(op)})" if drawn[op] != op else "")
        for op in the_space.op_names
        if op in drawn
    ]
    if None in dashed:
        items.append(_swatch(FAINT, dashed=True) + "no op")
    spans = " &ensp; ".join(f'<span style="white-space:nowrap">{item}</span>' for item in items)
    return f'<div class="crlso-cell-legend" style="line-height:1.8">{spans}</div>'


def _font_sizes_css() -> str:
    """st.graphviz_chart's own style sets every element's font-size to 9.6 px, which beats
    the font-size Graphviz writes on each text (an attribute, below any CSS rule): labels
    came out small in boxes laid out for larger text. This gives the texts of our sizes back
    the size Graphviz laid them out with (in SVG units, which the chart scales)."""
    sizes = sorted({NODE_PT, EDGE_PT, TITLE_PT})
    rules = "".join(f'[data-testid="stGraphVizChart"] text[font-size="{pt:.2f}"] {{ font-size: {pt}px; }}' for pt in sizes)
    return f"<style>{rules}</style>"


def show_cell(space: SearchSpace, cell: Cell, container=st) -> None:
    """Draw a cell of the space in `container` (st, a column, an expander...): the Graphviz
    drawing at its natural size (scaled down to the container when wider), then the legend
    of its ops. NB301 shows its normal and reduction cells side by side."""
    container.html(_font_sizes_css())  # style only: Streamlit puts it where it takes no room
    container.graphviz_chart(space.to_dot(cell), width="content", alt=f"cell {space.format(cell)}")
    container.markdown(legend_html(space, cell), unsafe_allow_html=True)


def label_help_markdown(space: SearchSpace) -> str:
    """Markdown explaining the space's short cell labels (the plots' hover text); empty when
    the space says nothing about them."""
    if not space.label_help:
        return ""
    return f"**Reading the short cell labels ({space.title}).** {space.label_help}"


def draws_wide(space: SearchSpace) -> bool:
    """Whether the space draws a cell as several graphs side by side (NB301's normal and
    reduction cells): such a drawing needs the page's full width to keep 14 px text."""
    (cell,) = space.sample(np.random.default_rng(0), 1)
    return len(space.drawing(cell)) > 1


def chart_and_cell(space: SearchSpace, weights=(3, 2)):
    """Two containers, for a chart and the cell it points at: side by side in columns, or the
    chart above the cell at full width for a space whose cells draw wide."""
    if draws_wide(space):
        return st.container(), st.container()
    return tuple(st.columns(list(weights)))
