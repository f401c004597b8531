"""NAS-Bench-301 / DARTS cells: what one is, and many of them as arrays.

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
from typing import Sequence

import numpy as np

OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
NUM_OPS = len(OPS)
OP_INDEX = {op: i for i, op in enumerate(OPS)}
NODES = (2, 3, 4, 5)  # intermediate nodes; 0 and 1 are the inputs, 6 the output
SLOTS = 2 * len(NODES)  # (op, input) pairs per cell
CONCAT = (2, 3, 4, 5)
NODE_OF_SLOT = np.repeat(NODES, 2)  # [8]

# input pairs in colex order; node i may pick any of the first CHOICES[i - 2]
_PAIRS = tuple((a, b) for b in range(1, NODES[-1]) for a in range(b))  # 10 pairs
CHOICES = np.array([i * (i - 1) // 2 for i in NODES])  # 1, 3, 6, 10
_PAIR_A = np.array([a for a, _ in _PAIRS])
_PAIR_B = np.array([b for _, b in _PAIRS])

# one shared tuple per (op, input): cells built here reuse them instead of allocating 16 each
PAIR = tuple(tuple((op, inp) for inp in range(NODES[-1])) for op in range(NUM_OPS))
_PAIR_BY_CODE = tuple(itertools.chain.from_iterable(PAIR))  # code op * 5 + input

Cell = tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]


def arrays_of(cells: Sequence[Cell]) -> np.ndarray:
    """[B, 2, 8, 2] int64 (op, input) of valid cells, flattened in C (~0.15 s per 100k)."""
    chain = itertools.chain.from_iterable
    flat = np.fromiter(chain(chain(chain(cells))), dtype=np.int64, count=len(cells) * 2 * SLOTS * 2)
    return flat.reshape(len(cells), 2, SLOTS, 2)


def cells_of(ops: np.ndarray, inputs: np.ndarray) -> list[Cell]:
    """Cells from [B, 2, 8] op and input arrays (inputs canonical), built from shared pairs."""
    codes = (ops * NODES[-1] + inputs).reshape(-1, SLOTS).tolist()
    halves = [tuple(map(_PAIR_BY_CODE.__getitem__, row)) for row in codes]
    return list(zip(halves[0::2], halves[1::2]))


def inputs_of(pairs: np.ndarray) -> np.ndarray:
    """[B, 2, 8] inputs of [B, 2, 4] pair numbers (colex), each node's two ascending."""
    return np.stack([_PAIR_A[pairs], _PAIR_B[pairs]], axis=-1).reshape(len(pairs), 2, SLOTS)
