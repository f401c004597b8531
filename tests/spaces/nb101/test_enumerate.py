"""Every NAS-Bench-101 cell once (enumerate.py): the counts by vertex count, the fast
enumeration against a brute force on the cells of up to 5 vertices, real cells among the
enumerated ones, and the cache. The whole space (423,624 cells, ~20 s) is checked by
checks/nb101_enumerate.py, not here."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

import crlso_core.spaces.nb101.enumerate as enumeration
from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.nb101.cells import (
    OPS,
    canonical_cell,
    module_hash,
    module_hashes,
    pack,
    prune,
    unpack,
)

# per vertex count: distinct cells (isomorphism classes of valid labelled cells)
CELLS_BY_SIZE = {2: 1, 3: 6, 4: 84, 5: 2441, 6: 62010, 7: 359082}
def test_bad_hash_strings_and_settings_raise(slice_5):
    with pytest.raises(CRLSOError, match="32 lowercase hexadecimal"):
        slice_5.find(["not-a-hash"])
    with pytest.raises(CRLSOError, match="max_vertices must be"):
        enumeration.enumerate_space(max_vertices=8)
    with pytest.raises(CRLSOError, match="workers must be"):
        enumeration.enumerate_space(max_vertices=3, workers=0)


# --- the enumeration ------------------------------------------------------------------
def test_the_space_has_423624_cells_by_vertex_count():
    counts = {size: len(enumeration.canonical_cells(size)[0]) for size in range(2, 8)}
    assert counts == CELLS_BY_SIZE
    assert sum(counts.values()) == enumeration.SPACE_SIZE == 423_624
    assert [len(enumeration.topologies(size)) for size in range(2, 8)] == [1, 2, 10, 121, 1545, 4793]


def _brute_force_hashes(max_vertices: int) -> set[str]:
    """Every upper-triangular matrix of up to `max_vertices` vertices with every labelling,
    pruned, checked, deduplicated and hashed one cell at a time: slow and obvious."""
    pruned_specs = set()
    for size in range(2, max_vertices + 1):
        for bits in range(2 ** (size * (size - 1) // 2)):
            matrix = unpack(bits, size)
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
    assert (
        slice_5.ops[row, 0] == enumeration.INPUT_CODE
        and slice_5.ops[row, 1] in (0, 1, 2)
        and slice_5.ops[row, 2] == enumeration.OUTPUT_CODE
    )
    assert (slice_5.ops[row, 3:] == enumeration.NO_VERTEX).all()
    assert slice_5.find([slice_5.hash_hex([7])[0], "0" * 32]).tolist() == [7, -1]


def test_real_cells_have_their_canonical_form_among_the_enumerated_ones(table_30k):
    """Each table cell, put in canonical form, is one of canonical_cells(V), at the row of
    its hash's isomorphism class: the enumeration's classes are the hash's classes."""
    by_size = {size: enumeration.canonical_cells(size) for size in range(6, 8)}
    index = {size: {(int(b), tuple(o)): i for i, (b, o) in enumerate(zip(bits, ops.tolist()))} for size, (bits, ops) in by_size.items()}
    for row in random.Random(3).sample(table_30k, 300):
        matrix, ops = canonical_cell(row["adjacency"], row["ops"])
        size = len(ops)
        if size < 6:
            continue
        key = (pack(matrix), tuple(OPS.index(op) for op in ops[1:-1]))
        assert key in index[size]
        assert module_hash(matrix, ops) == row["hash"]


# --- the cache ------------------------------------------------------------------------
def test_the_cache_round_trips_and_a_bad_file_asks_to_be_deleted(slice_5, tmp_path):
    path = tmp_path / "nb101.npz"
    size = enumeration.save_enumeration(path, slice_5)
    assert size == path.stat().st_size > 0
    loaded = enumeration.load_enumeration(path)
    for name, array in slice_5.arrays().items():
        assert np.array_equal(getattr(loaded, name), array) and getattr(loaded, name).dtype == array.dtype
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: size // 2])
    with pytest.raises(CRLSOError, match="delete it and it will be rebuilt"):
        enumeration.load_enumeration(truncated)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, digests=slice_5.digests, adjacency=slice_5.adjacency)
    with pytest.raises(CRLSOError, match="delete it and it will be rebuilt"):
        enumeration.load_enumeration(wrong)
    unsorted = tmp_path / "unsorted.npz"
    np.savez(unsorted, **{**slice_5.arrays(), "digests": slice_5.digests[::-1]})
    with pytest.raises(CRLSOError, match="not sorted and distinct"):
        enumeration.load_enumeration(unsorted)
    with pytest.raises(CRLSOError, match="is missing"):
        enumeration.load_enumeration(tmp_path / "absent.npz")
    with pytest.raises(CRLSOError, match="holds 2,532 cells, not the 423,624"):
        enumeration.load_or_enumerate(path)  # a slice is no cache of the whole space


def test_two_worker_processes_give_the_same_table(slice_5):
    progress = []
    shared = enumeration.enumerate_space(lambda done, total: progress.append((done, total)), max_vertices=5, workers=2)
    for name, array in slice_5.arrays().items():
        assert np.array_equal(getattr(shared, name), array)
    assert progress[0] == (0, 2532) and progress[-1] == (2532, 2532)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
