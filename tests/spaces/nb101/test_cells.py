"""NAS-Bench-101 specs (cells.py): pruning, validity, the official module hash against the
official keys and 30,001 real cells, isomorphism invariance, and one clear error for a bad
spec."""

from __future__ import annotations

import csv
import itertools
import json
import random

import numpy as np
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.nb101.cells import (
    canonical_cell,
    is_valid,
    module_hash,
    module_hashes,
    prune,
    prune_checked,
)
from tests.data import NB101_NASLIB_500
from tests.spaces.nb101.specs import CONV1, CONV3, POOL, random_spec


# --- the official hash on official data -----------------------------------------------
def test_the_30_official_keys_are_reproduced(dummy30):
    assert len(dummy30) == 30
    specs = [(v["module_adjacency"], v["module_operations"]) for v in dummy30.values()]
    assert [module_hash(*spec) for spec in specs] == list(dummy30)
    assert module_hashes(specs) == list(dummy30)


def test_all_30001_hashes_of_the_table_are_reproduced(table_30k):
    assert len(table_30k) == 30_001
    hashes = module_hashes([(row["adjacency"], row["ops"]) for row in table_30k])
    assert hashes == [row["hash"] for row in table_30k]
    # the one-cell implementation (independent of the vectorised one) agrees on a sample
    for row in random.Random(0).sample(table_30k, 300):
        assert module_hash(row["adjacency"], row["ops"]) == row["hash"]
        assert is_valid(row["adjacency"], row["ops"])


def test_the_500_naslib_rows_prune_to_292_cells():
    with open(NB101_NASLIB_500, newline="") as f:
        rows = [(json.loads(r["adjacency"]), json.loads(r["ops"])) for r in csv.DictReader(f)]
    assert len(rows) == 500 and all(len(adjacency) == 7 for adjacency, _ in rows)
    assert all(is_valid(*row) for row in rows)
    assert len(set(module_hashes(rows))) == 292
    assert any(len(prune(*row)[0]) < 7 for row in rows)  # some do lose vertices


# --- pruning and validity -------------------------------------------------------------
def test_a_dangling_vertex_and_its_edges_are_pruned():
    # vertex 2 is fed by the input but feeds nothing; vertex 3 feeds the output but is fed by nothing
    adjacency = [[0, 1, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    ops = ["input", CONV3, POOL, CONV1, "output"]
    matrix, kept_ops = prune(adjacency, ops)
    assert matrix.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert kept_ops == ["input", CONV3, "output"]
    assert is_valid(adjacency, ops)
    assert module_hash(adjacency, ops) == module_hash(matrix, kept_ops)


def test_a_cell_whose_input_cannot_reach_its_output_is_invalid():
    adjacency = [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    ops = ["input", CONV3, CONV1, "output"]
    assert prune(adjacency, ops) is None
    assert not is_valid(adjacency, ops)
    with pytest.raises(CRLSOError, match="input does not reach its output"):
        module_hash(adjacency, ops)


def test_more_than_9_edges_is_invalid_but_pruning_comes_first():
    full_5 = np.triu(np.ones((5, 5), dtype=int), 1)  # 10 edges
    assert not is_valid(full_5, ["input", CONV3, CONV3, CONV3, "output"])
    # 7 vertices and 11 edges, 4 of them on a dangling vertex 5: pruned, 7 edges in 6 vertices
    adjacency = np.zeros((7, 7), dtype=int)
    for x, y in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 6), (0, 6), (1, 6), (0, 5), (1, 5), (2, 5), (3, 5)]:
        adjacency[x, y] = 1
    ops = ["input", CONV3, CONV1, POOL, CONV3, CONV1, "output"]
    assert adjacency.sum() == 11 and is_valid(adjacency, ops)
    assert prune(adjacency, ops)[0].sum() == 7
    # an 8-vertex spec that prunes into the space is in it, as the official API has it
    eight = np.zeros((8, 8), dtype=int)
    eight[:7, :7] = adjacency
    eight[:, 7], eight[:, 6] = eight[:, 6], 0
    eight[0, 6] = 1  # vertex 6 is fed but feeds nothing
    assert is_valid(eight, ops[:-1] + [CONV3, "output"])
    assert module_hash(eight, ops[:-1] + [CONV3, "output"]) == module_hash(adjacency, ops)


def test_more_than_7_vertices_after_pruning_is_invalid():
    chain = np.eye(8, k=1, dtype=int)  # 8 vertices, 7 edges, nothing to prune
    assert not is_valid(chain, ["input"] + [CONV3] * 6 + ["output"])


def test_prune_checked_gives_a_pruned_spec_back_as_it_is_and_prunes_the_rest_as_prune_does():
    rng = random.Random(4)
    unchanged = changed = 0
    for _ in range(300):
        matrix, ops = random_spec(rng, rng.randint(2, 9), rng.choice([0.3, 0.6]))
        array = np.asarray(matrix, dtype=np.uint8)  # as a reader holds it
        expected, got = prune(matrix, ops), prune_checked(array, ops)
        if expected is None:
            assert got is None
            continue
        assert got[0].tolist() == expected[0].tolist() and got[1] == expected[1]
        if len(expected[1]) == len(ops):
            assert got[0] is array and got[1] is ops  # nothing to prune: the same objects
            unchanged += 1
        else:
            changed += 1
    assert unchanged > 20 and changed > 20


# --- isomorphism ----------------------------------------------------------------------
def _relabel(adjacency, ops, order):
    """The spec with new vertex i = old vertex order[i]."""
    matrix = np.asarray(adjacency)[np.ix_(order, order)]
    return matrix, [ops[i] for i in order]


def test_isomorphic_relabellings_share_the_hash_and_the_canonical_form(dummy30, table_30k):
    rng = random.Random(1)
    specs = [(v["module_adjacency"], v["module_operations"]) for v in dummy30.values()]
    specs += [(row["adjacency"], row["ops"]) for row in rng.sample(table_30k, 30)]
    relabelled = 0
    for adjacency, ops in specs:
        size = len(ops)
        expected, canonical = module_hash(adjacency, ops), canonical_cell(adjacency, ops)
        for middle in itertools.permutations(range(1, size - 1)):
            matrix, moved_ops = _relabel(adjacency, ops, [0, *middle, size - 1])
            if np.tril(matrix).any():
                continue  # not upper-triangular: not a spec
            relabelled += 1
            assert module_hash(matrix, moved_ops) == expected
            moved_canonical = canonical_cell(matrix, moved_ops)
            assert moved_canonical[0].tolist() == canonical[0].tolist() and moved_canonical[1] == canonical[1]
    assert relabelled > 2 * len(specs)  # most cells have several topological orders


def test_a_different_op_or_edge_changes_the_hash(dummy30):
    adjacency, ops = next(iter(dummy30.values()))["module_adjacency"], next(iter(dummy30.values()))["module_operations"]
    other_op = ops[:1] + [CONV1 if ops[1] != CONV1 else CONV3] + ops[2:]
    assert module_hash(adjacency, other_op) != module_hash(adjacency, ops)


# --- bad input ------------------------------------------------------------------------
GOOD_OPS = ["input", CONV3, "output"]


@pytest.mark.parametrize("adjacency, ops, message", [
    ([[0, 1], [0, 0], [0, 0]], GOOD_OPS, r"square matrix of 2 to 32 vertices, got shape \(3, 2\)"),
    ([[0, 1, 1], [0, 0]], GOOD_OPS, "ragged"),
    ([[0]], ["input"], r"got shape \(1, 1\)"),
    ([[0, 2, 0], [0, 0, 1], [0, 0, 0]], GOOD_OPS, "only 0 and 1"),
    ([["a", "b", "c"]] * 3, GOOD_OPS, "only 0 and 1"),
    ([[0, 1, 0], [0, 0, 1], [1, 0, 0]], GOOD_OPS, r"upper-triangular .* entry \[2\]\[0\] is 1"),
    ([[1, 1, 0], [0, 0, 1], [0, 0, 0]], GOOD_OPS, r"entry \[0\]\[0\] is 1"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "output"], r"one entry per vertex \(3\), got 2"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"], "op 1 is 'conv5x5', expected one of conv3x3-bn-relu"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [CONV3, "input", "output"], "start with 'input' and end with 'output'"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], "input conv3x3-bn-relu output", "must be a list of strings"),
])
def test_bad_specs_raise_one_clear_error(adjacency, ops, message):
    for check in (prune, is_valid, module_hash, canonical_cell):
        with pytest.raises(CRLSOError, match=message):
            check(adjacency, ops)
    with pytest.raises(CRLSOError, match=message):
        module_hashes([(adjacency, ops)])
