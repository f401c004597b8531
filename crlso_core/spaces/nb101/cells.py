"""NAS-Bench-101 cells: checking a spec, pruning it, and its official module hash.

A cell (Ying et al. 2019) is a DAG given as an upper-triangular 0/1 adjacency matrix
(vertex 0 the input, the last vertex the output) and one op per vertex:
["input", op, ..., "output"], each middle op one of OPS. Pruning removes every vertex
that is not on an input -> output path; a spec is valid when, after pruning, the input
still reaches the output and the cell has at most 7 vertices and 9 edges (the official
library prunes first, then checks, so a larger raw matrix may still be valid).

A cell's identity is the official module hash (nasbench graph_util.hash_module): md5
over each vertex's (out-degree, in-degree, label), refined once per vertex by the md5 of
the sorted in- and out-neighbour hashes and the vertex's own (Weisfeiler-Lehman style),
then the md5 of the sorted list. Labels: input -1, output -2, a middle op its index in
OPS. Isomorphic specs share one hash.

Adjacency packed as bits uses the official order (graph_util.gen_is_edge_fn): the edge
x -> y (x < y) is bit x + y * (y - 1) / 2, so a matrix's bits do not depend on its size.
"""

from __future__ import annotations

import itertools
from hashlib import md5
from typing import Iterable, Sequence

import numpy as np

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.spaces.nb101.hashing import hex_digests, wl_digests

OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")  # the official label order
INPUT, OUTPUT = "input", "output"
INPUT_LABEL, OUTPUT_LABEL = -1, -2
MAX_VERTICES = 7
MAX_EDGES = 9
MAX_SPEC_VERTICES = 32  # a raw spec may be larger than a cell (pruning may shrink it); bounded all the same
OP_INDEX = {op: i for i, op in enumerate(OPS)}

EXPECTED = (
    "Expected an upper-triangular 0/1 adjacency matrix (vertex 0 the input, the last vertex the output) "
    f"and ops [\"input\", ..., \"output\"] with every middle op one of {', '.join(OPS)}."
)

Matrix = np.ndarray  # (V, V) int8, upper-triangular 0/1
# a spec, (adjacency, ops), two ways: the adjacency as an array (what is checked, pruned and hashed here),
# or as nested lists of 0/1 (as JSON, the official API and the space's text form hold it)
ArraySpec = tuple[Matrix, list[str]]
ListSpec = tuple[list[list[int]], list[str]]


# --- checking a spec ------------------------------------------------------------------
def as_matrix(adjacency: object) -> Matrix:
    """The adjacency as a (V, V) int8 array, or a CRLSOError saying what is wrong with it."""
    try:
        matrix = np.asarray(adjacency)
    except (ValueError, TypeError):  # ragged nested lists
        raise CRLSOError(f"A NAS-Bench-101 adjacency must be a square matrix, got the ragged {quoted(adjacency)}. {EXPECTED}") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or not 2 <= matrix.shape[0] <= MAX_SPEC_VERTICES:
        raise CRLSOError(f"A NAS-Bench-101 adjacency must be a square matrix of 2 to {MAX_SPEC_VERTICES} vertices, "
                         f"got shape {matrix.shape}. {EXPECTED}")
    if matrix.dtype.kind not in "biuf" or not ((matrix == 0) | (matrix == 1)).all():
        raise CRLSOError(f"A NAS-Bench-101 adjacency must hold only 0 and 1, got {quoted(matrix.tolist())}. {EXPECTED}")
    matrix = matrix.astype(np.int8)
    if np.tril(matrix).any():
        row, col = np.argwhere(np.tril(matrix))[0].tolist()
        raise CRLSOError(f"A NAS-Bench-101 adjacency must be upper-triangular (zero on and below the diagonal), "
                         f"but entry [{row}][{col}] is 1. {EXPECTED}")
    return matrix


def as_ops(ops: object, vertices: int) -> list[str]:
    """The ops as a list of strings, one per vertex, or a CRLSOError saying what is wrong."""
    if isinstance(ops, (str, bytes)) or not isinstance(ops, Sequence):
        raise CRLSOError(f"NAS-Bench-101 ops must be a list of strings, got {quoted(ops)}. {EXPECTED}")
    ops = list(ops)
    if len(ops) != vertices:
        raise CRLSOError(f"NAS-Bench-101 ops must have one entry per vertex ({vertices}), got {len(ops)}: {quoted(ops)}. {EXPECTED}")
    if ops[0] != INPUT or ops[-1] != OUTPUT:
        raise CRLSOError(f"NAS-Bench-101 ops must start with 'input' and end with 'output', got {quoted(ops)}. {EXPECTED}")
    for i, op in enumerate(ops[1:-1], start=1):
        if op not in OP_INDEX:
            raise CRLSOError(f"NAS-Bench-101 op {i} is {quoted(op)}, expected one of {', '.join(OPS)}. {EXPECTED}")
    return ops


def checked(adjacency: object, ops: object) -> ArraySpec:
    matrix = as_matrix(adjacency)
    return matrix, as_ops(ops, len(matrix))


def labels(ops: Sequence[str]) -> list[int]:
    """The official integer labelling: input -1, output -2, a middle op its index in OPS."""
    return [INPUT_LABEL] + [OP_INDEX[op] for op in ops[1:-1]] + [OUTPUT_LABEL]


# --- pruning and validity -------------------------------------------------------------
def on_paths(adjacency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kept, connected) of upper-triangular adjacency matrices (..., V, V), vertex 0 the
    input and V-1 the output: kept (..., V) says which vertices lie on an input -> output
    path, connected (...) whether the input reaches the output at all. The one pruning rule:
    prune applies it to one spec, arrays.pruned to many cells in the 7-slot frame."""
    edges = np.asarray(adjacency, dtype=bool)
    size = edges.shape[-1]
    forward = np.zeros(edges.shape[:-1], dtype=bool)  # reached from the input
    backward = np.zeros(edges.shape[:-1], dtype=bool)  # reaching the output
    forward[..., 0] = backward[..., -1] = True
    # upper-triangular: vertex order is a topological order, so one pass each way suffices
    for v in range(1, size):
        forward[..., v] = (forward[..., :v] & edges[..., :v, v]).any(axis=-1)
    for v in range(size - 2, -1, -1):
        backward[..., v] = (backward[..., v + 1:] & edges[..., v, v + 1:]).any(axis=-1)
    return forward & backward, forward[..., -1]


def prune(adjacency: object, ops: object) -> ArraySpec | None:
    """The spec without the vertices that lie on no input -> output path (and their
    edges), or None when the input cannot reach the output. Malformed input raises
    CRLSOError (checked)."""
    return prune_checked(*checked(adjacency, ops))


def prune_checked(matrix: Matrix, ops: list[str]) -> ArraySpec | None:
    """prune() of a spec already checked: a square, strictly upper-triangular 0/1 integer
    array and one op per vertex (readers that check their own input call this). A spec
    with nothing to prune comes back as the same objects, at the cost of two reductions:
    the official files' cells all are pruned."""
    if matrix[:-1].any(axis=1).all() and matrix[:, 1:].any(axis=0).all():
        # every vertex but the output has a successor, every one but the input a predecessor:
        # in topological order each is then reached from the input and reaches the output
        return matrix, ops
    kept, connected = on_paths(matrix)
    if not connected:
        return None
    return matrix[np.ix_(kept, kept)], [op for op, keep in zip(ops, kept.tolist()) if keep]


def is_valid(adjacency: object, ops: object) -> bool:
    """True when the pruned spec connects input to output within 7 vertices and 9 edges.
    Malformed input (shape, values, ops) raises CRLSOError rather than returning False."""
    pruned = prune(adjacency, ops)
    return pruned is not None and len(pruned[0]) <= MAX_VERTICES and int(pruned[0].sum()) <= MAX_EDGES


def _pruned_or_raise(adjacency: object, ops: object) -> ArraySpec:
    pruned = prune(adjacency, ops)
    if pruned is None:
        raise CRLSOError(f"This NAS-Bench-101 spec has no cell: its input does not reach its output "
                         f"(adjacency {quoted(np.asarray(adjacency).tolist())}).")
    return pruned


# --- the official module hash ---------------------------------------------------------
def _md5_hex(text: str) -> str:
    return md5(text.encode("utf-8")).hexdigest()


def wl_hash(matrix: Matrix, labelling: Sequence[int]) -> str:
    """graph_util.hash_module of an already pruned matrix and its integer labelling."""
    size = len(labelling)
    rows = matrix.astype(bool)
    into = [np.flatnonzero(rows[:, v]).tolist() for v in range(size)]
    out_of = [np.flatnonzero(rows[v]).tolist() for v in range(size)]
    # plain ints: the official code formats the tuple str((out, in, label)) of Python ints
    hashes = [_md5_hex(str((len(out_of[v]), len(into[v]), int(labelling[v])))) for v in range(size)]
    for _ in range(size):  # one refinement per vertex, as the official code does
        hashes = [
            _md5_hex("".join(sorted(hashes[w] for w in into[v])) + "|" + "".join(sorted(hashes[w] for w in out_of[v])) + "|" + hashes[v])
            for v in range(size)
        ]
    return _md5_hex(str(sorted(hashes)))


def module_hash(adjacency: object, ops: object) -> str:
    """The official module hash of a spec (pruned first, as the official library does).
    The hash is defined for any connected spec; use is_valid to know if it is in the space."""
    matrix, ops = _pruned_or_raise(adjacency, ops)
    return wl_hash(matrix, labels(ops))


def module_hashes(specs: Iterable[tuple[object, object]]) -> list[str]:
    """module_hash of many (adjacency, ops) specs, hashed together by size (hashing.py):
    about 2-3x faster than one at a time for thousands of specs."""
    cells = [_pruned_or_raise(adjacency, ops) for adjacency, ops in specs]
    out: list[str] = [""] * len(cells)
    by_size: dict[int, list[int]] = {}
    for i, (matrix, _) in enumerate(cells):
        by_size.setdefault(len(matrix), []).append(i)
    for size, members in by_size.items():
        matrices = np.stack([cells[i][0] for i in members]).astype(bool)
        labelling = np.array([labels(cells[i][1]) for i in members], dtype=np.int8)
        for i, text in zip(members, hex_digests(wl_digests(matrices, labelling))):
            out[i] = text
    return out


# --- packing and the canonical form ---------------------------------------------------
def edge_bit(source: int, target: int) -> int:
    """The bit of edge source -> target (source < target) in the official packing."""
    return source + target * (target - 1) // 2


def pack(matrix: Matrix) -> int:
    """The adjacency as an integer of edge bits (official order; see the module docstring)."""
    sources, targets = np.nonzero(np.triu(matrix, 1))
    return sum(1 << edge_bit(s, t) for s, t in zip(sources.tolist(), targets.tolist()))


def unpack(bits: int, vertices: int) -> Matrix:
    """The (vertices, vertices) int8 matrix of packed edge bits."""
    matrix = np.zeros((vertices, vertices), dtype=np.int8)
    for target in range(1, vertices):
        for source in range(target):
            matrix[source, target] = (int(bits) >> edge_bit(source, target)) & 1
    return matrix


def op_code(ops: Sequence[str]) -> int:
    """The middle ops as a base-3 number, vertex 1 the most significant digit."""
    code = 0
    for op in ops[1:-1]:
        code = 3 * code + OP_INDEX[op]
    return code


def canonical_cell(adjacency: object, ops: object) -> ArraySpec:
    """One fixed representative of the spec's isomorphism class: the pruned cell relabelled
    (middle vertices permuted, kept upper-triangular) to the smallest (packed bits, op
    code). The enumeration stores every cell in this form. Slow-ish (up to 120 orders);
    for single cells and checks."""
    matrix, ops = _pruned_or_raise(adjacency, ops)
    size = len(matrix)
    best: tuple[int, int] | None = None
    best_cell: ArraySpec | None = None
    for middle in itertools.permutations(range(1, size - 1)):
        order = [0, *middle, size - 1]  # new vertex i is old vertex order[i]
        moved = matrix[np.ix_(order, order)]
        if np.tril(moved).any():
            continue  # not a topological order of this DAG
        moved_ops = [ops[i] for i in order]
        key = (pack(moved), op_code(moved_ops))
        if best is None or key < best:
            best, best_cell = key, (moved.copy(), moved_ops)
    assert best_cell is not None  # the identity order is always upper-triangular
    return best_cell
