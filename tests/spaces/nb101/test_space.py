"""NB101Space: validity, the official hashes, uniform sampling, neighbours against a brute
force, graph tensors, a short G-VAE training and the drawing (the space's contract runs in
tests/spaces/test_contract.py). The hashed enumeration (~20 s) is never built here:
all_cells is checked on the 5-vertex slice through a patched loader."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import numpy as np
import pytest
import torch

import crlso_core.spaces.nb101.enumerate as enumeration
from crlso_core.catalog.config import GVAEConfig
from crlso_core.common.errors import CRLSOError
from crlso_core.models.training import encode_all, reconstruction_accuracy, train_gvae
from crlso_core.spaces.nb101 import space as module
from crlso_core.spaces.nb101.cells import OPS, canonical_cell, is_valid, module_hash, prune
from crlso_core.spaces.nb101.space import NB101Cell, NB101Space
from tests.data import NB101_API_JSON
from tests.spaces.nb101.specs import CONV1, CONV3, MATRIX, OPS_LIST, spec_json


def test_is_valid_accepts_only_canonical_pruned_cells(nb101, cells):
    assert all(nb101.is_valid(c) for c in cells)
    chain = nb101.parse("adjacency=010/001/000 ops=input,maxpool3x3,output")
    assert chain == (3, 0b101, 2) and nb101.is_valid(chain)
    assert not nb101.is_valid((3, 0b001, 2))  # vertex 1 feeds nothing: not pruned
    assert not nb101.is_valid((3, 0b101, 3))  # op code out of range
    assert not nb101.is_valid((8, 1, 0)) and not nb101.is_valid((1, 0, 0)) and not nb101.is_valid((3, 1 << 3, 0))
    assert not nb101.is_valid((3, 0b101)) and not nb101.is_valid("cell") and not nb101.is_valid((3.0, 5, 2))
    assert not nb101.is_valid((3, 2**80 + 5, 2)) and not nb101.is_valid((3, 5, -1)) and not nb101.is_valid((3, 5, 2**70))
    # two orders of one 4-vertex cell: only the smaller (bits, ops) is canonical
    a = nb101.parse("adjacency=0110/0001/0001/0000 ops=input,conv3x3-bn-relu,maxpool3x3,output")
    assert a.ops == 0 * 3 + 2 and nb101.is_valid(a) and not nb101.is_valid((4, a.bits, 2 * 3 + 0))
    ten = "adjacency=0111111/0011111/0001111/0000111/0000000/0000000/0000000 ops=input," + ",".join(["conv3x3-bn-relu"] * 5) + ",output"
    with pytest.raises(CRLSOError, match="10 edges lie on input-output paths"):  # 4 and 5 feed nothing: pruned first
        nb101.parse(ten)


# --- the official hash -------------------------------------------------------------------
def test_hashes_are_the_official_ones_for_the_30_keys(nb101):
    data = json.loads(NB101_API_JSON.read_text())
    parsed = [nb101.parse(spec_json(v["module_adjacency"], v["module_operations"])) for v in data.values()]
    assert [nb101.hash_of(c) for c in parsed] == list(data) and nb101.hashes(parsed) == list(data)
    assert len(set(parsed)) == 30


def test_hashes_agree_with_the_one_cell_reference_on_every_size(nb101):
    vertices, bits, codes = nb101._canonical_list
    rows = [i for size in range(2, 8) for i in np.flatnonzero(vertices == size)[:6].tolist()]
    picked = [NB101Cell(int(vertices[i]), int(bits[i]), int(codes[i])) for i in rows] + nb101.sample(np.random.default_rng(0), 60)
    assert {c.vertices for c in picked} == set(range(2, 8))
    assert nb101.hashes(picked) == [module_hash(*nb101.spec(c)) for c in picked] == [nb101.hash_of(c) for c in picked]


# --- enumeration and sampling ---------------------------------------------------------
def test_sampling_is_uniform_over_cells_seeded_and_distinct(nb101):
    assert nb101.size == 423_624
    vertices, bits, codes = nb101._canonical_list
    assert len(vertices) == 423_624 and len(set(zip(vertices.tolist(), bits.tolist(), codes.tolist()))) == 423_624
    drawn = nb101.sample(np.random.default_rng(1), 20_000)
    assert drawn == nb101.sample(np.random.default_rng(1), 20_000) and len(set(drawn)) == 20_000
    assert all(nb101.is_valid(c) for c in drawn[:300])
    share = Counter(c.vertices for c in drawn)
    # uniform over cells: 359,082 of the 423,624 have 7 vertices, 62,010 have 6
    assert abs(share[7] / 20_000 - 359_082 / 423_624) < 0.015 and abs(share[6] / 20_000 - 62_010 / 423_624) < 0.015
    assert nb101.sample(np.random.default_rng(0), 0) == []
    with pytest.raises(CRLSOError, match="Cannot sample 423,625"):
        nb101.sample(np.random.default_rng(0), 423_625)


def test_all_cells_come_from_the_cached_enumeration_in_hash_order(monkeypatch, tmp_path):
    """The enumeration of cells of up to 5 vertices stands in for the whole space: the
    loader is patched, so no test builds the 20 s table or writes the home cache."""
    loaded = []
    small = enumeration.enumerate_space(max_vertices=5)

    def fake_loader(path):
        loaded.append(path)
        return small

    monkeypatch.setattr(module, "load_or_enumerate", fake_loader)
    space = NB101Space(cache=tmp_path / "mine.npz")
    every = space.all_cells()
    assert loaded == [tmp_path / "mine.npz"] and len(every) == 2532 == len(set(every))
    assert all(space.is_valid(c) for c in every[:400])
    assert space.hashes(every) == small.hash_hex()
    space.all_cells()
    assert len(loaded) == 1  # loaded once per space


def test_the_cache_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CRLSO_NB101_CACHE", str(tmp_path / "a.npz"))
    assert NB101Space().cache_path() == tmp_path / "a.npz"
    assert NB101Space(cache=tmp_path / "b.npz").cache_path() == tmp_path / "b.npz"
    monkeypatch.delenv("CRLSO_NB101_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert NB101Space().cache_path() == tmp_path / "xdg" / "crlso" / "nb101_cells.npz"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert module.cache_path() == module.Path.home() / ".cache" / "crlso" / "nb101_cells.npz"


# --- neighbours ----------------------------------------------------------------------------
def _reference_neighbours(nb101, cell) -> set:
    """One edge flipped, one op changed, or one vertex inserted between u < w, each raw spec
    checked, pruned and canonicalised by cells.py (the slow reference)."""
    matrix, ops = nb101.spec(cell)
    matrix, size = np.array(matrix), len(ops)
    raw = []
    for x, y in itertools.combinations(range(size), 2):
        flipped = matrix.copy()
        flipped[x, y] ^= 1
        raw.append((flipped, ops))
    for i in range(1, size - 1):
        raw += [(matrix, ops[:i] + [op] + ops[i + 1:]) for op in OPS if op != ops[i]]
    if size < 7 and matrix.sum() + 2 <= 9:
        for u, w in itertools.combinations(range(size), 2):
            for op in OPS:
                order = list(range(u + 1)) + [size] + list(range(u + 1, size))  # the new vertex (index size) after u
                grown = np.zeros((size + 1, size + 1), dtype=int)
                grown[:size, :size] = matrix
                grown[u, size] = grown[size, w] = 1
                raw.append((grown[np.ix_(order, order)], [(ops + [op])[i] for i in order]))
    out = set()
    for m, o in raw:
        if is_valid(m, o):
            cm, co = canonical_cell(*prune(m, o))
            out.add(nb101.parse(spec_json(cm, co)))
    out.discard(cell)
    return out


def test_neighbours_are_every_cell_one_change_away_each_once(nb101, cells):
    two = nb101.parse("adjacency=01/00 ops=input,output")
    full = nb101.parse("adjacency=0110001/0001100/0000010/0000001/0000001/0000001/0000000 ops=input," + ",".join([CONV3] * 5) + ",output")
    assert two == (2, 1, 0) and bin(full.bits).count("1") == 9
    small = [c for c in cells if c.vertices <= 5][:3]
    for cell in [two, full, *small, *cells[:6]]:
        neighbours = nb101.neighbours(cell)
        assert len(neighbours) == len(set(neighbours)) and cell not in neighbours
        assert all(nb101.is_valid(n) for n in neighbours)
        assert set(neighbours) == _reference_neighbours(nb101, cell)
    # the input -> output cell grows by one vertex of each op, and nothing else
    assert sorted(nb101.neighbours(two)) == [(3, 0b111, 0), (3, 0b111, 1), (3, 0b111, 2)]
    assert any(n.vertices < 7 for n in nb101.neighbours(full))  # removing an edge may prune vertices
    assert all(bin(n.bits).count("1") <= 9 for n in nb101.neighbours(full))
    rng = np.random.default_rng(0)
    assert nb101.mutate(two, rng) in nb101.neighbours(two)


# --- graph tensors -------------------------------------------------------------------
def test_graph_batches_hold_each_cell_padded(nb101, cells):
    some = cells[:50] + [nb101.parse("adjacency=01/00 ops=input,output")]
    batch = nb101.graph_batch(some)
    b = len(some)
    assert batch.x.shape == (b, 7, 12) and batch.src.shape == batch.dst.shape == (b, 18) and batch.src.dtype == torch.long
    assert batch.edge_attr.shape == (b, 18, 2) and batch.edge_mask.shape == (b, 18) and batch.node_mask.shape == (b, 7)
    assert not batch.shared_topology and not batch.shared_nodes
    for row, cell in enumerate(some):
        matrix, ops = nb101.spec(cell)
        size = cell.vertices
        assert batch.node_mask[row].tolist() == [1.0] * size + [0.0] * (7 - size)
        x = batch.x[row]
        assert x[size:].abs().sum() == 0  # padding nodes carry nothing
        types = x[:size, :5].argmax(1).tolist()
        assert types == [0] + [1 + OPS.index(op) for op in ops[1:-1]] + [4] and bool((x[:size, :5].sum(1) == 1).all())
        assert x[:size, 5:].argmax(1).tolist() == list(range(size - 1)) + [6]
        mask = batch.edge_mask[row].bool()
        forward = [
            (s, d)
            for s, d, a in zip(batch.src[row][mask].tolist(), batch.dst[row][mask].tolist(), batch.edge_attr[row][mask].tolist())
            if a == [1.0, 0.0]
        ]
        backward = [
            (d, s)
            for s, d, a in zip(batch.src[row][mask].tolist(), batch.dst[row][mask].tolist(), batch.edge_attr[row][mask].tolist())
            if a == [0.0, 1.0]
        ]
        expected = [(x_, y) for y in range(size) for x_ in range(y) if matrix[x_][y]]
        assert sorted(forward) == sorted(backward) == sorted(expected) and int(mask.sum()) == 2 * len(expected)
        assert (
            batch.src[row][~mask].abs().sum() == 0
            and batch.dst[row][~mask].abs().sum() == 0
            and batch.edge_attr[row][~mask].abs().sum() == 0
        )
    part = batch.index(torch.tensor([3, 5]))
    again = nb101.graph_batch([some[3], some[5]])
    assert all(torch.equal(p, q) for p, q in zip(part._fields(), again._fields()))
    assert len(nb101.graph_batch([])) == 0


def test_the_encoder_tells_cells_apart_and_ignores_padding(nb101, cells):
    from crlso_core.models import GVAE

    torch.manual_seed(0)
    gvae = GVAE(nb101.node_features, nb101.edge_features, nb101.decoder_output_dim, latent=4, hidden=16, layers=2)
    batch = nb101.graph_batch(cells[:32])
    mu, _ = gvae.encode(batch)
    assert torch.isfinite(mu).all() and len({tuple(m) for m in mu.round(decimals=5).tolist()}) == 32
    # the same cell alone or beside others encodes the same: padding does not leak
    alone, _ = gvae.encode(nb101.graph_batch([cells[4]]))
    assert torch.allclose(alone[0], mu[4], atol=1e-5)


@pytest.fixture
def one_thread():
    """torch on one thread: with two on a machine whose cores are busy, this test ran 30x
    slower (threads waiting on each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_a_short_gvae_training_learns_nb101_cells(nb101, cells, one_thread):
    batch, targets = nb101.graph_batch(cells), nb101.targets(cells)
    cfg = GVAEConfig(latent=8, hidden=32, layers=2, epochs=8, lr=3e-3, batch_size=100, icnn_hidden=16, icnn_layers=2)
    error = np.linspace(0.05, 0.2, len(cells))
    result = train_gvae(nb101, batch, targets, error, cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert result.history[-1]["recon"] < 0.8 * result.history[0]["recon"]
    assert result.history[-1]["icnn"] < result.history[0]["icnn"]
    mu = encode_all(result.gvae, batch, torch.device("cpu"))
    accuracy = reconstruction_accuracy(nb101, result.gvae, mu, targets, torch.device("cpu"))
    assert 0.0 <= accuracy <= 1.0
    decoded = nb101.decode(result.gvae.decoder(mu))
    assert all(nb101.is_valid(c) for c in decoded[:200])


# --- display -----------------------------------------------------------------------------
def test_cells_draw_ops_on_nodes_and_label_briefly(nb101):
    cell = nb101.parse(spec_json(MATRIX, OPS_LIST))
    (drawing,) = nb101.drawing(cell)
    matrix, ops = nb101.spec(cell)
    assert [n.label for n in drawing.nodes][0] == "in" and drawing.nodes[-1].label == "out"
    assert [n.op for n in drawing.nodes] == [None, *ops[1:-1], None]
    assert {n.label for n in drawing.nodes[1:-1]} <= {"3x3", "1x1", "pool"}
    assert sorted((e.src, e.dst) for e in drawing.edges) == sorted((x, y) for y in range(7) for x in range(y) if matrix[x][y])
    assert all(e.op is None and not e.faint for e in drawing.edges)
    assert nb101.ops_in(cell) == {CONV3, CONV1}
    assert nb101.label(cell) == "".join({CONV3: "3", CONV1: "1"}[op] for op in ops[1:-1]) + " 9e"
    assert nb101.label(nb101.parse("adjacency=01/00 ops=input,output")) == "- 1e"
    assert set(nb101.op_colours) == set(OPS)
