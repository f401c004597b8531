"""NB101Space: the search-space contract (run here before NB101 is registered), the text
forms, the canonical form against nb101_cells' slow reference, the official hashes,
uniform sampling, neighbours against a brute force, graph tensors, the decoder's repairs,
and a short G-VAE training. The hashed enumeration (~20 s) is never built here: all_cells
is checked on the 5-vertex slice through a patched loader."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter

import numpy as np
import pytest
import torch

import crlso_core.spaces.nb101.enumerate as enumeration
from crlso_core.catalog.config import GVAEConfig
from crlso_core.common.errors import CRLSOError
from crlso_core.models.training import encode_all, reconstruction_accuracy, train_gvae
from crlso_core.spaces.nb101 import space as module
from crlso_core.spaces.nb101.arrays import EDGE_X, EDGE_Y, from_slots
from crlso_core.spaces.nb101.cells import OPS, canonical_cell, is_valid, module_hash, prune
from crlso_core.spaces.nb101.decoder import ABSENT, LOGITS
from crlso_core.spaces.nb101.space import NB101Cell, NB101Space
from crlso_core.spaces.nb101.text import EXPECTED
from tests.data import NB101_API_JSON

CONV3, CONV1, POOL = OPS
# the first official key of nb101_naslib_dummy30.json, as the official API and NASLib hold it
MATRIX = [[0, 1, 0, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1],
          [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]]
OPS_LIST = ["input", CONV3, CONV1, CONV1, CONV3, CONV1, "output"]
HASH = "ff92c322c5d9d3d587d9c146a63d0807"


@pytest.fixture(scope="module")
def nb101(tmp_path_factory) -> NB101Space:
    return NB101Space(cache=tmp_path_factory.mktemp("nb101-cache") / "cells.npz")  # never the home cache


@pytest.fixture(scope="module")
def cells(nb101):
    return nb101.sample(np.random.default_rng(7), 1000)


def _json(matrix, ops, matrix_key="matrix", ops_key="ops") -> str:
    return json.dumps({matrix_key: np.asarray(matrix).tolist(), ops_key: list(ops)})


def _relabellings(matrix, ops):
    """Every upper-triangular relabelling of a spec (middle vertices permuted)."""
    size = len(ops)
    for middle in itertools.permutations(range(1, size - 1)):
        order = [0, *middle, size - 1]
        moved = np.asarray(matrix)[np.ix_(order, order)]
        if not np.tril(moved).any():
            yield moved, [ops[i] for i in order]


def _random_spec(rng: random.Random, size: int = 7, density: float = 0.35):
    matrix = np.triu((np.array([[rng.random() for _ in range(size)] for _ in range(size)]) < density).astype(int), 1)
    return matrix, ["input", *(rng.choice(OPS) for _ in range(size - 2)), "output"]


# The search-space contract runs on every registered space in tests/spaces/test_contract.py.


# --- text form and identity ------------------------------------------------------------
def test_a_known_cell_prints_and_reads_back(nb101):
    cell = nb101.parse(_json(MATRIX, OPS_LIST))
    assert isinstance(cell, NB101Cell) and nb101.is_valid(cell) and cell.vertices == 7 and bin(cell.bits).count("1") == 9
    text = nb101.format(cell)
    assert text.startswith("adjacency=") and " ops=input," in text and text.endswith(",output")
    rows = text.split(" ")[0][len("adjacency="):].split("/")
    assert len(rows) == 7 and all(len(row) == 7 for row in rows)
    assert nb101.parse(text) == cell and nb101.hash_of(cell) == HASH
    matrix, ops = nb101.spec(cell)
    reference = canonical_cell(MATRIX, OPS_LIST)
    assert module_hash(matrix, ops) == HASH and (matrix, ops) == (reference[0].tolist(), reference[1])


def test_every_spelling_of_a_cell_is_one_cell(nb101):
    cell = nb101.parse(_json(MATRIX, OPS_LIST))
    one_line = "adjacency=" + "/".join("".join(map(str, row)) for row in MATRIX) + " ops=" + ",".join(OPS_LIST)
    spellings = [
        one_line,
        "  adjacency = " + one_line[10:].replace(" ops=", "   ops = ").replace(",", ", ") + "\n",  # spaces anywhere sensible
        _json(MATRIX, OPS_LIST, "adjacency"),
        _json(MATRIX, OPS_LIST, "module_adjacency", "module_operations"),
        str({"matrix": MATRIX, "ops": OPS_LIST}),  # a printed Python dict: single quotes
        json.dumps({"matrix": MATRIX, "ops": OPS_LIST}, indent=1),
    ]
    # with a dangling vertex added (fed by the input, feeding nothing): pruned away
    bigger = np.zeros((8, 8), dtype=int)
    bigger[:7, :7] = MATRIX
    bigger[:, 7], bigger[:, 6] = bigger[:, 6], 0
    bigger[0, 6] = 1
    spellings.append(_json(bigger, OPS_LIST[:-1] + [POOL, "output"]))
    relabelled = list(_relabellings(MATRIX, OPS_LIST))
    assert len(relabelled) > 2
    spellings += [_json(m, o) for m, o in relabelled]
    assert {nb101.parse(s) for s in spellings} == {cell}
    assert {nb101.format(nb101.parse(s)) for s in spellings} == {nb101.format(cell)}
    assert nb101.parse_many(spellings) == [cell] * len(spellings)


def test_the_canonical_form_is_the_reference_one_and_parse_prunes_as_the_official_library(nb101):
    rng = random.Random(0)
    seen = 0
    for _ in range(400):
        matrix, ops = _random_spec(rng, rng.choice([3, 5, 7, 7, 7]), rng.choice([0.3, 0.5]))
        spec = _json(matrix, ops)
        if not is_valid(matrix, ops):
            with pytest.raises(CRLSOError):
                nb101.parse(spec)
            continue
        seen += 1
        cell = nb101.parse(spec)
        reference = canonical_cell(matrix, ops)
        assert nb101.spec(cell) == (reference[0].tolist(), reference[1])
        assert nb101.hash_of(cell) == module_hash(matrix, ops)
    assert seen > 150


def test_parse_many_reads_formatted_pools_fast_and_anything_else_like_parse(nb101, cells):
    texts = nb101.format_many(cells)
    assert len(set(texts)) == len(texts) and nb101.parse_many(texts) == cells
    # a formatted-looking text that is not canonical, or not pruned, takes the slow road and still comes out right
    m, o = next(iter(_relabellings(*nb101.spec(cells[0]))))
    if (m.tolist(), o) == nb101.spec(cells[0]):
        m, o = list(_relabellings(*nb101.spec(cells[0])))[-1]
    odd = "adjacency=" + "/".join("".join(map(str, row)) for row in m) + " ops=" + ",".join(o)
    dangling = "adjacency=0110/0001/0000/0000 ops=input,conv3x3-bn-relu,maxpool3x3,output"  # vertex 2 feeds nothing
    assert nb101.parse_many([odd, dangling]) == [nb101.parse(odd), nb101.parse(dangling)]
    assert nb101.parse_many([odd])[0] == cells[0]
    assert nb101.format(nb101.parse(dangling)) == "adjacency=010/001/000 ops=input,conv3x3-bn-relu,output"
    with pytest.raises(CRLSOError, match="does not reach its output"):
        nb101.parse_many(texts[:3] + ["adjacency=010/000/000 ops=input,maxpool3x3,output"])


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
    ten = "adjacency=0111111/0011111/0001111/0000111/0000000/0000000/0000000 ops=input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output"
    with pytest.raises(CRLSOError, match="10 edges lie on input-output paths"):  # 4 and 5 feed nothing: pruned first
        nb101.parse(ten)


@pytest.mark.parametrize("bad, reason", [
    ("", "empty"),
    ("adjacency=01/00", "neither 'adjacency=... ops=...' nor a JSON object"),
    ("hello world", "neither"),
    ("adjacency=012/001/000 ops=input,conv3x3-bn-relu,output", "row 1 is '012'"),
    ("adjacency=01/001/000 ops=input,conv3x3-bn-relu,output", "row 1 has 2 entries, not 3"),
    ("adjacency=011/101/000 ops=input,conv3x3-bn-relu,output", r"entry \[1\]\[0\] is 1 but the matrix must be upper-triangular"),
    ("adjacency=010/001/000 ops=input,conv5x5,output", "op 1 is 'conv5x5'"),
    ("adjacency=010/001/000 ops=input,output", "2 ops for 3 vertices"),
    ("adjacency=010/001/000 ops=conv3x3-bn-relu,input,output", "must start with 'input' and end with 'output'"),
    ("adjacency=0 ops=input", "1 rows, not 2 to 32"),
    ("adjacency=010/000/000 ops=input,conv3x3-bn-relu,output", "input does not reach its output"),
    ("adjacency=" + "/".join("0" * i + "1" + "0" * (7 - i) for i in range(1, 8)) + "/00000000 ops=input," + ",".join([CONV3] * 6) + ",output",
     "8 vertices lie on input-output paths, more than 7"),
    ("adjacency=0111111/0011111/0001111/0000111/0000011/0000001/0000000 ops=input," + ",".join([CONV3] * 5) + ",output",
     "21 edges lie on input-output paths, more than 9"),
    ('{"matrix": [[0, 1], [0, 0]]}', "no ops given"),
    ('{"matrix": [[0, 1], [0, 0]], "adjacency": [[0, 1], [0, 0]], "ops": ["input", "output"]}', "an adjacency given twice"),
    ('{"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"], "hash": "x"}', "unknown key 'hash'"),
    ('{"matrix": [[0, 1.0], [0, 0]], "ops": ["input", "output"]}', r"entry \[0\]\[1\] is 1.0, not 0 or 1"),
    ('{"matrix": [[0, true], [0, 0]], "ops": ["input", "output"]}', "not 0 or 1"),
    ('{"matrix": "0110", "ops": ["input", "output"]}', "not a list of rows"),
    ('{"matrix": [[0, 1], [0, 0]], "ops": "input output"}', "not a list of names"),
    ('[[0, 1], [0, 0]]', "not a JSON object"),
    ('{"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]', "not valid JSON"),
    ("[" * 5000 + "]" * 5000, "not valid JSON"),
    ("x" * 30_000, "longer than 20,000 characters"),
])
def test_bad_text_is_one_clear_error_that_quotes_it(nb101, bad, reason):
    with pytest.raises(CRLSOError, match=reason) as info:
        nb101.parse(bad)
    message = str(info.value)
    assert message.startswith("Not a NAS-Bench-101 cell (") and message.endswith(EXPECTED)
    assert repr(bad)[:60] in message and len(message) < len(EXPECTED) + 300
    with pytest.raises(CRLSOError):
        nb101.parse_many([bad])


def test_a_non_string_is_refused(nb101):
    with pytest.raises(CRLSOError, match="must be a string, got dict"):
        nb101.parse({"matrix": MATRIX, "ops": OPS_LIST})


# --- the official hash -------------------------------------------------------------------
def test_hashes_are_the_official_ones_for_the_30_keys(nb101):
    data = json.loads(NB101_API_JSON.read_text())
    parsed = [nb101.parse(_json(v["module_adjacency"], v["module_operations"])) for v in data.values()]
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
    checked, pruned and canonicalised by nb101_cells (the slow reference)."""
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
            out.add(nb101.parse(_json(cm, co)))
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
        forward = [(s, d) for s, d, a in zip(batch.src[row][mask].tolist(), batch.dst[row][mask].tolist(), batch.edge_attr[row][mask].tolist()) if a == [1.0, 0.0]]
        backward = [(d, s) for s, d, a in zip(batch.src[row][mask].tolist(), batch.dst[row][mask].tolist(), batch.edge_attr[row][mask].tolist()) if a == [0.0, 1.0]]
        expected = [(x_, y) for y in range(size) for x_ in range(y) if matrix[x_][y]]
        assert sorted(forward) == sorted(backward) == sorted(expected) and int(mask.sum()) == 2 * len(expected)
        assert batch.src[row][~mask].abs().sum() == 0 and batch.dst[row][~mask].abs().sum() == 0 and batch.edge_attr[row][~mask].abs().sum() == 0
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


# --- decoding --------------------------------------------------------------------------
def _perfect(targets: torch.Tensor) -> torch.Tensor:
    edges = targets[:, :21].float() * 20 - 10
    ops = torch.nn.functional.one_hot(targets[:, 21:], 4).float() * 10
    return torch.cat([edges, ops.reshape(len(targets), 20)], dim=1)


def test_targets_are_canonical_and_perfect_logits_decode_back(nb101, cells):
    targets = nb101.targets(cells)
    assert targets.shape == (1000, 26) and targets.dtype == torch.long and LOGITS == nb101.decoder_output_dim == 41
    two = nb101.parse("adjacency=01/00 ops=input,output")
    t = nb101.targets([two])[0].tolist()
    assert t[:21] == [0] * 15 + [1] + [0] * 5 and t[21:] == [ABSENT] * 5  # the edge 0 -> 6 only
    logits = _perfect(targets)
    assert nb101.decode(logits) == cells and bool(nb101.exact_matches(logits, targets).all())
    # one op wrong in one row: that row alone fails
    wrong = logits.clone()
    assert targets[0, 21] != ABSENT
    wrong[0, 21:25] = wrong[0, 21:25].roll(1)  # slot 1's op moves to the next class (another op, or absent)
    matches = nb101.exact_matches(wrong, targets)
    assert int(matches.sum()) == 999 and not bool(matches[0]) and nb101.decode(wrong)[0] != cells[0]


def test_a_decoded_graph_in_another_vertex_order_still_matches(nb101):
    cell = nb101.parse(_json(MATRIX, OPS_LIST))
    for matrix, ops in list(_relabellings(MATRIX, OPS_LIST))[:4]:
        target = torch.zeros(1, 26, dtype=torch.long)
        target[0, :21] = torch.tensor([int(matrix[x][y]) for x, y in zip(EDGE_X, EDGE_Y)])
        target[0, 21:] = torch.tensor([OPS.index(op) for op in ops[1:-1]])
        logits = _perfect(target)  # this order's raw graph, maybe not the canonical one
        assert nb101.decode(logits) == [cell]
        assert bool(nb101.exact_matches(logits, nb101.targets([cell])).all())


def test_any_logits_decode_to_valid_cells(nb101):
    g = torch.Generator().manual_seed(0)
    rows = [torch.randn(2000, 41, generator=g), 30 * torch.randn(300, 41, generator=g), torch.randn(300, 41, generator=g) + 3,
            torch.randn(300, 41, generator=g) - 3, torch.full((2, 41), float("nan")), torch.full((2, 41), float("inf")),
            torch.full((2, 41), float("-inf")), torch.zeros(2, 41)]
    for logits in rows:
        decoded = nb101.decode(logits)
        assert len(decoded) == len(logits) and all(nb101.is_valid(c) for c in decoded)
        assert bool(nb101.exact_matches(logits, nb101.targets(decoded)).all())
    # every edge on: thinned to at most 9 edges, still connected; every edge off: the best path is added
    on = torch.cat([torch.linspace(1, 5, 21), torch.tensor([5.0, 0, 0, 0] * 5)]).unsqueeze(0)
    (dense,) = nb101.decode(on)
    assert dense.vertices == 7 and bin(dense.bits).count("1") == 9  # vertices the ops ask for are kept
    on[0, 21:] = torch.tensor([0, 0, 0, 5.0] * 5)  # no middle vertex: input -> output alone
    assert nb101.decode(on) == [nb101.parse("adjacency=01/00 ops=input,output")]
    off = torch.cat([-torch.ones(21), torch.tensor([5.0, 0, 0, 0] * 5)]).unsqueeze(0)
    off[0, 15] = -0.5  # input -> output is the least unlikely edge
    assert nb101.decode(off) == [nb101.parse("adjacency=01/00 ops=input,output")]
    assert nb101.decode(torch.randn(3, 41).double())[0] is not None and nb101.decode(torch.zeros(0, 41)) == []


def test_the_loss_teaches_only_real_choices(nb101, cells):
    targets = nb101.targets(cells)
    logits = torch.randn(len(cells), 41, generator=torch.Generator().manual_seed(1), requires_grad=True)
    loss = nb101.reconstruction_loss(logits, targets)
    loss.backward()
    assert torch.isfinite(loss) and 0.5 < loss.item() < 2.0 and torch.isfinite(logits.grad).all()
    two = nb101.parse("adjacency=01/00 ops=input,output")
    logits = torch.zeros(1, 41, requires_grad=True)
    nb101.reconstruction_loss(logits, nb101.targets([two])).backward()
    assert torch.count_nonzero(logits.grad[0, :21]) == 1  # only input -> output: the other slots are absent
    assert nb101.reconstruction_loss(_perfect(targets), targets).item() < 1e-3


def test_ok_is_false_for_raw_specs_that_are_no_cell():
    edges = np.zeros((3, 21), dtype=bool)
    edges[0, [0, 2]] = True  # 0 -> 1 -> 2, never reaches slot 6
    edges[1, :] = True  # 21 edges among 7 vertices
    edges[2, 15] = True  # 0 -> 6
    ok, vertices, bits, codes = from_slots(edges, np.zeros((3, 7), dtype=np.int64))
    assert ok.tolist() == [False, False, True] and (vertices[2], bits[2], codes[2]) == (2, 1, 0)


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
    cell = nb101.parse(_json(MATRIX, OPS_LIST))
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
