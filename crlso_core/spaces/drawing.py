"""A cell as plain drawing data: labelled nodes in left-to-right order and edges between
them, each optionally carrying an op. Every space describes its cells this way (NB201 puts
ops on edges, NB101 on nodes, NB301 has two cells per architecture), and the app's renderer
draws any of them without knowing the space."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


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


def to_dot(drawings: list[CellDrawing]) -> str:
    """Graphviz DOT text of a cell's drawings (one cluster each when there are several)."""
    lines = ["digraph cell {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for k, drawing in enumerate(drawings):
        indent = "  "
        if len(drawings) > 1:
            lines.append(f'  subgraph cluster_{k} {{ label="{drawing.title}";')
            indent = "    "
        for i, node in enumerate(drawing.nodes):
            lines.append(f'{indent}n{k}_{i} [label="{node.label}"];')
        for edge in drawing.edges:
            style = ", style=dashed, color=gray, fontcolor=gray" if edge.faint else ""
            label = f' [label="{edge.op or edge.label or ""}"{style}]' if (edge.op or edge.label or style) else ""
            lines.append(f"{indent}n{k}_{edge.src} -> n{k}_{edge.dst}{label};")
        if len(drawings) > 1:
            lines.append("  }")
    lines.append("}")
    return "\n".join(lines)
