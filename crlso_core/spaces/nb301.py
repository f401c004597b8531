"""NAS-Bench-301 / DARTS architectures: a normal and a reduction cell, ops on edges.

Each cell has two inputs (node 0 = c_{k-2}, node 1 = c_{k-1}), four intermediate nodes
2..5 and an output that concatenates them. Node i takes two different earlier nodes as
inputs, each through one of 7 ops. A cell is a tuple of 8 (op index, input) pairs, node
2's two first, then node 3's, 4's and 5's; within a node the inputs ascend (the order of a
node's two inputs does not matter, so that is the canonical form). An architecture is
(normal, reduce): (1*3*6*10 * 7**8)**2, about 1.1e18 of them, so the space is sampled,
never enumerated.

Input pairs are numbered in colex order, (0,1), (0,2), (1,2), (0,3), ..., so the pair
(a, b) is number b*(b-1)/2 + a for every node and node i's options are the first C(i, 2).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
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

OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
NUM_OPS = len(OPS)
NODES = (2, 3, 4, 5)  # intermediate nodes; 0 and 1 are the inputs, 6 the output
SLOTS = 2 * len(NODES)  # (op, input) pairs per cell
CONCAT = (2, 3, 4, 5)
FIELDS = ("normal", "normal_concat", "reduce", "reduce_concat")  # DARTS's Genotype, in order
_OP_INDEX = {op: i for i, op in enumerate(OPS)}
_NODE_OF_SLOT = np.repeat(NODES, 2)  # [8]

# input pairs in colex order; node i may pick any of the first _CHOICES[i - 2]
_PAIRS = tuple((a, b) for b in range(1, NODES[-1]) for a in range(b))  # 10 pairs
_CHOICES = np.array([i * (i - 1) // 2 for i in NODES])  # 1, 3, 6, 10
_PAIR_A = np.array([a for a, _ in _PAIRS])
_PAIR_B = np.array([b for _, b in _PAIRS])

# decoder logits per cell: node 2..5's pair choices (1+3+6+10), then 7 op logits per slot
PAIR_LOGITS = int(_CHOICES.sum())  # 20
CELL_LOGITS = PAIR_LOGITS + SLOTS * NUM_OPS  # 76
_PAIR_OFFSET = np.concatenate([[0], np.cumsum(_CHOICES)[:-1]])  # 0, 1, 4, 10
# [4, 10]: where node i's j-th pair logit sits in a cell's logits; PAIR_LOGITS (a -inf pad) past C(i, 2)
_PAIR_GATHER = torch.tensor([[int(o) + j if j < c else PAIR_LOGITS for j in range(_CHOICES[-1])] for o, c in zip(_PAIR_OFFSET, _CHOICES)])
CHOICES_PER_CELL = len(NODES) + SLOTS  # 12: the targets' columns per cell

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

# one shared tuple per (op, input): cells built here reuse them instead of allocating 16 each
_PAIR = tuple(tuple((op, inp) for inp in range(NODES[-1])) for op in range(NUM_OPS))
_PAIR_BY_CODE = tuple(itertools.chain.from_iterable(_PAIR))  # code op * 5 + input
_PAIR_TEXT = {_PAIR[op][inp]: f"('{OPS[op]}', {inp})" for op in range(NUM_OPS) for inp in range(NODES[-1])}
# sample()'s keys: a cell's pair numbers in mixed radix (180, 60, 10, 1; node 2's is always 0), ops in base 7
_PAIR_RADIX = np.cumprod(np.concatenate([[1], _CHOICES[::-1][:-1]]))[::-1]
_PAIR_KEYS = int(np.prod(_CHOICES))  # 180
_OP_RADIX = NUM_OPS ** np.arange(2 * SLOTS - 1, -1, -1, dtype=np.int64)

# neighbours per cell half: each slot's op to one of 6 others; an input of node 3, 4 or 5 to one of i-2 others
_OP_MOVES = SLOTS * (NUM_OPS - 1)  # 48
_INPUT_MOVES = sum(2 * (i - 2) for i in NODES)  # 12
NUM_NEIGHBOURS = 2 * (_OP_MOVES + _INPUT_MOVES)  # 120, for every cell

MAX_TEXT = 5000  # characters; a genotype string has about 420
EXPECTED = (
    "Expected a DARTS genotype such as \"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], "
    "normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])\", or JSON "
    "{\"normal\": [[\"op\", input], ...], \"reduce\": [...]} or [[normal pairs], [reduce pairs]]: "
    "8 (op, input) pairs per cell, two per node, node k = 2..5 taking two different inputs from 0..k-1, "
    "ops from " + ", ".join(OPS) + "."
)

Cell = tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]


class NB301Space(SearchSpace):
    name = "nb301"
    title = "NAS-Bench-301"
    op_names = OPS
    op_colours = MappingProxyType({
        "max_pool_3x3": "#2ca02c", "avg_pool_3x3": "#98df8a", "skip_connect": "#4d4d4d", "sep_conv_3x3": "#1f77b4",
        "sep_conv_5x5": "#9467bd", "dil_conv_3x3": "#d62728", "dil_conv_5x5": "#ff7f0e",
    })
    node_features = NUM_NODES  # one-hot node position, the same in every graph
    # one-hot op, or the concat flag on edges into the output; then the op placed on its DARTS
    # edge: with the op alone a message cannot tell which input of which node it came from
    # until several layers mix it, and a 16-64-d code of ~60 bits learnt far too slowly
    edge_features = PLACED_OPS + 2 * DARTS_EDGES * NUM_OPS
    decoder_output_dim = 2 * CELL_LOGITS

    # --- text form -------------------------------------------------------------------
    def parse(self, text: str) -> Cell:
        if not isinstance(text, str):
            raise CRLSOError(f"A NAS-Bench-301 architecture must be a string, got {type(text).__name__}. {EXPECTED}")
        try:
            if len(text) > MAX_TEXT:
                raise _Bad(f"longer than {MAX_TEXT:,} characters")
            return _architecture(_Parser(text).document())
        except _Bad as bad:
            raise CRLSOError(f"Not a NAS-Bench-301 architecture ({bad}): {quoted(text)}. {EXPECTED}") from None

    def format(self, cell: Cell) -> str:
        normal, reduce = (", ".join(map(_PAIR_TEXT.__getitem__, half)) for half in cell)
        return f"Genotype(normal=[{normal}], normal_concat=[2, 3, 4, 5], reduce=[{reduce}], reduce_concat=[2, 3, 4, 5])"

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
            pairs = np.concatenate([pairs, rng.integers(0, _CHOICES, size=(more, 2, len(NODES)))])
            ops = np.concatenate([ops, rng.integers(0, NUM_OPS, size=(more, 2, SLOTS))])
            _, first = np.unique(_keys(pairs, ops), return_index=True)
            if len(first) < len(pairs):  # keep each cell's first draw, in draw order
                keep = np.sort(first)
                pairs, ops = pairs[keep], ops[keep]
        inputs = np.stack([_PAIR_A[pairs], _PAIR_B[pairs]], axis=-1).reshape(n, 2, SLOTS)
        return _cells(ops, inputs)

    def neighbours(self, cell: Cell) -> list[Cell]:
        """The 120 cells one change away, in a fixed order: first each of the 16 slots' op
        changed to each of the 6 others, then one input of node 3, 4 or 5 moved to another
        earlier node that is not already its other input (node 2 has no such node)."""
        out = []
        for h, half in enumerate(cell):
            for s, (op, inp) in enumerate(half):
                out.extend(_with_half(cell, h, half[:s] + (_PAIR[o][inp],) + half[s + 1 :]) for o in range(NUM_OPS) if o != op)
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
            return _with_half(cell, h, half[:s] + (_PAIR[k + (k >= op)][inp],) + half[s + 1 :])
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
        op_dst = np.broadcast_to(_NODE_OF_SLOT + base, (2, SLOTS))
        concat_src = np.broadcast_to(np.array(NODES) + base, (2, len(NODES)))
        concat_dst = np.broadcast_to(_OUT + base, (2, len(NODES)))
        return op_dst, concat_src, concat_dst

    def graph_batch(self, cells: Sequence[Cell]) -> GraphBatch:
        """Both cells in one graph of 14 nodes (one-hot position, shared by the batch): each
        cell's 8 op edges input -> node carry the op, its 4 edges node -> out the concat
        flag, and every edge is listed both ways, so E = 48 for every graph and only the op
        edges' sources differ between graphs."""
        arrays = _arrays(cells)
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
        darts_edge = (_NODE_OF_SLOT - 2) * (_NODE_OF_SLOT + 1) // 2 + arrays[..., 1]  # [B, 2, 8]
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
        """[B, 24] long: per cell (normal, then reduce) node 2..5's pair numbers (colex; node
        2's is always 0), then the 8 slots' op indices."""
        arrays = _arrays(cells)
        inputs = arrays[..., 1].reshape(-1, 2, len(NODES), 2)
        a, b = inputs[..., 0], inputs[..., 1]
        pairs = b * (b - 1) // 2 + a  # [B, 2, 4]
        return torch.from_numpy(np.concatenate([pairs, arrays[..., 0]], axis=2).reshape(-1, 2 * CHOICES_PER_CELL))

    def reconstruction_loss(self, logits: Tensor, targets: Tensor) -> Tensor:
        """Cross-entropy averaged over the 22 real choices of an architecture, each weighted
        alike: 6 pair choices (nodes 3..5; node 2 has one option and no loss) and 16 ops."""
        pair_logits, op_logits = _choice_logits(logits)
        t = targets.reshape(-1, 2, CHOICES_PER_CELL)
        pair_loss = F.cross_entropy(pair_logits[:, :, 1:].reshape(-1, _PAIR_GATHER.shape[1]), t[:, :, 1 : len(NODES)].reshape(-1), reduction="sum")
        op_loss = F.cross_entropy(op_logits.reshape(-1, NUM_OPS), t[:, :, len(NODES) :].reshape(-1), reduction="sum")
        return (pair_loss + op_loss) / (t.shape[0] * 2 * (len(NODES) - 1 + SLOTS))

    def decode(self, logits: Tensor) -> list[Cell]:
        choices = _decoded(logits).cpu().numpy().reshape(-1, 2, CHOICES_PER_CELL)
        pairs, ops = choices[:, :, : len(NODES)], choices[:, :, len(NODES) :]
        inputs = np.stack([_PAIR_A[pairs], _PAIR_B[pairs]], axis=-1).reshape(-1, 2, SLOTS)
        return _cells(ops, inputs)

    def exact_matches(self, logits: Tensor, targets: Tensor) -> Tensor:
        return (_decoded(logits) == targets.to(logits.device)).all(-1)

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


# --- NASLib's JSON columns ---------------------------------------------------------------------
def from_naslib(normal_json: str, reduce_json: str) -> Cell:
    """The cell of NASLib's genotype_normal and genotype_reduce columns, each a JSON list of
    8 ["op", input] pairs."""
    return _naslib_half(normal_json, "normal"), _naslib_half(reduce_json, "reduce")


def to_naslib(cell: Cell) -> tuple[str, str]:
    """The cell as NASLib's two JSON columns (canonical pair order)."""
    normal, reduce = ("[" + ", ".join(f'["{OPS[op]}", {inp}]' for op, inp in half) + "]" for half in cell)
    return normal, reduce


def _naslib_half(text: str, which: str) -> tuple:
    expected = (
        f"Expected NASLib's genotype_{which}: a JSON list of 8 [\"op\", input] pairs, two per node, "
        f"node k = 2..5 taking two different inputs from 0..k-1, ops from {', '.join(OPS)}."
    )
    if not isinstance(text, str):
        raise CRLSOError(f"A NAS-Bench-301 {which} cell must be a string, got {type(text).__name__}. {expected}")
    try:
        if len(text) > MAX_TEXT:
            raise _Bad(f"longer than {MAX_TEXT:,} characters")
        return _half(_Parser(text).document(), which)
    except _Bad as bad:
        raise CRLSOError(f"Not a NAS-Bench-301 {which} cell ({bad}): {quoted(text)}. {expected}") from None


# --- arrays <-> cells ----------------------------------------------------------------------
def _arrays(cells: Sequence[Cell]) -> np.ndarray:
    """[B, 2, 8, 2] int64 (op, input) of valid cells, flattened in C (~0.15 s per 100k)."""
    chain = itertools.chain.from_iterable
    flat = np.fromiter(chain(chain(chain(cells))), dtype=np.int64, count=len(cells) * 2 * SLOTS * 2)
    return flat.reshape(len(cells), 2, SLOTS, 2)


def _cells(ops: np.ndarray, inputs: np.ndarray) -> list[Cell]:
    """Cells from [B, 2, 8] op and input arrays (inputs canonical), built from shared pairs."""
    codes = (ops * NODES[-1] + inputs).reshape(-1, SLOTS).tolist()
    halves = [tuple(map(_PAIR_BY_CODE.__getitem__, row)) for row in codes]
    return list(zip(halves[0::2], halves[1::2]))


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
    new = _PAIR[moved[0]][z]
    node = (new, kept) if z < kept[1] else (kept, new)
    return half[:first] + node + half[first + 2 :]


def _choice_logits(logits: Tensor) -> tuple[Tensor, Tensor]:
    """[B, 2, 4, 10] pair logits (-inf past a node's options) and [B, 2, 8, 7] op logits."""
    cells = logits.reshape(-1, 2, CELL_LOGITS)
    pad = cells.new_full((cells.shape[0], 2, 1), float("-inf"))
    padded = torch.cat([cells[..., :PAIR_LOGITS], pad], dim=-1)
    pair_logits = padded[..., _PAIR_GATHER.to(logits.device)]
    return pair_logits, cells[..., PAIR_LOGITS:].reshape(-1, 2, SLOTS, NUM_OPS)


def _decoded(logits: Tensor) -> Tensor:
    """[B, 24] argmax choices in the targets' layout; a pair number never past a node's
    options (argmax of all -inf or NaN logits still picks a valid one)."""
    pair_logits, op_logits = _choice_logits(logits)
    pairs = torch.minimum(pair_logits.argmax(-1), torch.from_numpy(_CHOICES - 1).to(logits.device))
    return torch.cat([pairs, op_logits.argmax(-1)], dim=-1).reshape(-1, 2 * CHOICES_PER_CELL)


# --- text -> cell --------------------------------------------------------------------------------
class _Bad(Exception):
    """Why a text is not an architecture; parse() turns it into one CRLSOError."""


def _cut(value: object) -> str:
    """A piece of the text for a reason, short: the whole text is quoted beside it."""
    return quoted(value, 40)


@dataclass
class _Call:
    name: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)


# strings without escapes, small non-negative or negative ints, names, punctuation; ASCII only
_TOKEN = re.compile(r"""\s*(?:('[^'\\\n]*'|"[^"\\\n]*")|([+-]?\d{1,6})(?![\w.])|([A-Za-z_][\w.]*)|([()\[\]{},=:]))""", re.ASCII)
_MAX_DEPTH = 6  # Genotype( [ ( ... ) ] ) needs 3; deeper nesting is never an architecture


class _Parser:
    """A tiny recursive-descent reader of Python/JSON literals and calls: strings, ints,
    lists, tuples, {"key": value} objects and Name(arg, key=arg). Never eval: user text
    only ever becomes these values."""

    def __init__(self, text: str):
        self.tokens: list[tuple[str, object]] = []
        pos = 0
        while True:
            m = _TOKEN.match(text, pos)
            if m is None:
                rest = text[pos:].lstrip()
                if rest:
                    raise _Bad(f"unexpected {rest[0]!r} at character {len(text) - len(rest) + 1}")
                break
            pos = m.end()
            string, number, name, punct = m.groups()
            if string is not None:
                self.tokens.append(("str", string[1:-1]))
            elif number is not None:
                self.tokens.append(("int", int(number)))
            elif name is not None:
                self.tokens.append(("name", name))
            else:
                self.tokens.append((punct, punct))
        self.at = 0

    def document(self) -> object:
        if not self.tokens:
            raise _Bad("empty")
        value = self.value(0)
        if self.at != len(self.tokens):
            raise _Bad(f"unexpected {self._shown()} after the architecture")
        return value

    def _peek(self) -> str:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else "end"

    def _shown(self) -> str:
        return "end of text" if self.at >= len(self.tokens) else _cut(self.tokens[self.at][1])

    def _take(self, kind: str) -> object:
        if self._peek() != kind:
            raise _Bad(f"expected {kind!r}, found {self._shown()}")
        self.at += 1
        return self.tokens[self.at - 1][1]

    def value(self, depth: int) -> object:
        if depth > _MAX_DEPTH:
            raise _Bad("nested too deeply")
        kind = self._peek()
        if kind in ("str", "int"):
            return self._take(kind)
        if kind == "name":
            name = self._take("name")
            if self._peek() != "(":
                raise _Bad(f"unexpected name {_cut(name)}")
            return self._call(name, depth)
        if kind in ("[", "("):
            return self._items({"[": "]", "(": ")"}[kind], depth)
        if kind == "{":
            return self._object(depth)
        raise _Bad(f"unexpected {self._shown()}")

    def _sequence(self, close: str, one) -> None:
        """Items separated by commas up to `close`, a trailing comma allowed."""
        self.at += 1  # the opening bracket
        while self._peek() != close:
            one()
            if self._peek() != close:
                self._take(",")
        self.at += 1

    def _items(self, close: str, depth: int) -> list:
        items: list = []
        self._sequence(close, lambda: items.append(self.value(depth + 1)))
        return items

    def _object(self, depth: int) -> dict:
        entries: dict = {}

        def entry() -> None:
            key = self._take("str")
            self._take(":")
            if key in entries:
                raise _Bad(f"{_cut(key)} given twice")
            entries[key] = self.value(depth + 1)

        self._sequence("}", entry)
        return entries

    def _call(self, name: str, depth: int) -> _Call:
        call = _Call(name)

        def arg() -> None:
            if self._peek() == "name" and self.at + 1 < len(self.tokens) and self.tokens[self.at + 1][0] == "=":
                key = self._take("name")
                self.at += 1
                if key in call.kwargs:
                    raise _Bad(f"{_cut(key)} given twice")
                call.kwargs[key] = self.value(depth + 1)
            elif call.kwargs:
                raise _Bad(f"a positional argument after keywords in {_cut(name)}(...)")
            else:
                call.args.append(self.value(depth + 1))

        self._sequence(")", arg)
        return call


def _architecture(value: object) -> Cell:
    """The cell of a parsed Genotype(...), {"normal": ..., "reduce": ...} or [normal, reduce]."""
    if isinstance(value, _Call):
        if value.name.rsplit(".", 1)[-1] != "Genotype":
            raise _Bad(f"{value.name[:40]}(...) is not Genotype(...)")
        if len(value.args) > len(FIELDS):
            raise _Bad("Genotype(...) takes at most 4 fields")
        fields = dict(zip(FIELDS, value.args))
        for key, item in value.kwargs.items():
            if key in fields:
                raise _Bad(f"{key} given twice")
            fields[key] = item
    elif isinstance(value, dict):
        fields = value
    elif isinstance(value, list) and len(value) == 2:
        fields = {"normal": value[0], "reduce": value[1]}
    elif isinstance(value, list) and len(value) == SLOTS:
        raise _Bad("one cell's pairs alone; give both the normal and the reduction cell")
    else:
        raise _Bad("not a Genotype(...), a JSON object or a list of two cells")
    unknown = [key for key in fields if key not in FIELDS]
    if unknown:
        raise _Bad(f"unknown field {_cut(unknown[0])}")
    for which in ("normal", "reduce"):
        if which not in fields:
            raise _Bad(f"no {which} cell")
        concat = fields.get(f"{which}_concat")
        if concat is not None and _concat(concat) != list(CONCAT):
            raise _Bad(f"{which}_concat must be [2, 3, 4, 5]")
    return _half(fields["normal"], "normal"), _half(fields["reduce"], "reduce")


def _concat(value: object) -> object:
    """A concat field as a list: range(2, 6) spelled out (only when it is short)."""
    if isinstance(value, _Call) and value.name == "range":
        if value.kwargs or not 1 <= len(value.args) <= 3 or any(type(a) is not int for a in value.args) or value.args[2:] == [0]:
            return None
        spanned = range(*value.args)
        return list(spanned) if len(spanned) <= len(CONCAT) else None
    return value


def _half(value: object, which: str) -> tuple:
    if not isinstance(value, list):
        raise _Bad(f"the {which} cell is not a list of (op, input) pairs")
    if len(value) != SLOTS:
        raise _Bad(f"the {which} cell has {len(value)} pair{'s' * (len(value) != 1)}, not 8")
    pairs = []
    for slot, pair in enumerate(value):
        node = NODES[slot // 2]
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) and type(pair[1]) is int):
            raise _Bad(f"{which} pair {slot + 1} is not an (op, input) pair")
        op, inp = pair
        if op not in _OP_INDEX:
            raise _Bad(f"unknown op {_cut(op)}")
        if not 0 <= inp < node:
            raise _Bad(f"{which} node {node} (pairs {slot // 2 * 2 + 1}-{slot // 2 * 2 + 2}) takes input {inp}, not one of 0..{node - 1}")
        pairs.append(_PAIR[_OP_INDEX[op]][inp])
    for s in range(0, SLOTS, 2):
        if pairs[s][1] == pairs[s + 1][1]:
            raise _Bad(f"{which} node {NODES[s // 2]} takes input {pairs[s][1]} twice")
        if pairs[s][1] > pairs[s + 1][1]:
            pairs[s], pairs[s + 1] = pairs[s + 1], pairs[s]
    return tuple(pairs)
