"""NAS-Bench-301 (DARTS space, CIFAR-10) as a search space: a normal and a reduction cell,
ops on edges (cells.py says what a cell is; text.py reads and writes genotypes; decoder.py
is the G-VAE decoder's side). Sampling is uniform over genotypes, every cell has 120
neighbours, and an architecture's graph holds both cells: 14 nodes, 48 edges."""

from __future__ import annotations

from functools import cached_property
from types import MappingProxyType
from typing import Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.base import GraphBatch, SearchSpace
from crlso_core.spaces.drawing import CellDrawing, DrawnEdge, DrawnNode
from crlso_core.spaces.nb301 import decoder
from crlso_core.spaces.nb301.cells import (
    CHOICES,
    NODE_OF_SLOT,
    NODES,
    NUM_OPS,
    OPS,
    PAIR,
    SLOTS,
    Cell,
    arrays_of,
    cells_of,
    inputs_of,
)
from crlso_core.spaces.nb301.text import format_genotype, parse_genotype

# the graph: nodes 0..6 the normal cell (inputs, 2..5, out), 7..13 the reduction cell
CELL_NODES = 7
NUM_NODES = 2 * CELL_NODES
_OUT = 6
EDGES_PER_CELL = SLOTS + len(NODES)  # 8 op edges, then 4 concat edges into the output
NUM_EDGES = 2 * 2 * EDGES_PER_CELL  # both cells, both directions: 48
CONCAT_FEATURE = NUM_OPS  # the edge feature marking an edge into the output
DARTS_EDGES = 14  # per cell: node n's edge from input i is DARTS edge (n-2)(n+1)/2 + i
PLACED_OPS = NUM_OPS + 1  # then one-hot of (cell, DARTS edge, op): which op sits on which edge

SHORT = {"max_pool_3x3": "mp", "avg_pool_3x3": "ap", "skip_connect": "sk", "sep_conv_3x3": "s3",
         "sep_conv_5x5": "s5", "dil_conv_3x3": "d3", "dil_conv_5x5": "d5"}
_DRAWN = {"max_pool_3x3": "max pool", "avg_pool_3x3": "avg pool", "skip_connect": "skip", "sep_conv_3x3": "sep 3×3",
          "sep_conv_5x5": "sep 5×5", "dil_conv_3x3": "dil 3×3", "dil_conv_5x5": "dil 5×5"}
_DRAWN_NODES = (DrawnNode("k-2"), DrawnNode("k-1"), DrawnNode("0"), DrawnNode("1"), DrawnNode("2"), DrawnNode("3"), DrawnNode("out"))
_CONCAT_EDGES = tuple(DrawnEdge(node, _OUT, faint=True) for node in NODES)

# sample()'s keys: a cell's pair numbers in mixed radix (180, 60, 10, 1; node 2's is always 0), ops in base 7
_PAIR_RADIX = np.cumprod(np.concatenate([[1], CHOICES[::-1][:-1]]))[::-1]
_PAIR_KEYS = int(np.prod(CHOICES))  # 180
_OP_RADIX = NUM_OPS ** np.arange(2 * SLOTS - 1, -1, -1, dtype=np.int64)

# neighbours per cell half: each slot's op to one of 6 others; an input of node 3, 4 or 5 to one of i-2 others
_OP_MOVES = SLOTS * (NUM_OPS - 1)  # 48
_INPUT_MOVES = sum(2 * (i - 2) for i in NODES)  # 12
NUM_NEIGHBOURS = 2 * (_OP_MOVES + _INPUT_MOVES)  # 120, for every cell


class NB301Space(SearchSpace):
    name = "nb301"
    title = "NAS-Bench-301"
    op_names = OPS
    op_colours = MappingProxyType({
        "max_pool_3x3": "#2a7d2a", "avg_pool_3x3": "#00798c", "skip_connect": "#4d4d4d", "sep_conv_3x3": "#1f77b4",
        "sep_conv_5x5": "#7b4fae", "dil_conv_3x3": "#d62728", "dil_conv_5x5": "#b35806",
    })
    label_help = (
        "The normal cell / the reduction cell; in each, nodes 0 to 3 split by '|', each as its two inputs op(input), with ops "
        "sk skip, s3 s5 sep conv, d3 d5 dil conv, mp max pool, ap avg pool and inputs 0 = k-2, 1 = k-1, 2-5 = nodes 0-3: "
        "in `mp(0) mp(1)|ap(1) d3(2)|s5(0) d5(3)|s3(2) s5(3) / d5(0) d3(1)|s5(0) s3(1)|s3(0) d5(2)|ap(0) d3(1)` node 1 of the "
        "normal cell takes avg pool of k-1 and dil conv 3×3 of node 0."
    )
    node_features = NUM_NODES  # one-hot node position, the same in every graph
    # one-hot op, or the concat flag on edges into the output; then the op placed on its DARTS
    # edge: with the op alone a message cannot tell which input of which node it came from
    # until several layers mix it, and a 16-64-d code of ~60 bits learnt far too slowly
    edge_features = PLACED_OPS + 2 * DARTS_EDGES * NUM_OPS
    decoder_output_dim = decoder.LOGITS

    # --- text form -------------------------------------------------------------------
    def parse(self, text: str) -> Cell:
        return parse_genotype(text)

    def format(self, cell: Cell) -> str:
        return format_genotype(cell)

    def is_valid(self, cell: Cell) -> bool:
        if type(cell) is not tuple or len(cell) != 2:
            return False
        for half in cell:
            if type(half) is not tuple or len(half) != SLOTS:
                return False
            for slot, pair in enumerate(half):
                if not (type(pair) is tuple and len(pair) == 2 and type(pair[0]) is int and type(pair[1]) is int):
                    return False
                if not (0 <= pair[0] < NUM_OPS and 0 <= pair[1] < NODES[slot // 2]):
                    return False
            if any(half[s][1] >= half[s + 1][1] for s in range(0, SLOTS, 2)):
                return False
        return True

    # --- sampling and mutation -------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> list[Cell]:
        """n distinct cells, uniform over valid genotypes: per node a uniform pair of
        distinct inputs and a uniform op per input. Drawn as arrays; a cell's choices packed
        into one int64 key find repeats (with 1.1e18 cells there almost never are)."""
        if n < 0:
            raise CRLSOError(f"Cannot sample {n} cells.")
        pairs = np.empty((0, 2, len(NODES)), dtype=np.int64)
        ops = np.empty((0, 2, SLOTS), dtype=np.int64)
        while len(pairs) < n:
            more = n - len(pairs)
            pairs = np.concatenate([pairs, rng.integers(0, CHOICES, size=(more, 2, len(NODES)))])
            ops = np.concatenate([ops, rng.integers(0, NUM_OPS, size=(more, 2, SLOTS))])
            _, first = np.unique(_keys(pairs, ops), return_index=True)
            if len(first) < len(pairs):  # keep each cell's first draw, in draw order
                keep = np.sort(first)
                pairs, ops = pairs[keep], ops[keep]
        return cells_of(ops, inputs_of(pairs))

    def neighbours(self, cell: Cell) -> list[Cell]:
        """The 120 cells one change away, in a fixed order: first each of the 16 slots' op
        changed to each of the 6 others, then one input of node 3, 4 or 5 moved to another
        earlier node that is not already its other input (node 2 has no such node)."""
        out = []
        for h, half in enumerate(cell):
            for s, (op, inp) in enumerate(half):
                out.extend(_with_half(cell, h, half[:s] + (PAIR[o][inp],) + half[s + 1 :]) for o in range(NUM_OPS) if o != op)
        for h, half in enumerate(cell):
            for node in NODES[1:]:
                first = 2 * (node - 2)
                x, y = half[first], half[first + 1]
                for moved, kept in ((x, y), (y, x)):
                    for z in range(node):
                        if z != x[1] and z != y[1]:
                            out.append(_with_half(cell, h, _moved(half, first, moved, kept, z)))
        return out

    def mutate(self, cell: Cell, rng: np.random.Generator) -> Cell:
        """neighbours(cell)[rng.integers(120)], without building the list: every cell has
        120 neighbours, so the r-th one is found directly (the same draw, the same cell)."""
        r = int(rng.integers(NUM_NEIGHBOURS))
        if r < 2 * _OP_MOVES:
            h, rest = divmod(r, _OP_MOVES)
            s, k = divmod(rest, NUM_OPS - 1)
            half = cell[h]
            op, inp = half[s]
            return _with_half(cell, h, half[:s] + (PAIR[k + (k >= op)][inp],) + half[s + 1 :])
        h, q = divmod(r - 2 * _OP_MOVES, _INPUT_MOVES)
        half = cell[h]
        for node in NODES[1:]:
            if q < 2 * (node - 2):
                break
            q -= 2 * (node - 2)
        slot, k = divmod(q, node - 2)
        first = 2 * (node - 2)
        x, y = half[first], half[first + 1]
        moved, kept = (x, y) if slot == 0 else (y, x)
        z = [z for z in range(node) if z != x[1] and z != y[1]][k]
        return _with_half(cell, h, _moved(half, first, moved, kept, z))

    # --- tensors -------------------------------------------------------------------------
    @cached_property
    def _fixed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What every graph shares: op edges' targets, concat edges' sources and targets."""
        base = CELL_NODES * np.arange(2)[:, None]  # [2, 1]: first node of each cell
        op_dst = np.broadcast_to(NODE_OF_SLOT + base, (2, SLOTS))
        concat_src = np.broadcast_to(np.array(NODES) + base, (2, len(NODES)))
        concat_dst = np.broadcast_to(_OUT + base, (2, len(NODES)))
        return op_dst, concat_src, concat_dst

    def graph_batch(self, cells: Sequence[Cell]) -> GraphBatch:
        """Both cells in one graph of 14 nodes (one-hot position, shared by the batch): each
        cell's 8 op edges input -> node carry the op, its 4 edges node -> out the concat
        flag, and every edge is listed both ways, so E = 48 for every graph and only the op
        edges' sources differ between graphs."""
        arrays = arrays_of(cells)
        b = len(arrays)
        op_dst, concat_src, concat_dst = self._fixed
        op_src = arrays[..., 1] + CELL_NODES * np.arange(2)[:, None]  # [B, 2, 8]
        fwd_src = np.concatenate([op_src, np.broadcast_to(concat_src, (b, 2, len(NODES)))], axis=2).reshape(b, 2 * EDGES_PER_CELL)
        fwd_dst = np.broadcast_to(np.concatenate([op_dst, concat_dst], axis=1).reshape(1, -1), (b, 2 * EDGES_PER_CELL))
        src = torch.from_numpy(np.concatenate([fwd_src, fwd_dst], axis=1))
        dst = torch.from_numpy(np.concatenate([fwd_dst, fwd_src], axis=1))
        features = torch.zeros(b, 2, EDGES_PER_CELL, self.edge_features)
        features[:, :, :SLOTS, :NUM_OPS] = F.one_hot(torch.from_numpy(arrays[..., 0]), NUM_OPS).float()
        features[:, :, SLOTS:, CONCAT_FEATURE] = 1.0
        darts_edge = (NODE_OF_SLOT - 2) * (NODE_OF_SLOT + 1) // 2 + arrays[..., 1]  # [B, 2, 8]
        placed = PLACED_OPS + ((np.arange(2)[:, None] * DARTS_EDGES + darts_edge) * NUM_OPS + arrays[..., 0])
        features[:, :, :SLOTS].scatter_(-1, torch.from_numpy(placed).long().unsqueeze(-1), 1.0)
        features = features.reshape(b, 2 * EDGES_PER_CELL, self.edge_features)
        return GraphBatch(
            x=torch.eye(NUM_NODES).unsqueeze(0),
            src=src,
            dst=dst,
            edge_attr=torch.cat([features, features], dim=1),
            edge_mask=torch.ones(b, NUM_EDGES),
            node_mask=torch.ones(b, NUM_NODES),
        )

    def targets(self, cells: Sequence[Cell]) -> Tensor:
        return decoder.targets_of(cells)

    def reconstruction_loss(self, logits: Tensor, targets: Tensor) -> Tensor:
        return decoder.reconstruction_loss(logits, targets)

    def decode(self, logits: Tensor) -> list[Cell]:
        return decoder.decode(logits)

    def exact_matches(self, logits: Tensor, targets: Tensor) -> Tensor:
        return decoder.exact_matches(logits, targets)

    # --- display ---------------------------------------------------------------------
    def drawing(self, cell: Cell) -> list[CellDrawing]:
        """The normal cell, then the reduction cell: inputs k-2 and k-1, nodes 0..3 (DARTS's
        numbering of the intermediate nodes) and out; dashed edges concatenate into out."""
        return [
            CellDrawing(
                _DRAWN_NODES,
                tuple(DrawnEdge(inp, NODES[s // 2], OPS[op], _DRAWN[OPS[op]]) for s, (op, inp) in enumerate(half)) + _CONCAT_EDGES,
                title,
            )
            for half, title in zip(cell, ("normal cell", "reduction cell"))
        ]

    def label(self, cell: Cell) -> str:
        """Each node's op(input) pairs, nodes split by '|', normal / reduce, e.g.
        's3(0) s5(1)|sk(0) s3(2)|... / ap(0) mp(1)|...' (about 100 characters)."""
        return " / ".join(
            "|".join(f"{SHORT[OPS[half[s][0]]]}({half[s][1]}) {SHORT[OPS[half[s + 1][0]]]}({half[s + 1][1]})" for s in range(0, SLOTS, 2))
            for half in cell
        )


# --- sampling and neighbours -----------------------------------------------------------------
def _keys(pairs: np.ndarray, ops: np.ndarray) -> np.ndarray:
    """One int64 per cell from its choices (mixed radix: 180**2 * 7**16 < 2**63)."""
    pair_key = (pairs * _PAIR_RADIX).sum(-1)  # [B, 2], each < 180
    op_key = ops.reshape(len(ops), -1) @ _OP_RADIX
    return (pair_key[:, 0] * _PAIR_KEYS + pair_key[:, 1]) * NUM_OPS ** (2 * SLOTS) + op_key


def _with_half(cell: Cell, h: int, half: tuple) -> Cell:
    return (half, cell[1]) if h == 0 else (cell[0], half)


def _moved(half: tuple, first: int, moved: tuple, kept: tuple, z: int) -> tuple:
    """A cell half whose node (pairs first, first+1) takes input z instead of moved's input,
    through moved's op, pairs re-sorted by input."""
    new = PAIR[moved[0]][z]
    node = (new, kept) if z < kept[1] else (kept, new)
    return half[:first] + node + half[first + 2 :]
