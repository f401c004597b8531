"""NAS-Bench-101 (Ying et al. 2019): cells are DAGs of at most 7 vertices and 9 edges, ops
on the vertices; 423,624 cells once isomorphic specs are counted as one.

A cell is an NB101Cell (vertices, bits, ops), three ints in canonical form
(arrays.py): vertices V (2..7, the output is vertex V-1), bits the packed adjacency
(edge x -> y is bit x + y(y-1)/2), ops the middle ops as a base-3 number (vertex 1 the
most significant digit, digits index OPS). Every spelling of one cell, isomorphic
relabellings included, gives the same three ints; the official module hash (hash_of) is
the name the benchmarks use.

Text form (text.py): format writes
    adjacency=0110000/0001000/.../0000000 ops=input,conv3x3-bn-relu,...,output
(the rows of the canonical matrix, then the ops); parse also reads JSON
{"matrix": [[...]], "ops": [...]} as the official API and NASLib hold a spec, prunes it
and puts it in canonical form. Hashes are not parsed: the benchmark looks them up.

Sampling is uniform over the 423,624 cells: the canonical cells are listed without
hashing (enumerate.canonical_cells, ~0.2 s, kept in memory). all_cells() is the
hashed enumeration in hash order, cached on disk (cache_path()).

Neighbours: one edge added or removed, one middle op changed, or one vertex inserted on a
new path u -> new -> w (see neighbours()).
"""

from __future__ import annotations

import itertools
import os
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.base import GraphBatch, SearchSpace
from crlso_core.spaces.drawing import CellDrawing, DrawnEdge, DrawnNode
from crlso_core.spaces.nb101 import decoder
from crlso_core.spaces.nb101.arrays import (
    EDGE_X,
    EDGE_Y,
    NUM_EDGE_SLOTS,
    OUT_SLOT,
    SLOTS,
    are_canonical_cells,
    codes_of,
    digits_of,
    edge_bits,
    from_slots,
)
from crlso_core.spaces.nb101.cells import MAX_EDGES, OPS, ListSpec, edge_bit, labels, unpack, wl_hash
from crlso_core.spaces.nb101.enumerate import INPUT_CODE, SPACE_SIZE, CellTable, canonical_cells, load_or_enumerate
from crlso_core.spaces.nb101.hashing import hex_digests, wl_digests
from crlso_core.spaces.nb101.text import format_cell, ops_text, pruned_spec, quick_parts, spec_parts

CACHE_ENV_VAR = "CRLSO_NB101_CACHE"
SHORT = {"conv3x3-bn-relu": "3x3", "conv1x1-bn-relu": "1x1", "maxpool3x3": "pool"}
_INITIAL = {"conv3x3-bn-relu": "3", "conv1x1-bn-relu": "1", "maxpool3x3": "m"}
NODE_TYPES = 5  # input, the 3 ops, output
MAX_GRAPH_EDGES = 2 * MAX_EDGES  # each edge listed both ways


class NB101Cell(NamedTuple):
    vertices: int  # V, 2..7
    bits: int  # packed adjacency, official bit order
    ops: int  # middle ops, base 3, vertex 1 the most significant digit


def cache_path() -> Path:
    """Where the hashed enumeration is cached: $CRLSO_NB101_CACHE, else
    $XDG_CACHE_HOME/crlso/nb101_cells.npz, else ~/.cache/crlso/nb101_cells.npz."""
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "crlso" / "nb101_cells.npz"


def _arrays(cells: Sequence[NB101Cell]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat = np.fromiter(itertools.chain.from_iterable(cells), dtype=np.int64, count=3 * len(cells)).reshape(len(cells), 3)
    return flat[:, 0], flat[:, 1], flat[:, 2]


def _cells(vertices: np.ndarray, bits: np.ndarray, codes: np.ndarray) -> list[NB101Cell]:
    return list(map(NB101Cell, vertices.tolist(), bits.tolist(), codes.tolist()))


class NB101Space(SearchSpace):
    name = "nb101"
    title = "NAS-Bench-101"
    op_names = OPS
    op_colours = MappingProxyType({"conv3x3-bn-relu": "#d62728", "conv1x1-bn-relu": "#1f77b4", "maxpool3x3": "#2a7d2a"})
    label_help = (
        "The ops of the middle vertices in the cell's vertex order (3 conv 3×3, 1 conv 1×1, m max pool 3×3), then the number "
        "of edges: `3m1mm 9e` has five middle vertices (conv 3×3, max pool, conv 1×1, max pool, max pool) and 9 edges; "
        "`- 1e` is the input wired straight to the output."
    )
    # one-hot node type, then one-hot slot (arrays.py's 7-slot frame: the output is always
    # slot 6), so the encoder sees where each vertex sits in the order the decoder rebuilds
    node_features = NODE_TYPES + SLOTS
    edge_features = 2  # forward or backward copy of an edge
    decoder_output_dim = decoder.LOGITS

    def __init__(self, cache: Optional[Path] = None):
        self._cache = Path(cache) if cache is not None else None

    # --- text form and identity ------------------------------------------------------------
    def parse(self, text: str) -> NB101Cell:
        matrix, ops = pruned_spec(text)
        size, bits, digits = spec_parts(matrix, ops)
        edges = [(x, y) for y in range(size) for x in range(y) if matrix[x][y]]
        (cell,) = self._from_specs([(size, edges, digits)])
        assert cell is not None  # pruned_spec checked it
        return cell

    def parse_many(self, texts) -> list[NB101Cell]:
        """parse() of each text; texts written by format() (a run's pool) are read and
        checked as arrays, ~30x faster than one by one; any other text goes through parse()."""
        texts = list(texts)
        quick = [quick_parts(t) for t in texts]
        rows = [i for i, parts in enumerate(quick) if parts is not None]
        out: list = [None] * len(texts)
        if rows:
            vertices, bits, codes = (np.array(column, dtype=np.int64) for column in zip(*(quick[i] for i in rows)))
            good = are_canonical_cells(vertices, bits, codes)
            for i, cell in zip(np.asarray(rows)[good].tolist(), _cells(vertices[good], bits[good], codes[good])):
                out[i] = cell
        return [cell if cell is not None else self.parse(t) for cell, t in zip(out, texts)]

    def format(self, cell: NB101Cell) -> str:
        return format_cell(*cell)

    def is_valid(self, cell) -> bool:
        if not (isinstance(cell, tuple) and len(cell) == 3 and all(type(v) is int for v in cell)):
            return False
        if not (2 <= cell[0] <= SLOTS and 0 <= cell[1] < 2**NUM_EDGE_SLOTS and 0 <= cell[2] < 3 ** (SLOTS - 2)):
            return False  # also keeps huge ints out of int64 arrays
        return bool(are_canonical_cells(*(np.array([v]) for v in cell))[0])

    def hash_of(self, cell: NB101Cell) -> str:
        """The official module hash (nasbench graph_util.hash_module) of a cell."""
        matrix, ops = self.spec(cell)
        return wl_hash(np.array(matrix, dtype=np.int8), labels(ops))

    def hashes(self, cells: Sequence[NB101Cell]) -> list[str]:
        """hash_of of many cells, hashed together by vertex count."""
        vertices, bits, codes = _arrays(cells)
        out = [""] * len(cells)
        for size in np.unique(vertices).tolist():
            rows = np.flatnonzero(vertices == size)
            matrices = edge_bits(bits[rows])[:, _OWN_INDEX[size]]  # (n, V, V)
            labelling = np.concatenate([np.full((len(rows), 1), -1), digits_of(vertices[rows], codes[rows])[:, :size - 2],
                                        np.full((len(rows), 1), -2)], axis=1)
            for i, h in zip(rows.tolist(), hex_digests(wl_digests(matrices & _UPPER[size], labelling))):
                out[i] = h
        return out

    def spec(self, cell: NB101Cell) -> ListSpec:
        """(adjacency as nested lists, ops as names) of a cell, in canonical order."""
        size, bits, code = cell
        return unpack(bits, size).tolist(), ops_text(size, code).split(",")

    # --- enumeration and sampling --------------------------------------------------------
    @property
    def size(self) -> int:
        return SPACE_SIZE

    def cache_path(self) -> Path:
        return self._cache if self._cache is not None else cache_path()

    @cached_property
    def table(self) -> CellTable:
        """Every cell with its official hash, sorted by hash: from the cache, or enumerated
        (~20 s) and cached there first."""
        return load_or_enumerate(self.cache_path())

    def all_cells(self) -> list[NB101Cell]:
        """Every cell once, in the order of their official hashes (the table's rows)."""
        t = self.table
        vertices = t.num_vertices.astype(np.int64)
        ops = t.ops[:, 1:OUT_SLOT].astype(np.int64)  # middle slots; past the output they hold padding
        digits = np.where(ops < INPUT_CODE, ops, 0)  # the output's and padding's codes are not ops
        return _cells(vertices, t.adjacency.astype(np.int64), codes_of(vertices, digits))

    @cached_property
    def _canonical_list(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(vertices, bits, codes) of every cell, by vertex count, unhashed (~0.2 s)."""
        parts = []
        for size in range(2, SLOTS + 1):
            bits, ops = canonical_cells(size)  # ops: (n, size - 2) middle op indices
            vertices = np.full(len(bits), size)
            digits = np.zeros((len(bits), SLOTS - 2), dtype=np.int64)
            digits[:, : size - 2] = ops
            parts.append((vertices, bits.astype(np.int64), codes_of(vertices, digits)))
        return tuple(np.concatenate(column) for column in zip(*parts))

    def sample(self, rng: np.random.Generator, n: int) -> list[NB101Cell]:
        """n distinct cells, uniform over the 423,624 cells (not over raw specs, which would
        favour cells with many spellings)."""
        if not 0 <= n <= SPACE_SIZE:
            raise CRLSOError(f"Cannot sample {n:,} distinct cells from the {SPACE_SIZE:,} of NAS-Bench-101.")
        vertices, bits, codes = self._canonical_list
        rows = rng.choice(SPACE_SIZE, size=n, replace=False)
        return _cells(vertices[rows], bits[rows], codes[rows])

    def neighbours(self, cell: NB101Cell) -> list[NB101Cell]:
        """Every other valid cell one change away, each once, in a fixed order:
        - one edge added or removed (a removal may prune vertices left on no path);
        - one middle vertex's op changed;
        - one vertex inserted: a new vertex with any op, fed by u and feeding w (u before w),
          when the cell has under 7 vertices and at most 7 edges. Edge flips alone can
          never grow a cell (a vertex needs two edges), so without this local search and
          evolution could only shrink cells, and the 2-vertex cell would have no neighbour."""
        size, bits, code = cell
        digits = digits_of(np.array([size]), np.array([code]))[0].tolist()[: size - 2]
        edges = [(x, y) for y in range(size) for x in range(y) if bits >> edge_bit(x, y) & 1]
        specs: list[tuple[int, list[tuple[int, int]], list[int]]] = []
        for y in range(1, size):
            for x in range(y):
                flipped = [e for e in edges if e != (x, y)] if (x, y) in edges else edges + [(x, y)]
                specs.append((size, flipped, digits))
        for i, op in itertools.product(range(size - 2), range(len(OPS))):
            if op != digits[i]:
                specs.append((size, edges, digits[:i] + [op] + digits[i + 1:]))
        if size < SLOTS and len(edges) + 2 <= MAX_EDGES:
            for u, w, op in itertools.product(range(size - 1), range(1, size), range(len(OPS))):
                if u < w:  # the new vertex goes right after u; later vertices move up one
                    moved = [(a + (a > u), b + (b > u)) for a, b in edges]
                    specs.append((size + 1, moved + [(u, u + 1), (u + 1, w + 1)], digits[:u] + [op] + digits[u:]))
        found = self._from_specs(specs)
        return [c for c in dict.fromkeys(found) if c is not None and c != cell]

    def _from_specs(self, specs: list[tuple[int, list[tuple[int, int]], list[int]]]) -> list[Optional[NB101Cell]]:
        """The canonical cell of each own-frame spec (V, edges, middle digits), None where it
        is not valid after pruning."""
        slot_edges = np.zeros((len(specs), NUM_EDGE_SLOTS), dtype=bool)
        slot_digits = np.zeros((len(specs), SLOTS), dtype=np.int64)
        for row, (size, edges, digits) in enumerate(specs):
            slot = list(range(size - 1)) + [OUT_SLOT]
            for x, y in edges:
                slot_edges[row, edge_bit(slot[x], slot[y])] = True
            slot_digits[row, 1:size - 1] = digits
        ok, vertices, bits, codes = from_slots(slot_edges, slot_digits)
        cells = _cells(vertices, bits, codes)
        return [c if good else None for c, good in zip(cells, ok.tolist())]

    # --- tensors for the networks --------------------------------------------------------
    def graph_batch(self, cells: Sequence[NB101Cell]) -> GraphBatch:
        """Per cell: its V vertices (padding after them, node_mask 0), each one-hot of its
        type and of its 7-slot position; its edges (at most 9) listed forward then backward
        with the direction one-hot, padded to 18 (edge_mask 0, source = target = 0)."""
        vertices, bits, codes = _arrays(cells)
        b = len(cells)
        v = np.arange(SLOTS)[None, :]
        digits = digits_of(vertices, codes)  # (b, 5)
        node_type = np.full((b, SLOTS), NODE_TYPES - 1)  # output
        node_type[:, 0] = 0
        middle = (v >= 1) & (v < vertices[:, None] - 1)
        node_type[:, 1:OUT_SLOT] = np.where(middle[:, 1:OUT_SLOT], 1 + digits, NODE_TYPES - 1)
        position = np.where(v < vertices[:, None] - 1, v, OUT_SLOT)
        node_mask = v < vertices[:, None]
        x = np.zeros((b, SLOTS, self.node_features), dtype=np.float32)
        rows, slots = np.nonzero(node_mask)
        x[rows, slots, node_type[rows, slots]] = 1.0
        x[rows, slots, NODE_TYPES + position[rows, slots]] = 1.0
        # each cell's edges in bit order, first MAX_EDGES columns: present ones first
        present = edge_bits(bits)
        order = np.argsort(~present, axis=1, kind="stable")[:, :MAX_EDGES]
        real = np.take_along_axis(present, order, axis=1)
        src, dst = np.where(real, EDGE_X[order], 0), np.where(real, EDGE_Y[order], 0)
        mask = np.concatenate([real, real], axis=1).astype(np.float32)
        attr = np.zeros((b, MAX_GRAPH_EDGES, 2), dtype=np.float32)
        attr[:, :MAX_EDGES, 0], attr[:, MAX_EDGES:, 1] = real, real
        return GraphBatch(
            x=torch.from_numpy(x),
            src=torch.from_numpy(np.concatenate([src, dst], axis=1)),
            dst=torch.from_numpy(np.concatenate([dst, src], axis=1)),
            edge_attr=torch.from_numpy(attr),
            edge_mask=torch.from_numpy(mask),
            node_mask=torch.from_numpy(node_mask.astype(np.float32)),
        )

    def targets(self, cells: Sequence[NB101Cell]) -> Tensor:
        return decoder.targets_of(*_arrays(cells))

    def reconstruction_loss(self, logits: Tensor, targets: Tensor) -> Tensor:
        return decoder.reconstruction_loss(logits, targets)

    def decode(self, logits: Tensor) -> list[NB101Cell]:
        return _cells(*decoder.decode_arrays(logits))

    def exact_matches(self, logits: Tensor, targets: Tensor) -> Tensor:
        return decoder.exact_matches(logits, targets)

    # --- display ---------------------------------------------------------------------
    def drawing(self, cell: NB101Cell) -> list[CellDrawing]:
        """Vertices in canonical order, ops on the middle ones; plain edges."""
        size, bits, _ = cell
        ops = self.spec(cell)[1]
        nodes = (DrawnNode("in"), *(DrawnNode(SHORT[op], op=op) for op in ops[1:-1]), DrawnNode("out"))
        edges = tuple(DrawnEdge(x, y) for y in range(size) for x in range(y) if bits >> edge_bit(x, y) & 1)
        return [CellDrawing(nodes, edges)]

    def label(self, cell: NB101Cell) -> str:
        """The middle ops' initials in order (3 conv3x3, 1 conv1x1, m maxpool) and the edge
        count, e.g. '31m3 7e'; '- 1e' for the cell input -> output."""
        size, bits, _ = cell
        initials = "".join(_INITIAL[op] for op in self.spec(cell)[1][1:-1]) or "-"
        return f"{initials} {bin(bits).count('1')}e"


# per V: the own-frame (V, V) matrix's entries as indices into the 21 edge bits (an unused
# index 0 below the diagonal, masked by _UPPER)
_OWN_INDEX = {size: np.array([[edge_bit(x, y) if x < y else 0 for y in range(size)] for x in range(size)]) for size in range(2, SLOTS + 1)}
_UPPER = {size: np.triu(np.ones((size, size), dtype=bool), 1) for size in range(2, SLOTS + 1)}
