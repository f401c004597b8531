"""Any space's cell as an inline SVG, drawn from the space's drawing data
(crlso_core.spaces.drawing): nodes left to right in topological order; edges between
neighbours straight, longer ones as arcs (even spans above, odd below, higher the longer);
an op on an edge colours the edge and labels it, an op on a node colours the node; an edge
that carries nothing is faint and dashed. An architecture of several cells (NB301's normal
and reduction cells) is drawn as one row per cell."""

from __future__ import annotations

import html
from typing import Optional

from crlso_core.catalog.registry import get_space
from crlso_core.spaces.base import SearchSpace
from crlso_core.spaces.drawing import CellDrawing

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
FAINT = "#b0b0b0"
PLAIN = "#4d4d4d"  # an edge with no op
NODE_R, MARGIN, TITLE_H = 21, 45, 22


def op_colour(space: SearchSpace, op: Optional[str]) -> str:
    if op is None:
        return PLAIN
    if op in space.op_colours:
        return space.op_colours[op]
    index = space.op_names.index(op) if op in space.op_names else len(space.op_names)
    return PALETTE[index % len(PALETTE)]


def _gap(nodes: int) -> float:
    return 160.0 if nodes <= 5 else 110.0


def _lift(span: int) -> float:
    """How far an edge spanning `span` node positions bends away from the row (signed: up < 0)."""
    return 0.0 if span <= 1 else (-39.0 * span if span % 2 == 0 else 30.7 * span)


def _edge_path(x: list[float], y: float, s: int, t: int) -> tuple[str, float, float]:
    """An SVG path for edge s->t and where its label goes."""
    x0, x1 = x[s] + NODE_R + 1, x[t] - NODE_R - 1
    lift = _lift(t - s)
    if lift == 0:
        return f"M{x0:.1f},{y:.1f} L{x1:.1f},{y:.1f}", (x0 + x1) / 2, y - 8
    cx, cy = (x0 + x1) / 2, y + 2 * lift
    y0 = y + (-14 if lift < 0 else 14)
    return f"M{x0 - 6:.1f},{y0:.1f} Q{cx:.1f},{cy:.1f} {x1 + 6:.1f},{y0:.1f}", cx, y + lift + 4


def _extent(drawing: CellDrawing) -> tuple[float, float]:
    """Room needed above and below the node row."""
    lifts = [_lift(e.dst - e.src) for e in drawing.edges] + [0.0]
    return max(NODE_R, -min(lifts)) + 24, max(NODE_R, max(lifts)) + 24


def _draw(space: SearchSpace, drawing: CellDrawing, top: float) -> tuple[list[str], float, set[str]]:
    """SVG elements of one drawing whose area starts at `top`; returns them, its height and
    the arrow colours used."""
    above, below = _extent(drawing)
    title = TITLE_H if drawing.title else 0
    y = top + title + above
    x = [MARGIN + i * _gap(len(drawing.nodes)) for i in range(len(drawing.nodes))]
    parts, labels, colours = [], [], set()
    if drawing.title:
        parts.append(
            f'<text x="{MARGIN - NODE_R}" y="{top + 15:.1f}" font-size="13" font-weight="bold" fill="#333">'
            f"{html.escape(drawing.title)}</text>"
        )
    for edge in drawing.edges:
        colour = FAINT if edge.faint else op_colour(space, edge.op)
        colours.add(colour)
        path, lx, ly = _edge_path(x, y, edge.src, edge.dst)
        dash = ' stroke-dasharray="5,4" opacity="0.7"' if edge.faint else ""
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash} marker-end="url(#arrow-{colour[1:]})"/>')
        if edge.label:
            w = 8 + 7.2 * len(edge.label)
            labels.append(
                f'<rect x="{lx - w / 2:.1f}" y="{ly - 13:.1f}" width="{w:.1f}" height="18" rx="4" fill="white" '
                f'stroke="{colour}" stroke-width="1"/>'
                f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" font-size="12" fill="{colour}"'
                f"{f' data-op={chr(34)}{html.escape(edge.op)}{chr(34)}' if edge.op else ''}>{html.escape(edge.label)}</text>"
            )
    for xi, node in zip(x, drawing.nodes):
        fill = "#f5f5f5" if node.op is None else op_colour(space, node.op)
        text_fill = "#000" if node.op is None else "#fff"
        op = f' data-op="{html.escape(node.op)}"' if node.op else ""
        parts.append(f'<circle cx="{xi:.1f}" cy="{y:.1f}" r="{NODE_R}" fill="{fill}" stroke="#333" stroke-width="1.5"{op}/>')
        size = 13 if len(node.label) <= 4 else 10
        parts.append(
            f'<text x="{xi:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-size="{size}" font-weight="bold" '
            f'fill="{text_fill}">{html.escape(node.label)}</text>'
        )
    return parts + labels, title + above + below, colours  # labels last, so no edge crosses them


def drawings_svg(space: SearchSpace, drawings: list[CellDrawing], aria: str, width: int = 570) -> str:
    parts, top, colours, right = [], 0.0, set(), 0.0
    for drawing in drawings:
        elements, height, used = _draw(space, drawing, top)
        parts += elements
        colours |= used
        top += height
        right = max(right, 2 * MARGIN + (len(drawing.nodes) - 1) * _gap(len(drawing.nodes)))
    markers = "".join(
        f'<marker id="arrow-{c[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
        for c in sorted(colours)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {right:.0f} {top:.0f}" width="100%" role="img" '
        f'aria-label="{html.escape(aria)}" class="crlso-cell" style="font-family:sans-serif;max-width:{width}px">'
        f"<defs>{markers}</defs>" + "".join(parts) + "</svg>"
    )


def cell_svg(arch: str, space: str = "nb201", width: int = 570) -> str:
    """The cell of a string in the named space; raises CRLSOError on a malformed string."""
    the_space = get_space(space)
    return drawings_svg(the_space, the_space.drawing(the_space.parse(arch)), f"cell {arch}", width)
