"""NAS-Bench-201 cells: 4 nodes, 6 fixed edges, one of 5 ops on each edge.

A cell is a tuple of 6 op indices in the order the official string lists them:
edges (0→1), (0→2), (1→2), (0→3), (1→3), (2→3). All 5**6 = 15,625 cells are valid.
"""

from __future__ import annotations

from functools import cached_property
from types import MappingProxyType
from typing import Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.spaces.base import GraphBatch, SearchSpace
from crlso_core.spaces.drawing import CellDrawing, DrawnEdge, DrawnNode

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # (source, target), string order
NUM_NODES = 4
NUM_EDGES = len(EDGES)
NUM_OPS = len(OPS)
_OP_INDEX = {op: i for i, op in enumerate(OPS)}
_PLACES = 5 ** np.arange(NUM_EDGES - 1, -1, -1)  # first edge is the most significant digit
SHORT = {"none": "none", "skip_connect": "skip", "nor_conv_1x1": "1x1", "nor_conv_3x3": "3x3", "avg_pool_3x3": "pool"}
_DRAWN = {"none": "none", "skip_connect": "skip", "nor_conv_1x1": "conv 1×1", "nor_conv_3x3": "conv 3×3", "avg_pool_3x3": "avg pool 3×3"}
_NODES = (DrawnNode("in"), DrawnNode("1"), DrawnNode("2"), DrawnNode("out"))

Cell = tuple[int, ...]


class NB201Space(SearchSpace):
    name = "nb201"
    title = "NAS-Bench-201"
    op_names = OPS
    op_colours = MappingProxyType({
        "none": "#707070", "skip_connect": "#4d4d4d", "nor_conv_1x1": "#1f77b4", "nor_conv_3x3": "#d62728", "avg_pool_3x3": "#2a7d2a",
    })
    label_help = (
        "The ops on the edges into node 1 | node 2 | the output, in the cell string's order, written 3x3 and 1x1 (the "
        "convolutions), pool (avg pool 3×3), skip and none: `3x3 | 3x3 pool | skip 1x1 none` is in→1 conv 3×3; in→2 conv 3×3, "
        "1→2 avg pool; in→out skip, 1→out conv 1×1, 2→out none."
    )
    node_features = NUM_NODES  # one-hot node index, as in the reference encoding
    edge_features = NUM_OPS  # one-hot op on each edge
    decoder_output_dim = NUM_EDGES * NUM_OPS

    # --- text form -------------------------------------------------------------------
    def parse(self, text: str) -> Cell:
        if not isinstance(text, str):
            raise CRLSOError(f"A NAS-Bench-201 cell must be a string, got {type(text).__name__}.")
        if len(text) > 300:  # the longest cell string has 124 characters
            nodes = []
        else:
            nodes = text.strip().split("+")
        ops: list[int] = []
        ok = len(nodes) == NUM_NODES - 1
        for target, node in enumerate(nodes if ok else [], start=1):
            if not (node.startswith("|") and node.endswith("|")):
                ok = False
                break
            entries = node[1:-1].split("|")
            if len(entries) != target:
                ok = False
                break
            for source, entry in enumerate(entries):
                op, _, src = entry.partition("~")
                if op not in _OP_INDEX or src != str(source):
                    ok = False
                    break
                ops.append(_OP_INDEX[op])
        if not ok:
            raise CRLSOError(
                f"Not a NAS-Bench-201 cell string: {quoted(text)}. Expected the form "
                "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with ops from " + ", ".join(OPS) + "."
            )
        return tuple(ops)

    def format(self, cell: Cell) -> str:
        names = [f"{OPS[op]}~{src}" for op, (src, _) in zip(cell, EDGES)]
        return "|" + "|+|".join(["|".join(names[0:1]), "|".join(names[1:3]), "|".join(names[3:6])]) + "|"

    def is_valid(self, cell: Cell) -> bool:
        return isinstance(cell, tuple) and len(cell) == NUM_EDGES and all(isinstance(op, int) and 0 <= op < NUM_OPS for op in cell)

    # --- enumeration -----------------------------------------------------------------
    @property
    def size(self) -> int:
        return NUM_OPS**NUM_EDGES

    def index_of(self, cell: Cell) -> int:
        """Position of a cell in this space's own order (base-5 digits of its ops)."""
        return int(np.dot(cell, _PLACES))

    def cell_at(self, index: int) -> Cell:
        if not 0 <= index < self.size:
            raise CRLSOError(f"NAS-Bench-201 cell index must be in 0..{self.size - 1}, got {index}.")
        return tuple(int(d) for d in (index // _PLACES) % NUM_OPS)

    def all_cells(self) -> list[Cell]:
        return [self.cell_at(i) for i in range(self.size)]

    def sample(self, rng: np.random.Generator, n: int) -> list[Cell]:
        if not 0 <= n <= self.size:
            raise CRLSOError(f"Cannot sample {n} distinct cells from {self.size}.")
        return [self.cell_at(int(i)) for i in rng.choice(self.size, size=n, replace=False)]

    def neighbours(self, cell: Cell) -> list[Cell]:
        return [
            cell[:e] + (op,) + cell[e + 1 :]
            for e in range(NUM_EDGES)
            for op in range(NUM_OPS)
            if op != cell[e]
        ]

    # --- tensors -------------------------------------------------------------------------
    @cached_property
    def _topology(self) -> tuple[Tensor, Tensor]:
        src = torch.tensor([s for s, _ in EDGES])
        dst = torch.tensor([t for _, t in EDGES])
        # messages flow both ways along every edge, as in the reference encoding
        return torch.cat([src, dst]), torch.cat([dst, src])

    def graph_batch(self, cells: Sequence[Cell]) -> GraphBatch:
        src, dst = self._topology
        onehot = F.one_hot(self.targets(cells), NUM_OPS).float()  # [B, 6, 5]
        b = len(cells)
        return GraphBatch(
            x=torch.eye(NUM_NODES).unsqueeze(0),  # one-hot node index, the same in every cell
            src=src,
            dst=dst,
            edge_attr=torch.cat([onehot, onehot], dim=1),
            edge_mask=torch.ones(b, 2 * NUM_EDGES),
            node_mask=torch.ones(b, NUM_NODES),
        )

    def targets(self, cells: Sequence[Cell]) -> Tensor:
        return torch.tensor(list(cells), dtype=torch.long).reshape(len(cells), NUM_EDGES)

    def reconstruction_loss(self, logits: Tensor, targets: Tensor) -> Tensor:
        return F.cross_entropy(logits.reshape(-1, NUM_OPS), targets.reshape(-1))

    def decode(self, logits: Tensor) -> list[Cell]:
        ops = logits.reshape(-1, NUM_EDGES, NUM_OPS).argmax(-1).cpu().tolist()
        return [tuple(row) for row in ops]

    def exact_matches(self, logits: Tensor, targets: Tensor) -> Tensor:
        return (logits.reshape(-1, NUM_EDGES, NUM_OPS).argmax(-1) == targets).all(-1)

    # --- display ---------------------------------------------------------------------
    def drawing(self, cell: Cell) -> list[CellDrawing]:
        edges = tuple(
            DrawnEdge(src, dst, OPS[op], _DRAWN[OPS[op]], faint=OPS[op] == "none") for op, (src, dst) in zip(cell, EDGES)
        )
        return [CellDrawing(_NODES, edges)]

    def label(self, cell: Cell) -> str:
        """The ops into node 1 | node 2 | the output, e.g. '3x3 | 3x3 pool | skip 1x1 none'."""
        ops = [SHORT[OPS[op]] for op in cell]
        return " | ".join([ops[0], " ".join(ops[1:3]), " ".join(ops[3:6])])
