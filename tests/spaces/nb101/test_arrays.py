"""NB101 cells as arrays (arrays.py): raw 7-slot specs to cells, and the one pruning rule
(cells.on_paths) applied to many cells at once agreeing with prune on one spec."""

from __future__ import annotations

import random

import numpy as np

from crlso_core.spaces.nb101.arrays import EDGE_X, EDGE_Y, SLOTS, from_slots, is_pruned, pruned
from crlso_core.spaces.nb101.cells import pack, prune
from tests.spaces.nb101.specs import random_spec


def test_ok_is_false_for_raw_specs_that_are_no_cell():
    edges = np.zeros((3, 21), dtype=bool)
    edges[0, [0, 2]] = True  # 0 -> 1 -> 2, never reaches slot 6
    edges[1, :] = True  # 21 edges among 7 vertices
    edges[2, 15] = True  # 0 -> 6
    ok, vertices, bits, codes = from_slots(edges, np.zeros((3, 7), dtype=np.int64))
    assert ok.tolist() == [False, False, True] and (vertices[2], bits[2], codes[2]) == (2, 1, 0)


def test_pruning_many_slot_frames_keeps_what_pruning_one_spec_keeps():
    rng = random.Random(5)
    specs = [random_spec(rng, SLOTS, rng.choice([0.2, 0.35, 0.6])) for _ in range(400)]
    edges = np.array([[bool(matrix[x][y]) for x, y in zip(EDGE_X, EDGE_Y)] for matrix, _ in specs])
    kept_edges, kept, connected = pruned(edges)
    for row, (matrix, ops) in enumerate(specs):  # 7 vertices: the slot frame is the spec's own
        one = prune(matrix, ops)
        assert bool(connected[row]) == (one is not None)
        if one is None:
            continue
        assert [ops[v] for v in np.flatnonzero(kept[row])] == one[1]
        assert int(kept_edges[row].sum()) == int(one[0].sum())
    assert any(one is None for one in map(lambda s: prune(*s), specs)) and any(~kept.all(axis=1) & connected)


def test_is_pruned_says_whether_pruning_changes_a_cell():
    rng = random.Random(6)
    for _ in range(400):
        size = rng.randint(2, SLOTS)
        matrix, ops = random_spec(rng, size, rng.choice([0.3, 0.6]))
        one = prune(matrix, ops)
        unchanged = one is not None and len(one[1]) == size
        assert bool(is_pruned(size, np.array([pack(matrix)]))[0]) == unchanged
