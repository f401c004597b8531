"""NAS-Bench-101 cells as arrays, many at once: pruning, the canonical form, packing.

Two frames hold a cell's vertices:
- its own frame: V vertices, input 0, output V-1, adjacency packed as in cells.py
  (edge x -> y is bit x + y(y-1)/2, the same bit whatever V), middle ops as a base-3 code
  (vertex 1 the most significant digit). NB101Cell stores this, in canonical form.
- the 7-slot frame: input in slot 0, middle vertices in slots 1..5, the output always in
  slot 6; a V-vertex cell fills middle slots 1..V-2. The decoder's logits use it, so the
  edge into the output has one logit whatever the vertex count.

The canonical form (the same as cells.canonical_cell and the enumeration): over
every order of the middle vertices that keeps the matrix upper-triangular, the smallest
(packed bits, op code). Here every order is tried for all cells of one size at once, as a
matrix product: a cell's edge bits (n, E) times, per order, each edge's new bit value
(E, P), with a value too large to be bits where the order breaks upper-triangularity.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from crlso_core.spaces.nb101.cells import MAX_EDGES, MAX_VERTICES, OPS, on_paths

SLOTS = MAX_VERTICES  # 7
OUT_SLOT = SLOTS - 1
MIDDLE = SLOTS - 2  # 5
NUM_OPS = len(OPS)  # 3
CODE_BASE = NUM_OPS**MIDDLE  # 243 > any op code, so bits * 243 + code orders by (bits, code)
EDGE_X = np.array([x for y in range(SLOTS) for x in range(y)])  # edge k's source, in bit order
EDGE_Y = np.array([y for y in range(SLOTS) for x in range(y)])
NUM_EDGE_SLOTS = len(EDGE_X)  # 21
_BROKEN = 2.0**32  # above any packed bits (< 2**21), exact in float64 even summed 21 times
_CHUNK = 20_000  # cells per matrix product: bounds memory to a few tens of MB


def edge_bit(x: np.ndarray | int, y: np.ndarray | int):
    return x + y * (y - 1) // 2


# --- codes <-> digits -------------------------------------------------------------------
def digits_of(vertices: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """(n, 5) middle op digits of each cell (vertex 1 first), 0 past its last middle vertex."""
    middle = vertices.astype(np.int64)[:, None] - 2
    place = middle - 1 - np.arange(MIDDLE)  # the power of 3 of digit i; negative past the end
    digits = (codes.astype(np.int64)[:, None] // NUM_OPS ** np.maximum(place, 0)) % NUM_OPS
    return np.where(place >= 0, digits, 0)


def codes_of(vertices: np.ndarray, digits: np.ndarray) -> np.ndarray:
    place = vertices.astype(np.int64)[:, None] - 3 - np.arange(MIDDLE)
    return np.where(place >= 0, digits * NUM_OPS ** np.maximum(place, 0), 0).sum(axis=1)


def edge_bits(bits: np.ndarray, edges: int = NUM_EDGE_SLOTS) -> np.ndarray:
    """(n, edges) bool: which of the first `edges` edge bits are set."""
    return ((bits.astype(np.int64)[:, None] >> np.arange(edges)) & 1).astype(bool)


# --- the canonical form -----------------------------------------------------------------
@lru_cache(maxsize=None)
def _orders(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per order of the middle vertices (P of them): each edge's new bit value, or _BROKEN
    (E, P); and each old middle vertex's base-3 weight in the new op code (size-2, P)."""
    middle = size - 2
    orders = np.array([(0, *m, size - 1) for m in itertools.permutations(range(1, size - 1))]).reshape(-1, size)
    new_place = np.argsort(orders, axis=1)  # old vertex -> new vertex
    edges = size * (size - 1) // 2
    bit_value = np.empty((edges, len(orders)))
    for k in range(edges):
        a, b = new_place[:, EDGE_X[k]], new_place[:, EDGE_Y[k]]
        bit_value[k] = np.where(a < b, 2.0 ** edge_bit(a, np.maximum(b, 1)), _BROKEN)
    weights = (float(NUM_OPS) ** (middle - new_place[:, 1:size - 1])).T if middle else np.zeros((0, len(orders)))
    return bit_value, weights


def canonical_keys(size: int, bits: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """bits * 243 + op code of the canonical form of pruned `size`-vertex cells, given their
    packed bits (n,) and middle digits (n, >= size-2), in any vertex order."""
    bit_value, weights = _orders(size)
    edges = bit_value.shape[0]
    out = np.empty(len(bits), dtype=np.int64)
    for start in range(0, len(bits), _CHUNK):
        part = slice(start, start + _CHUNK)
        moved = edge_bits(bits[part], edges).astype(np.float64) @ bit_value  # (n, P)
        codes = digits[part, :size - 2].astype(np.float64) @ weights
        keys = np.where(moved < _BROKEN, moved * CODE_BASE + codes, np.inf)
        out[part] = keys.min(axis=1)  # the identity order is always allowed: never inf
    return out


def canonical(vertices: np.ndarray, bits: np.ndarray, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bits, op codes) of the canonical form of pruned cells in their own frame."""
    keys = np.empty(len(vertices), dtype=np.int64)
    for size in np.unique(vertices).tolist():
        rows = np.flatnonzero(vertices == size)
        keys[rows] = canonical_keys(size, bits[rows], digits[rows])
    return keys // CODE_BASE, keys % CODE_BASE


_OUT_MASK = np.array([sum(1 << edge_bit(v, w) for w in range(v + 1, SLOTS)) for v in range(SLOTS)])
_IN_MASK = np.array([sum(1 << edge_bit(u, v) for u in range(v)) for v in range(SLOTS)])


def is_pruned(vertices: np.ndarray | int, bits: np.ndarray) -> np.ndarray:
    """Bool per own-frame cell (V vertices, packed bits, none set past V): every vertex but
    the output feeds another and every vertex but the input is fed. In an upper-triangular
    DAG that is every vertex lying on an input -> output path (cells.on_paths keeps them
    all): the cell is its own pruned form."""
    ok = np.ones(np.broadcast(vertices, bits).shape, dtype=bool)
    for v in range(SLOTS):
        has_out, has_in = (bits & _OUT_MASK[v]) != 0, (bits & _IN_MASK[v]) != 0
        ok &= ((v >= vertices - 1) | has_out) & ((v == 0) | (v >= vertices) | has_in)
    return ok


def are_canonical_cells(vertices: np.ndarray, bits: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Bool per cell (own frame, integer arrays): 2..7 vertices, bits and code in range,
    already pruned (every vertex but the output feeds one, every vertex but the input is
    fed), at most 9 edges, and in canonical form."""
    vertices, bits, codes = (np.asarray(a, dtype=np.int64) for a in (vertices, bits, codes))
    size = np.clip(vertices, 2, SLOTS)
    ok = (vertices == size) & (bits >= 0) & (bits < 2 ** (size * (size - 1) // 2)) & (codes >= 0) & (codes < NUM_OPS ** (size - 2))
    ok &= is_pruned(size, bits) & (edge_bits(bits).sum(axis=1) <= MAX_EDGES)
    rows = np.flatnonzero(ok)
    canonical_bits, canonical_codes = canonical(size[rows], bits[rows], digits_of(size[rows], codes[rows]))
    ok[rows] = (canonical_bits == bits[rows]) & (canonical_codes == codes[rows])
    return ok


# --- the 7-slot frame --------------------------------------------------------------------
def slot_of(vertices: np.ndarray) -> np.ndarray:
    """(n, 7): the slot of each own-frame vertex v (v for v < V-1, 6 for the output; past
    the output, unused)."""
    v = np.arange(SLOTS)
    return np.where(v[None, :] < vertices[:, None] - 1, v[None, :], OUT_SLOT)


def to_slots(vertices: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """(n, 21) bool edges in the 7-slot frame of own-frame cells."""
    own = edge_bits(bits)
    into_output = EDGE_Y[None, :] == vertices[:, None] - 1  # (n, 21): edges x -> output move to x -> 6
    moved = own & ~into_output
    rows, k = np.nonzero(own & into_output)
    moved[rows, edge_bit(EDGE_X[k], OUT_SLOT)] = True
    return moved


def pruned(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edges kept, slots kept, connected) of 7-slot edge sets (n, 21): only what lies on a
    path from slot 0 to slot 6 stays (cells.on_paths)."""
    adjacency = np.zeros((len(edges), SLOTS, SLOTS), dtype=bool)
    adjacency[:, EDGE_X, EDGE_Y] = edges
    kept, connected = on_paths(adjacency)
    return edges & kept[:, EDGE_X] & kept[:, EDGE_Y], kept, connected


def from_slots(
    edges: np.ndarray, slot_digits: np.ndarray, canonicalise: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cells from raw 7-slot specs: edges (n, 21) bool, slot_digits (n, 7) middle ops (slots
    1..5 read). Pruned, then in canonical form: (ok, vertices, bits, codes), where ok says
    the input reaches the output within 9 edges (the other arrays are meaningless where
    it does not). The 7 slots cap a cell at 7 vertices. canonicalise=False keeps the
    slots' vertex order (for specs known to be canonical already)."""
    edges, kept, connected = pruned(edges)
    vertices = kept.sum(axis=1)
    ok = connected & (edges.sum(axis=1) <= MAX_EDGES)
    new = np.cumsum(kept, axis=1) - 1  # own-frame index of each kept slot
    rows, k = np.nonzero(edges)
    bits = np.zeros(len(edges), dtype=np.int64)
    np.bitwise_or.at(bits, rows, np.left_shift(1, edge_bit(new[rows, EDGE_X[k]], new[rows, EDGE_Y[k]])))
    digits = np.zeros((len(edges), MIDDLE), dtype=np.int64)
    rows, slot = np.nonzero(kept[:, 1:OUT_SLOT])
    digits[rows, new[rows, slot + 1] - 1] = slot_digits[rows, slot + 1]
    if not canonicalise:
        return ok, vertices, bits, codes_of(vertices, digits)
    good = np.flatnonzero(ok)
    codes = np.zeros(len(edges), dtype=np.int64)
    bits[good], codes[good] = canonical(vertices[good], bits[good], digits[good])
    return ok, vertices, bits, codes
