"""A cell as plain drawing data: labelled nodes in left-to-right order and edges between
them, each optionally carrying an op. Every space describes its cells this way (NB201 puts
ops on edges, NB101 on nodes, NB301 has two cells per architecture), and the app's renderer
draws any of them without knowing the space.

to_dot is the one place a drawing becomes Graphviz DOT text (the app shows it with
st.graphviz_chart): left to right, sized to be read on a projector, in colours that stand
out on white."""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Optional, Sequence


@dataclass(frozen=True)
class DrawnNode:
    label: str  # short text inside the node: "in", "1", "out", or an op's short name
    op: Optional[str] = None  # the op the node computes, when ops sit on nodes (colours it)


@dataclass(frozen=True)
class DrawnEdge:
    src: int  # index into CellDrawing.nodes; edges run left to right (src < dst)
    dst: int
    op: Optional[str] = None  # the op on the edge, when ops sit on edges
    label: Optional[str] = None  # short text drawn on the edge
    faint: bool = False  # the edge carries nothing (NB201's 'none'): drawn dashed


@dataclass(frozen=True)
class CellDrawing:
    nodes: tuple[DrawnNode, ...]  # in topological order, drawn left to right
    edges: tuple[DrawnEdge, ...]
    title: str = ""  # e.g. "normal cell" when an architecture has several


# Colours for ops a space gives none; each has a contrast of at least 4.5:1 on white
# (WCAG 2), so that it serves for an edge's label as well as for its line.
PALETTE = ("#1f77b4", "#d62728", "#2a7d2a", "#7b4fae", "#b35806", "#8c564b", "#b5308f", "#00798c", "#6b6b00")
PLAIN = "#333333"  # an edge with no op, node outlines, text in plain nodes
FAINT = "#8c8c8c"  # a faint edge with no op (3.4:1 on white: a line, never text)
NODE_FILL = "#f2f2f2"
BORDER = "#bbbbbb"  # around each of several drawings
FONT = "Helvetica,Arial,sans-serif"
NODE_PT, EDGE_PT, TITLE_PT = 16, 16, 16  # Graphviz points; a page column scales them to about 14-20 px


def colours_of(op_names: Sequence[str], own: Mapping[str, str] = MappingProxyType({})) -> dict[str, str]:
    """Every op's colour: the space's own, else the next palette colour no op has yet."""
    spare = itertools.cycle([c for c in PALETTE if c not in own.values()] or PALETTE)
    return {op: own.get(op) or next(spare) for op in op_names}


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _stacked(label: str) -> str:
    """An edge label as an HTML-like label, one word a line ('avg pool 3×3' in three lines:
    narrow, so that a cell laid out left to right keeps its text size in a column), on white
    (an edge drawn across it does not run through its letters)."""
    words = "<BR/>".join(html.escape(word) for word in label.split())
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>{words}</TD></TR></TABLE>>'


def _attrs(**attrs: object) -> str:
    """A DOT attribute list; values are written as given (quote them with _quoted)."""
    return "[" + ", ".join(f"{k}={v}" for k, v in attrs.items()) + "]"


def _ends(drawing: CellDrawing) -> tuple[list[int], list[int]]:
    """The nodes no edge enters, and the nodes no edge leaves."""
    return ([i for i in range(len(drawing.nodes)) if all(e.dst != i for e in drawing.edges)],
            [i for i in range(len(drawing.nodes)) if all(e.src != i for e in drawing.edges)])


def _node(node: DrawnNode, colours: Mapping[str, str]) -> str:
    if node.op is None:
        return _attrs(label=_quoted(node.label))
    return _attrs(label=_quoted(node.label), fillcolor=_quoted(colours.get(node.op, PLAIN)), fontcolor='"white"', tooltip=_quoted(node.op),
                  **{"class": _quoted(f"op-{node.op}")})


def _edge(edge: DrawnEdge, colours: Mapping[str, str]) -> str:
    colour = colours.get(edge.op, PLAIN) if edge.op else (FAINT if edge.faint else PLAIN)
    attrs: dict[str, object] = {"color": _quoted(colour)}
    if edge.label or edge.op:
        attrs.update(label=_stacked(edge.label or edge.op), fontcolor=_quoted(colour if edge.op else PLAIN))
    if edge.op:
        attrs.update(tooltip=_quoted(edge.op), **{"class": _quoted(f"op-{edge.op}")})
    if edge.faint:
        attrs.update(style="dashed", penwidth=1.5)
    return _attrs(**attrs)


def to_dot(drawings: Sequence[CellDrawing], colours: Mapping[str, str] = MappingProxyType({})) -> str:
    """Graphviz DOT text of a cell's drawings, laid out left to right. An op on an edge
    labels the edge and colours its line and label; an op on a node fills the node (white
    text); an edge that carries nothing is dashed. Several drawings (NB301's normal and
    reduction cells) are clusters side by side, each titled below. `colours` maps ops to
    colours (colours_of); an op missing from it is drawn dark grey. Node k of drawing c is
    named c{c}n{k}; a node or edge with an op has the op as tooltip and the SVG class
    op-{op}."""
    font = _quoted(FONT)
    labelled = any(e.label or e.op for d in drawings for e in d.edges)  # labels take a rank of their own: ranks closer
    lines = [
        "digraph cell {",
        "  graph " + _attrs(rankdir="LR", bgcolor="white", fontname=font, fontsize=TITLE_PT, nodesep=0.18,
                            ranksep=0.12 if labelled else 0.25, pad=0.05, labeljust="l") + ";",
        "  node " + _attrs(fontname=font, fontsize=NODE_PT, shape="box", style='"rounded,filled"', width=0.3, height=0.3,
                           margin='"0.05,0.02"', fillcolor=_quoted(NODE_FILL), color=_quoted(PLAIN), fontcolor=_quoted(PLAIN),
                           penwidth=1.5) + ";",
        "  edge " + _attrs(fontname=font, fontsize=EDGE_PT, color=_quoted(PLAIN), penwidth=2.5, arrowsize=0.7) + ";",
    ]
    several = len(drawings) > 1
    indent = "    " if several else "  "
    for c, drawing in enumerate(drawings):
        if several:
            title = _attrs(label=_quoted(drawing.title), labelloc="b", style="rounded", color=_quoted(BORDER), margin=4)
            lines += [f"  subgraph cluster_{c} {{", f"{indent}graph {title};"]
        lines += [f"{indent}c{c}n{k} {_node(node, colours)};" for k, node in enumerate(drawing.nodes)]
        lines += [f"{indent}c{c}n{e.src} -> c{c}n{e.dst} {_edge(e, colours)};" for e in drawing.edges]
        sources = _ends(drawing)[0]
        if len(sources) > 1:  # the inputs in one column, at the left
            lines.append(f"{indent}{{rank=same; {' '.join(f'c{c}n{k};' for k in sources)}}}")
        if several:
            lines.append("  }")
    for c in range(1, len(drawings)):  # each drawing to the right of the one before it
        lines += [f"  c{c - 1}n{a} -> c{c}n{b} [style=invis];" for a in _ends(drawings[c - 1])[1] for b in _ends(drawings[c])[0]]
    lines.append("}")
    return "\n".join(lines)
