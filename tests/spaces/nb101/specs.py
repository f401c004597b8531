"""Specs the NB101 tests share: one official cell, and helpers to spell and vary specs."""

from __future__ import annotations

import itertools
import json
import random

import numpy as np

from crlso_core.spaces.nb101.cells import OPS

CONV3, CONV1, POOL = OPS
# the first official key of nb101_naslib_dummy30.json, as the official API and NASLib hold it
MATRIX = [[0, 1, 0, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1],
          [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]]
OPS_LIST = ["input", CONV3, CONV1, CONV1, CONV3, CONV1, "output"]
HASH = "ff92c322c5d9d3d587d9c146a63d0807"


def spec_json(matrix, ops, matrix_key="matrix", ops_key="ops") -> str:
    return json.dumps({matrix_key: np.asarray(matrix).tolist(), ops_key: list(ops)})


def relabellings(matrix, ops):
    """Every upper-triangular relabelling of a spec (middle vertices permuted)."""
    size = len(ops)
    for middle in itertools.permutations(range(1, size - 1)):
        order = [0, *middle, size - 1]
        moved = np.asarray(matrix)[np.ix_(order, order)]
        if not np.tril(moved).any():
            yield moved, [ops[i] for i in order]


def random_spec(rng: random.Random, size: int = 7, density: float = 0.35):
    matrix = np.triu((np.array([[rng.random() for _ in range(size)] for _ in range(size)]) < density).astype(int), 1)
    return matrix, ["input", *(rng.choice(OPS) for _ in range(size - 2)), "output"]
