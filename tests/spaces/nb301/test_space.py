"""NB301Space: validity, uniform sampling, neighbours and mutation against a brute force,
graph batches and the drawing. The search-space contract runs on every registered space in
tests/spaces/test_contract.py."""

import itertools
from collections import Counter

import numpy as np
import pytest
import torch

from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.drawing import CellDrawing
from crlso_core.spaces.nb301.cells import OPS
from crlso_core.spaces.nb301.space import NUM_EDGES
from tests.spaces.nb301.genotypes import FIRST


def test_is_valid_rejects_non_canonical_and_foreign_objects(nb301):
    normal, reduce = FIRST
    swapped = (normal[1], normal[0]) + normal[2:]
    for bad in [
        (swapped, reduce),  # node 2's inputs descending
        (normal, reduce[:7]),
        (normal, reduce, reduce),
        [normal, reduce],
        (normal[:7] + ((5, 5),), reduce),  # node 5 cannot take itself
        (normal[:7] + ((5, np.int64(4)),), reduce),
        (normal[:7] + ((True, 4),), reduce),
        (normal[:7] + ((7, 4),), reduce),
        (normal[:6] + ((5, 3), (6, 3)), reduce),  # one input twice
        nb301.format(FIRST),
        None,
    ]:
        assert not nb301.is_valid(bad), bad
    assert nb301.size is None


# --- sampling and mutation --------------------------------------------------------------
def test_sampling_is_seeded_distinct_valid_and_uniform(nb301):
    n = 20_000
    cells = nb301.sample(np.random.default_rng(1), n)
    assert cells == nb301.sample(np.random.default_rng(1), n) and cells != nb301.sample(np.random.default_rng(2), n)
    assert len(cells) == n and len(set(cells)) == n and all(nb301.is_valid(c) for c in cells[:2000])
    ops = Counter(op for c in cells for half in c for op, _ in half)
    assert set(ops) == set(range(7)) and all(abs(k / (16 * n / 7) - 1) < 0.03 for k in ops.values())
    # node 5's input pair is uniform over its 10 choices, in both cells
    pairs = Counter((h, half[6][1], half[7][1]) for c in cells for h, half in enumerate(c))
    assert len(pairs) == 20 and all(abs(k / (n / 10) - 1) < 0.1 for k in pairs.values())
    # node 3's inputs: each of 0, 1, 2 in two of its three pairs
    used = Counter(inp for c in cells for half in c for _, inp in half[2:4])
    assert all(abs(used[i] / (2 * n * 2 / 3) - 1) < 0.05 for i in range(3))
    assert nb301.sample(np.random.default_rng(0), 0) == []
    with pytest.raises(CRLSOError):
        nb301.sample(np.random.default_rng(0), -1)


def _one_change_away(cell):
    """Every valid cell whose one (op, input) pair differs from cell's in the op or in the
    input alone, by brute force over all replacements."""
    out = set()
    for h, half in enumerate(cell):
        for s, (op, inp) in enumerate(half):
            node = 2 + s // 2
            other = half[s ^ 1]
            for new_op, new_inp in itertools.product(range(7), range(node)):
                if (new_op != op) + (new_inp != inp) != 1 or new_inp == other[1]:
                    continue
                pairs = sorted([(new_op, new_inp), other], key=lambda p: p[1])
                first = s - s % 2
                new_half = half[:first] + tuple(pairs) + half[first + 2 :]
                out.add((new_half, cell[1]) if h == 0 else (cell[0], new_half))
    return out


def test_neighbours_are_exactly_the_cells_one_change_away(nb301, cells):
    for cell in cells[:60]:
        neighbours = nb301.neighbours(cell)
        assert len(neighbours) == 120 and len(set(neighbours)) == 120 and cell not in neighbours
        assert all(nb301.is_valid(n) for n in neighbours)
        assert set(neighbours) == _one_change_away(cell)
        for n in neighbours:  # one node of one cell changed, in one pair, in its op or its input
            changed = [
                (h, k) for h in range(2) for k in range(0, 8, 2) if set(n[h][k : k + 2]) != set(cell[h][k : k + 2])
            ]
            assert len(changed) == 1
            h, k = changed[0]
            (old,), (new,) = set(cell[h][k : k + 2]) - set(n[h][k : k + 2]), set(n[h][k : k + 2]) - set(cell[h][k : k + 2])
            assert (old[0] != new[0]) + (old[1] != new[1]) == 1


def test_mutate_is_the_same_uniform_choice_as_picking_from_neighbours(nb301, cells):
    for i, cell in enumerate(cells[:200]):
        for seed in (i, i + 1000):
            assert nb301.mutate(cell, np.random.default_rng(seed)) == nb301.neighbours(cell)[np.random.default_rng(seed).integers(120)]
    # every neighbour is reachable
    rng, cell = np.random.default_rng(0), cells[0]
    assert {nb301.mutate(cell, rng) for _ in range(3000)} == set(nb301.neighbours(cell))


# --- graphs --------------------------------------------------------------------------------
def _edges_of(batch, row):
    src, dst, attr = batch.src[row].tolist(), batch.dst[row].tolist(), batch.edge_attr[row]
    return [(s, d, tuple(attr[e].tolist())) for e, (s, d) in enumerate(zip(src, dst))]


def test_graph_batches_encode_both_cells_both_ways(nb301, cells):
    batch = nb301.graph_batch(cells[:64])
    assert batch.x.shape == (1, 14, 14) and torch.equal(batch.x[0], torch.eye(14))
    assert batch.src.shape == batch.dst.shape == (64, NUM_EDGES) == (64, 48) and batch.src.dtype == torch.long
    assert (
        batch.edge_attr.shape == (64, 48, nb301.edge_features) and batch.edge_mask.shape == (64, 48) and bool((batch.edge_mask == 1).all())
    )
    assert batch.node_mask.shape == (64, 14) and bool((batch.node_mask == 1).all())
    assert not batch.shared_topology and batch.shared_nodes
    for row, cell in enumerate(cells[:64]):
        edges = _edges_of(batch, row)
        assert Counter(edges) == Counter((d, s, a) for s, d, a in edges)  # every edge also runs back
        forward = [e for e in edges if e[0] < e[1]]
        assert len(forward) == 24 and all(sum(a[:8]) == 1 for _, _, a in forward)
        # an op edge also carries its op placed on its DARTS edge: (cell, (n-2)(n+1)/2 + input, op)
        placed = sorted(a.index(1, 8) - 8 for s, d, a in forward if a[7] == 0)
        assert placed == sorted((h * 14 + (n - 2) * (n + 1) // 2 + i) * 7 + op
                                for h in range(2) for k, (op, i) in enumerate(cell[h]) for n in [2 + k // 2])
        assert all(sum(a[8:]) == 0 for _, _, a in forward if a[7] == 1)
        # the cell read back off its graph: op edges into nodes 2..5 of each cell
        for h in range(2):
            base = 7 * h
            ops = sorted((d - base, s - base, a.index(1)) for s, d, a in forward if base <= s < base + 7 and a[7] == 0)
            assert tuple((op, inp) for _, inp, op in ops) == cell[h]
            concat = sorted((s - base, d - base) for s, d, a in forward if base <= s < base + 7 and a[7] == 1)
            assert concat == [(2, 6), (3, 6), (4, 6), (5, 6)]
    a, b = nb301.graph_batch([cells[0]]), nb301.graph_batch([cells[1]])
    assert not (torch.equal(a.src, b.src) and torch.equal(a.edge_attr, b.edge_attr))
    # one op changed: same edges, other features
    neighbour = nb301.neighbours(cells[0])[0]
    c = nb301.graph_batch([neighbour])
    assert torch.equal(a.src, c.src) and not torch.equal(a.edge_attr, c.edge_attr)
    assert len(nb301.graph_batch([])) == 0


def test_graph_batch_indexes_and_encodes(nb301, cells):
    from crlso_core.models import GVAE

    batch = nb301.graph_batch(cells[:16])
    part = batch.index(torch.tensor([3, 5]))
    again = nb301.graph_batch([cells[3], cells[5]])
    assert all(torch.equal(x, y) for x, y in zip(part._fields(), again._fields()))
    torch.manual_seed(0)
    gvae = GVAE(nb301.node_features, nb301.edge_features, nb301.decoder_output_dim, latent=4, hidden=8, layers=2)
    mu, _ = gvae.encode(batch)
    assert mu.shape == (16, 4) and torch.isfinite(mu).all()
    assert not torch.allclose(mu[0], mu[1])


# --- display ---------------------------------------------------------------------------
def test_drawing_shows_two_cells_with_their_ops(nb301, cells):
    drawings = nb301.drawing(FIRST)
    assert [d.title for d in drawings] == ["normal cell", "reduction cell"]
    assert all(isinstance(d, CellDrawing) for d in drawings)
    for d, half in zip(drawings, FIRST):
        assert [n.label for n in d.nodes] == ["k-2", "k-1", "0", "1", "2", "3", "out"]
        ops = [e for e in d.edges if e.op]
        assert len(ops) == 8 and [(OPS.index(e.op), e.src) for e in ops] == list(half)
        assert [e.dst for e in ops] == [2, 2, 3, 3, 4, 4, 5, 5] and all(e.label and len(e.label) <= 8 for e in ops)
        concat = [e for e in d.edges if not e.op]
        assert [(e.src, e.dst, e.faint) for e in concat] == [(2, 6, True), (3, 6, True), (4, 6, True), (5, 6, True)]
    assert drawings[0].edges[0].label == "sep 5×5" and drawings[1].edges[3].label == "avg pool"
    assert nb301.ops_in(FIRST) == {"sep_conv_5x5", "sep_conv_3x3", "skip_connect", "dil_conv_5x5", "dil_conv_3x3", "avg_pool_3x3"}
    dot = nb301.to_dot(FIRST)
    assert dot.count("subgraph") == 2 and "reduction cell" in dot
    assert set(nb301.op_colours) == set(OPS) and len(set(nb301.op_colours.values())) == 7
