"""NAS-Bench-101 cells: pruning, the official module hash against the official keys and
30,001 real cells, isomorphism invariance, and the fast enumeration against a brute force
on the cells of up to 5 vertices. The whole space (423,624 cells, ~20 s) is checked by
benchmarks/nb101_enumerate.py, not here."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import random

import numpy as np
import pytest

import crlso_core.spaces.nb101.enumerate as space
from crlso_core.benchmarks.data_dir import PACKAGED
from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.nb101 import cells
from crlso_core.spaces.nb101.cells import OPS, canonical_cell, is_valid, module_hash, module_hashes, prune
from tests.data import NB101_API_JSON, NB101_NASLIB_500

CONV3, CONV1, POOL = OPS
# per vertex count: distinct cells (isomorphism classes of valid labelled cells)
CELLS_BY_SIZE = {2: 1, 3: 6, 4: 84, 5: 2441, 6: 62010, 7: 359082}
PARTIAL_30K = PACKAGED / "nb101" / "nb101_partial_30k.csv.gz"  # the team's file, byte for byte


@pytest.fixture(scope="module")
def dummy30() -> dict:
    return json.loads(NB101_API_JSON.read_text())


@pytest.fixture(scope="module")
def table_30k() -> list[dict]:
    with gzip.open(PARTIAL_30K, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["adjacency"], row["ops"] = json.loads(row["adjacency"]), json.loads(row["ops"])
    return rows


@pytest.fixture(scope="module")
def slice_5() -> space.CellTable:
    return space.enumerate_space(max_vertices=5)


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


def test_bad_hash_strings_and_settings_raise(slice_5):
    with pytest.raises(CRLSOError, match="32 lowercase hexadecimal"):
        slice_5.find(["not-a-hash"])
    with pytest.raises(CRLSOError, match="max_vertices must be"):
        space.enumerate_space(max_vertices=8)
    with pytest.raises(CRLSOError, match="workers must be"):
        space.enumerate_space(max_vertices=3, workers=0)


# --- the enumeration ------------------------------------------------------------------
def test_the_space_has_423624_cells_by_vertex_count():
    counts = {size: len(space.canonical_cells(size)[0]) for size in range(2, 8)}
    assert counts == CELLS_BY_SIZE
    assert sum(counts.values()) == space.SPACE_SIZE == 423_624
    assert [len(space.topologies(size)) for size in range(2, 8)] == [1, 2, 10, 121, 1545, 4793]


def _brute_force_hashes(max_vertices: int) -> set[str]:
    """Every upper-triangular matrix of up to `max_vertices` vertices with every labelling,
    pruned, checked, deduplicated and hashed one cell at a time: slow and obvious."""
    pruned_specs = set()
    for size in range(2, max_vertices + 1):
        for bits in range(2 ** (size * (size - 1) // 2)):
            matrix = cells.unpack(bits, size)
            for middle in itertools.product(OPS, repeat=size - 2):
                pruned = prune(matrix, ["input", *middle, "output"])
                if pruned is not None and len(pruned[0]) <= 7 and pruned[0].sum() <= 9:
                    pruned_specs.add((pruned[0].tobytes(), len(pruned[0]), tuple(pruned[1])))
    return {module_hash(np.frombuffer(m, dtype=np.int8).reshape(n, n), list(ops)) for m, n, ops in pruned_specs}


def test_the_fast_enumeration_equals_a_brute_force_up_to_5_vertices(slice_5):
    hashes = slice_5.hash_hex()
    assert len(slice_5) == len(set(hashes)) == sum(CELLS_BY_SIZE[v] for v in range(2, 6)) == 2532
    assert hashes == sorted(hashes)
    assert set(hashes) == _brute_force_hashes(5)


def test_enumerated_rows_are_canonical_and_hash_to_their_key(slice_5):
    specs = [slice_5.cell(row) for row in range(len(slice_5))]
    assert module_hashes(specs) == slice_5.hash_hex()
    for adjacency, ops in random.Random(2).sample(specs, 200):
        matrix, canonical_ops = canonical_cell(adjacency, ops)
        assert matrix.tolist() == adjacency and canonical_ops == ops
    # layout: packed bits, op codes padded past the output, vertex counts
    three = np.flatnonzero(slice_5.num_vertices == 3)
    assert sorted(slice_5.adjacency[three].tolist()) == [0b101] * 3 + [0b111] * 3  # a chain, a chain with a skip
    row = int(three[slice_5.adjacency[three] == 0b101][0])
    assert slice_5.cell(row)[0] == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert slice_5.ops[row, 0] == space.INPUT_CODE and slice_5.ops[row, 1] in (0, 1, 2) and slice_5.ops[row, 2] == space.OUTPUT_CODE
    assert (slice_5.ops[row, 3:] == space.NO_VERTEX).all()
    assert slice_5.find([slice_5.hash_hex([7])[0], "0" * 32]).tolist() == [7, -1]


def test_real_cells_have_their_canonical_form_among_the_enumerated_ones(table_30k):
    """Each table cell, put in canonical form, is one of canonical_cells(V), at the row of
    its hash's isomorphism class: the enumeration's classes are the hash's classes."""
    by_size = {size: space.canonical_cells(size) for size in range(6, 8)}
    index = {size: {(int(b), tuple(o)): i for i, (b, o) in enumerate(zip(bits, ops.tolist()))} for size, (bits, ops) in by_size.items()}
    for row in random.Random(3).sample(table_30k, 300):
        matrix, ops = canonical_cell(row["adjacency"], row["ops"])
        size = len(ops)
        if size < 6:
            continue
        key = (cells.pack(matrix), tuple(OPS.index(op) for op in ops[1:-1]))
        assert key in index[size]
        assert module_hash(matrix, ops) == row["hash"]


# --- the cache ------------------------------------------------------------------------
def test_the_cache_round_trips_and_a_bad_file_asks_to_be_deleted(slice_5, tmp_path):
    path = tmp_path / "nb101.npz"
    size = space.save_enumeration(path, slice_5)
    assert size == path.stat().st_size > 0
    loaded = space.load_enumeration(path)
    for name, array in slice_5.arrays().items():
        assert np.array_equal(getattr(loaded, name), array) and getattr(loaded, name).dtype == array.dtype
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: size // 2])
    with pytest.raises(CRLSOError, match="delete it and it will be rebuilt"):
        space.load_enumeration(truncated)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, digests=slice_5.digests, adjacency=slice_5.adjacency)
    with pytest.raises(CRLSOError, match="delete it and it will be rebuilt"):
        space.load_enumeration(wrong)
    unsorted = tmp_path / "unsorted.npz"
    np.savez(unsorted, **{**slice_5.arrays(), "digests": slice_5.digests[::-1]})
    with pytest.raises(CRLSOError, match="not sorted and distinct"):
        space.load_enumeration(unsorted)
    with pytest.raises(CRLSOError, match="is missing"):
        space.load_enumeration(tmp_path / "absent.npz")
    with pytest.raises(CRLSOError, match="holds 2,532 cells, not the 423,624"):
        space.load_or_enumerate(path)  # a slice is no cache of the whole space


def test_two_worker_processes_give_the_same_table(slice_5):
    progress = []
    shared = space.enumerate_space(lambda done, total: progress.append((done, total)), max_vertices=5, workers=2)
    for name, array in slice_5.arrays().items():
        assert np.array_equal(getattr(shared, name), array)
    assert progress[0] == (0, 2532) and progress[-1] == (2532, 2532)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
