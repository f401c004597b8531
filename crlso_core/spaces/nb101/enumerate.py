"""Every NAS-Bench-101 cell, exactly once: 423,624 of them, with their official hashes.

How, fast:
1. Topologies: for each size V = 2..7, every upper-triangular V-vertex DAG with at most
   9 edges in which every vertex but the output has an out-edge and every vertex but the
   input has an in-edge. In an upper-triangular DAG that is the same as every vertex being
   on an input -> output path, so these are exactly the pruned graphs (6,472 of them; arrays.is_pruned).
2. Isomorphism classes of topologies: an isomorphism fixes input and output and permutes
   the middle vertices; each topology's class is named by its smallest packed bits over
   the (<= 120) orders that keep it upper-triangular, and each class's representative
   gets its automorphisms (the orders that map it onto itself).
3. Cells: a class with representative R and automorphisms G holds one cell per orbit of
   G on the 3^(V-2) op labellings; the orbit is named by its smallest op code. So every
   cell is met once, already in canonical form (cells.canonical_cell), and nothing
   is hashed twice.
4. Hashes: the official md5 module hash of every cell, vectorised (hashing.py),
   optionally split over processes; then the cells are sorted by hash. The 423,624
   isomorphism classes get 423,624 distinct hashes (checks/nb101_enumerate.py checks
   it): the official hash tells every two non-isomorphic cells of the space apart.

The ~17 million md5 calls this needs are most of its time: about 17 s on one core of a
busy 2-core machine, against about 5 minutes for hashing every (matrix, labelling).

Layout of the arrays (`CellTable`), one row per cell, sorted by hash:
- digests      (N, 16) uint8   the official module hash as md5 bytes (hex: hash_hex)
- adjacency    (N,)    uint32  edge x -> y is bit x + y*(y-1)/2 (official packing)
- ops          (N, 7)  uint8   per vertex: 0/1/2 a middle op's index in OPS, 3 input,
                               4 output, 255 past the last vertex
- num_vertices (N,)    uint8   V, 2..7; the output is vertex V-1
"""

from __future__ import annotations

import contextlib
import io
import itertools
import multiprocessing
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.files import array_bytes, npz_headers, write_bytes_atomic
from crlso_core.spaces.nb101.arrays import is_pruned
from crlso_core.spaces.nb101.cells import MAX_EDGES, MAX_VERTICES, OPS, ListSpec, edge_bit
from crlso_core.spaces.nb101.hashing import digests_of_hex, hex_digests, wl_digests

SPACE_SIZE = 423_624  # distinct valid cells (Ying et al. 2019), checked by the benchmark
INPUT_CODE, OUTPUT_CODE, NO_VERTEX = 3, 4, 255
ARRAYS = {"digests": np.uint8, "adjacency": np.uint32, "ops": np.uint8, "num_vertices": np.uint8}  # name: dtype
_CHUNK = 25_000  # cells hashed per task: bounds memory (~40 MB) and paces the progress callback
_MAX_CACHE_BYTES = 64 * 2**20  # the arrays of the whole space take about 12 MB

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CellTable:
    """Cells as parallel arrays, sorted by hash; see the module docstring for the layout."""

    digests: np.ndarray
    adjacency: np.ndarray
    ops: np.ndarray
    num_vertices: np.ndarray

    def __len__(self) -> int:
        return len(self.digests)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in ARRAYS}

    def hash_hex(self, rows: Optional[np.ndarray] = None) -> list[str]:
        """The official hash strings, of all rows or of the rows given."""
        return hex_digests(self.digests if rows is None else self.digests[rows])

    def find(self, hashes: list[str]) -> np.ndarray:
        """Row of each hash string, -1 where it is not in the table."""
        wanted, keys = _as_keys(_parse_hashes(hashes)), _as_keys(self.digests)
        if len(keys) == 0:
            return np.full(len(wanted), -1)
        rows = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        return np.where(keys[rows] == wanted, rows, -1)

    def cell(self, row: int) -> ListSpec:
        """(adjacency as nested lists, ops as strings) of one row."""
        size, bits = int(self.num_vertices[row]), int(self.adjacency[row])
        matrix = [[(bits >> edge_bit(x, y)) & 1 if x < y else 0 for y in range(size)] for x in range(size)]
        return matrix, [_OP_NAMES[code] for code in self.ops[row, :size].tolist()]


_OP_NAMES = {**dict(enumerate(OPS)), INPUT_CODE: "input", OUTPUT_CODE: "output"}


def _as_keys(digests: np.ndarray) -> np.ndarray:
    """Digests as one 16-byte item each: numpy sorts and compares them bytewise, which is
    the order of their hex strings."""
    return np.ascontiguousarray(digests).view(np.dtype((np.void, 16))).ravel()


def _parse_hashes(hashes: list[str]) -> np.ndarray:
    for text in hashes:
        if not (isinstance(text, str) and len(text) == 32 and all(c in "0123456789abcdef" for c in text)):
            raise CRLSOError(f"A NAS-Bench-101 module hash is 32 lowercase hexadecimal characters, got {quoted(text)}.")
    return digests_of_hex(list(hashes))


# --- 1. topologies --------------------------------------------------------------------
def topologies(size: int) -> np.ndarray:
    """Packed bits (ascending) of every pruned V-vertex topology with <= 9 edges."""
    edges = size * (size - 1) // 2
    bits = np.arange(2**edges, dtype=np.uint32)
    count = np.zeros_like(bits)
    for e in range(edges):
        count += (bits >> e) & 1
    return bits[(count <= MAX_EDGES) & is_pruned(size, bits)]


def _middle_orders(size: int) -> np.ndarray:
    """(P, V) every vertex order fixing input and output: new vertex i is old order[i]."""
    return np.array([(0, *middle, size - 1) for middle in itertools.permutations(range(1, size - 1))], dtype=np.intp).reshape(-1, size)


def _relabelled(bits: np.ndarray, size: int, orders: np.ndarray) -> np.ndarray:
    """(P, T) packed bits of each topology under each order, or the max uint32 where the
    order breaks upper-triangularity."""
    none = np.iinfo(np.uint32).max
    out = np.empty((len(orders), len(bits)), dtype=np.uint32)
    pairs = [(x, y) for y in range(size) for x in range(y)]
    for p, order in enumerate(orders):
        new_place = np.argsort(order)  # old vertex -> new vertex
        moved = np.zeros(len(bits), dtype=np.uint32)
        broken = np.zeros(len(bits), dtype=bool)
        for x, y in pairs:
            has = ((bits >> edge_bit(x, y)) & 1).astype(bool)
            a, b = new_place[x], new_place[y]
            if a < b:
                moved |= has.astype(np.uint32) << np.uint32(edge_bit(a, b))
            else:
                broken |= has
        out[p] = np.where(broken, none, moved)
    return out


# --- 2-3. canonical cells -------------------------------------------------------------
def canonical_cells(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every V-vertex cell once, in canonical form: (packed bits (n,), op codes (n, V-2))."""
    middle = size - 2
    bits = topologies(size)
    orders = _middle_orders(size)
    relabelled = _relabelled(bits, size, orders)
    is_representative = relabelled.min(axis=0) == bits
    representatives = bits[is_representative]
    # automorphisms of each representative: the orders that give back the same bits
    automorphic = relabelled[:, is_representative] == representatives  # (P, R)
    labellings = np.array(list(itertools.product(range(len(OPS)), repeat=middle)), dtype=np.uint8).reshape(len(OPS) ** middle, middle)
    codes = _op_codes(labellings)
    out_bits, out_ops = [], []
    # classes with the same automorphisms have the same orbit representatives: do them together
    groups, group_of_class = np.unique(automorphic.T, axis=0, return_inverse=True)
    for group, automorphisms in enumerate(groups):
        members = np.flatnonzero(group_of_class.ravel() == group)
        smallest = codes.copy()
        for order in orders[automorphisms]:  # op of new vertex i = op of old vertex order[i]
            smallest = np.minimum(smallest, _op_codes(labellings[:, order[1:-1] - 1]))
        kept = labellings[smallest == codes]
        out_bits.append(np.repeat(representatives[members], len(kept)))
        out_ops.append(np.tile(kept, (len(members), 1)))
    bits = np.concatenate(out_bits)
    return bits, np.concatenate(out_ops).reshape(len(bits), middle)


def _op_codes(labellings: np.ndarray) -> np.ndarray:
    """Base-3 op codes, the first middle vertex the most significant digit."""
    weights = len(OPS) ** np.arange(labellings.shape[1] - 1, -1, -1)
    return labellings.astype(np.int64) @ weights


# --- 4. hashes ------------------------------------------------------------------------
def _matrices(bits: np.ndarray, size: int) -> np.ndarray:
    matrices = np.zeros((len(bits), size, size), dtype=bool)
    for y in range(size):
        for x in range(y):
            matrices[:, x, y] = (bits >> edge_bit(x, y)) & 1
    return matrices


def _hash_chunk(task: tuple[np.ndarray, np.ndarray, int]) -> np.ndarray:
    bits, op_codes, size = task
    labelling = np.concatenate([np.full((len(bits), 1), -1), op_codes.astype(np.int64), np.full((len(bits), 1), -2)], axis=1)
    return wl_digests(_matrices(bits, size), labelling)


def enumerate_space(progress: Optional[Progress] = None, max_vertices: int = MAX_VERTICES, workers: int = 1) -> CellTable:
    """Every valid cell with at most `max_vertices` vertices exactly once, in canonical
    form, sorted by hash. `progress(done, total)` is called as cells are hashed. With
    `workers` > 1 the hashing is shared by that many spawned processes: worth it on an
    idle machine with spare cores (each costs ~2 s to start: it imports torch with
    crlso_core.spaces), not on a busy one."""
    if not (isinstance(max_vertices, int) and 2 <= max_vertices <= MAX_VERTICES):
        raise CRLSOError(f"max_vertices must be a whole number from 2 to {MAX_VERTICES}, got {quoted(max_vertices)}.")
    if not (isinstance(workers, int) and workers >= 1):
        raise CRLSOError(f"workers must be a whole number of processes, 1 or more, got {quoted(workers)}.")
    parts, tasks = [], []
    for size in range(2, max_vertices + 1):
        bits, ops = canonical_cells(size)
        padded = np.full((len(bits), MAX_VERTICES), NO_VERTEX, dtype=np.uint8)
        padded[:, 0], padded[:, 1:size - 1], padded[:, size - 1] = INPUT_CODE, ops, OUTPUT_CODE
        parts.append((bits, padded, np.full(len(bits), size, dtype=np.uint8)))
        tasks += [(bits[i:i + _CHUNK], ops[i:i + _CHUNK], size) for i in range(0, len(bits), _CHUNK)]
    digests = np.concatenate(_hash_tasks(tasks, progress, workers))
    bits, ops, sizes = (np.concatenate(column) for column in zip(*parts))
    order = np.argsort(_as_keys(digests))
    return CellTable(digests[order], bits[order], ops[order], sizes[order])


def _hash_tasks(tasks: list, progress: Optional[Progress], workers: int) -> list[np.ndarray]:
    """The digests of each task, in order, hashed here or in `workers` processes."""
    total, done, out = sum(len(task[0]) for task in tasks), 0, []
    if progress:
        progress(0, total)
    with contextlib.ExitStack() as stack:
        if workers == 1:
            results = map(_hash_chunk, tasks)
        else:  # spawn, not fork: the caller (the app) may hold threads
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")))
            results = pool.map(_hash_chunk, tasks)
        for task, digests in zip(tasks, results):
            out.append(digests)
            done += len(task[0])
            if progress:
                progress(done, total)
    return out


# --- the cache ------------------------------------------------------------------------
def save_enumeration(path: Path, table: CellTable) -> int:
    """Write the table as a compressed .npz, atomically; returns its size in bytes."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **table.arrays())
    data = buffer.getvalue()
    write_bytes_atomic(Path(path), data)
    return len(data)


def load_enumeration(path: Path) -> CellTable:
    """The table saved by save_enumeration; a file that is not one raises CRLSOError."""
    path = Path(path)
    corrupt = f"{path} is not a readable NAS-Bench-101 enumeration cache; delete it and it will be rebuilt"
    try:
        if not _headers_fit(npz_headers(path)):  # checked before any array is read
            raise CRLSOError(f"{corrupt} (it does not hold the arrays {', '.join(ARRAYS)} with one row per cell).")
        with np.load(path, allow_pickle=False) as data:
            table = CellTable(*(data[name] for name in ARRAYS))
    except CRLSOError:
        raise
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: enumerate the space first (enumerate_space, then save_enumeration).") from None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise CRLSOError(f"{corrupt} ({type(exc).__name__}: {str(exc)[:120]}).") from None
    sizes = table.num_vertices
    if not _strictly_ascending(table.digests) or ((sizes < 2) | (sizes > MAX_VERTICES)).any():
        raise CRLSOError(f"{corrupt} (its hashes are not sorted and distinct, or a cell has a vertex count out of 2-{MAX_VERTICES}).")
    return table


def _headers_fit(headers: dict[str, tuple[tuple, np.dtype]]) -> bool:
    if set(headers) != set(ARRAYS) or len(headers["digests"][0]) != 2:
        return False
    rows = headers["digests"][0][0]
    shapes = {"digests": (rows, 16), "adjacency": (rows,), "ops": (rows, MAX_VERTICES), "num_vertices": (rows,)}
    return all(headers[name] == (shapes[name], np.dtype(dtype)) for name, dtype in ARRAYS.items()) \
        and sum(array_bytes(*header) for header in headers.values()) <= _MAX_CACHE_BYTES


def _strictly_ascending(digests: np.ndarray) -> bool:
    high = digests[:, :8].copy().view(">u8").ravel()
    low = digests[:, 8:].copy().view(">u8").ravel()
    return bool(np.all((high[1:] > high[:-1]) | ((high[1:] == high[:-1]) & (low[1:] > low[:-1]))))


def load_or_enumerate(path: Path, progress: Optional[Progress] = None, workers: int = 1) -> CellTable:
    """The whole space: from the cache at `path`, or enumerated and saved there first."""
    path = Path(path)
    if not path.exists():
        table = enumerate_space(progress, workers=workers)
        save_enumeration(path, table)
        return table
    table = load_enumeration(path)
    if len(table) != SPACE_SIZE:
        raise CRLSOError(f"{path} holds {len(table):,} cells, not the {SPACE_SIZE:,} of the whole space; delete it and it will be rebuilt.")
    return table
