"""A NAS-Bench-201 cell as an inline SVG: the four nodes left to right, each edge an arrow
labelled with its op and coloured by it; 'none' edges are faint and dashed (they carry
nothing)."""

from __future__ import annotations

import html

from crlso_core.spaces import get_space
from crlso_core.spaces.nb201 import EDGES, OPS

OP_STYLE = {  # colour, short label
    "none": ("#b0b0b0", "none"),
    "skip_connect": ("#4d4d4d", "skip"),
    "nor_conv_1x1": ("#1f77b4", "conv 1×1"),
    "nor_conv_3x3": ("#d62728", "conv 3×3"),
    "avg_pool_3x3": ("#2ca02c", "avg pool 3×3"),
}
NODE_X = (45, 205, 365, 525)
NODE_Y = 120
NODE_NAMES = ("in", "1", "2", "out")


SHORT = {"none": "none", "skip_connect": "skip", "nor_conv_1x1": "1x1", "nor_conv_3x3": "3x3", "avg_pool_3x3": "pool"}


def compact(arch: str) -> str:
    """A cell in about a third of the characters, for hover labels of 15,625 points: the ops into
    node 1 | node 2 | the output, e.g. '3x3 | 3x3 pool | skip 1x1 none'."""
    groups = [[SHORT[entry.split("~")[0]] for entry in node.strip("|").split("|")] for node in arch.split("+")]
    return " | ".join(" ".join(g) for g in groups)


def _edge_path(s: int, t: int) -> tuple[str, float, float]:
    """An SVG path for edge s->t and where its label goes: neighbours are joined straight,
    span-2 edges arc above, the span-3 edge arcs below."""
    x0, x1 = NODE_X[s] + 22, NODE_X[t] - 22
    span = t - s
    if span == 1:
        return f"M{x0},{NODE_Y} L{x1},{NODE_Y}", (x0 + x1) / 2, NODE_Y - 8
    lift = -78 if span == 2 else 92
    cx, cy = (x0 + x1) / 2, NODE_Y + 2 * lift
    y0 = NODE_Y + (-14 if lift < 0 else 14)
    return f"M{x0 - 6},{y0} Q{cx},{cy} {x1 + 6},{y0}", cx, NODE_Y + lift + (4 if lift < 0 else 4)


def cell_svg(arch: str, space: str = "nb201", width: int = 570) -> str:
    ops = [OPS[i] for i in get_space(space).parse(arch)]  # raises CRLSOError on a bad string
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 570 240" width="100%" role="img" '
        f'aria-label="cell {html.escape(arch)}" class="crlso-cell" style="font-family:sans-serif;max-width:{width}px">',
        "<defs>" + "".join(
            f'<marker id="arrow-{op}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for op, (colour, _) in OP_STYLE.items()
        ) + "</defs>",
    ]
    labels = []
    for op, (s, t) in zip(ops, EDGES):
        colour, short = OP_STYLE[op]
        path, lx, ly = _edge_path(s, t)
        dash = ' stroke-dasharray="5,4" opacity="0.7"' if op == "none" else ""
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash} marker-end="url(#arrow-{op})"/>')
        w = 8 + 7.2 * len(short)
        labels.append(
            f'<rect x="{lx - w / 2:.1f}" y="{ly - 13:.1f}" width="{w:.1f}" height="18" rx="4" fill="white" stroke="{colour}" stroke-width="1"/>'
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" font-size="12" fill="{colour}" data-op="{op}">{short}</text>'
        )
    for x, name in zip(NODE_X, NODE_NAMES):
        parts.append(f'<circle cx="{x}" cy="{NODE_Y}" r="21" fill="#f5f5f5" stroke="#333" stroke-width="1.5"/>')
        parts.append(f'<text x="{x}" y="{NODE_Y + 5}" text-anchor="middle" font-size="13" font-weight="bold">{name}</text>')
    parts += labels  # labels last, so no edge crosses them
    parts.append("</svg>")
    return "".join(parts)
