import csv
import itertools
import json
from collections import Counter

import numpy as np
import pytest
import torch

from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.drawing import CellDrawing
from crlso_core.spaces.nb301.cells import OPS
from crlso_core.spaces.nb301.space import NUM_EDGES, NB301Space
from crlso_core.spaces.nb301.text import from_naslib, to_naslib
from tests.data import NB301_NASLIB_500 as CSV

# the first row of the CSV, as NASLib stores it (node 4's inputs 2, 0 out of order)
NORMAL_JSON = '[["sep_conv_5x5", 0], ["sep_conv_3x3", 1], ["skip_connect", 0], ["sep_conv_3x3", 2], ["sep_conv_3x3", 2], ["sep_conv_3x3", 0], ["dil_conv_5x5", 2], ["dil_conv_3x3", 3]]'
REDUCE_JSON = '[["sep_conv_3x3", 0], ["sep_conv_3x3", 1], ["avg_pool_3x3", 1], ["dil_conv_3x3", 0], ["sep_conv_3x3", 2], ["skip_connect", 0], ["sep_conv_5x5", 4], ["avg_pool_3x3", 3]]'
FIRST = (
    ((4, 0), (3, 1), (2, 0), (3, 2), (3, 0), (3, 2), (6, 2), (5, 3)),
    ((3, 0), (3, 1), (5, 0), (1, 1), (2, 0), (3, 2), (1, 3), (4, 4)),
)
FIRST_TEXT = (
    "Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 2), "
    "('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('dil_conv_5x5', 2), ('dil_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('dil_conv_3x3', 0), ('avg_pool_3x3', 1), ('skip_connect', 0), "
    "('sep_conv_3x3', 2), ('avg_pool_3x3', 3), ('sep_conv_5x5', 4)], reduce_concat=[2, 3, 4, 5])"
)


@pytest.fixture(scope="module")
def nb301():
    return NB301Space()


@pytest.fixture(scope="module")
def cells(nb301):
    return nb301.sample(np.random.default_rng(7), 500)


def _genotype(pairs_normal, pairs_reduce, quote="'", concat="[2, 3, 4, 5]") -> str:
    def listed(pairs):
        return "[" + ", ".join(f"({quote}{op}{quote}, {inp})" for op, inp in pairs) + "]"

    return f"Genotype(normal={listed(pairs_normal)}, normal_concat={concat}, reduce={listed(pairs_reduce)}, reduce_concat={concat})"


def _named(half):
    return [(OPS[op], inp) for op, inp in half]


# --- text forms ---------------------------------------------------------------------------
def test_the_csv_row_parses_alike_in_every_form(nb301):
    normal, reduce = json.loads(NORMAL_JSON), json.loads(REDUCE_JSON)
    forms = [
        _genotype(normal, reduce),  # the DARTS string in NASLib's (unsorted) order
        _genotype(normal, reduce, quote='"', concat="range(2, 6)"),
        f"Genotype(normal={json.dumps(normal)}, reduce={json.dumps(reduce)})",  # no concat fields
        json.dumps({"normal": normal, "reduce": reduce}),
        json.dumps([normal, reduce]),
        "  \n" + json.dumps({"normal": normal, "normal_concat": [2, 3, 4, 5], "reduce": reduce}, indent=2) + "\n",
    ]
    assert from_naslib(NORMAL_JSON, REDUCE_JSON) == FIRST
    for text in forms:
        assert nb301.parse(text) == FIRST, text
        assert nb301.format(nb301.parse(text)) == FIRST_TEXT
    assert nb301.is_valid(FIRST) and all(type(v) is int for half in FIRST for pair in half for v in pair)


def test_every_csv_row_is_a_valid_cell_that_round_trips():
    space = NB301Space()
    with CSV.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 500
    assert rows[0]["genotype_normal"] == NORMAL_JSON and rows[0]["genotype_reduce"] == REDUCE_JSON
    cells = [from_naslib(r["genotype_normal"], r["genotype_reduce"]) for r in rows]
    assert all(space.is_valid(c) for c in cells) and len(set(cells)) == 500
    for row, cell in zip(rows, cells):
        assert space.parse(space.format(cell)) == cell
        normal, reduce = to_naslib(cell)
        assert from_naslib(normal, reduce) == cell
        # the same pairs per node as NASLib's order, only sorted within each node
        for text, mine in ((row["genotype_normal"], normal), (row["genotype_reduce"], reduce)):
            theirs, ours = json.loads(text), json.loads(mine)
            assert [sorted(map(tuple, theirs[k : k + 2]), key=lambda p: p[1]) for k in range(0, 8, 2)] == [
                [tuple(p) for p in ours[k : k + 2]] for k in range(0, 8, 2)
            ]


def test_swapped_pairs_and_spellings_canonicalise(nb301, cells):
    for cell in cells[:50]:
        canonical = nb301.format(cell)
        normal, reduce = _named(cell[0]), _named(cell[1])
        swapped = [[half[k ^ 1] for k in range(8)] for half in (normal, reduce)]  # each node's two pairs swapped
        spellings = [
            _genotype(*swapped),
            _genotype(normal, swapped[1], quote='"', concat="range(2, 6)"),
            _genotype(*swapped).replace(", ", ",\n    ").replace("])", ",],)"),  # line breaks and trailing commas
            json.dumps({"reduce": swapped[1], "normal": swapped[0]}),
            json.dumps([swapped[0], reduce]),
        ]
        for text in spellings:
            assert nb301.parse(text) == cell, text
            assert nb301.format(nb301.parse(text)) == canonical
        assert from_naslib(json.dumps(swapped[0]), json.dumps(swapped[1])) == cell


GOOD_N = [["sep_conv_3x3", 0], ["sep_conv_3x3", 1], ["skip_connect", 0], ["sep_conv_3x3", 1],
          ["skip_connect", 0], ["skip_connect", 1], ["skip_connect", 0], ["skip_connect", 1]]


def _with(pairs, slot, pair):
    return [pair if k == slot else p for k, p in enumerate(pairs)]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "not a cell",
        "Genotype(",
        "Genotype()",
        _genotype(_with(GOOD_N, 3, ["conv_3x3", 1]), GOOD_N),  # unknown op
        _genotype(GOOD_N, _with(GOOD_N, 1, ["sep_conv_3x3", 2])),  # node 2 takes only 0 or 1
        _genotype(_with(GOOD_N, 1, ["sep_conv_3x3", 0]), GOOD_N),  # node 2 takes input 0 twice
        _genotype(GOOD_N, _with(GOOD_N, 7, ["sep_conv_3x3", -1])),  # negative input
        _genotype(GOOD_N[:7], GOOD_N),  # 7 pairs
        _genotype(GOOD_N + [["skip_connect", 2]], GOOD_N),  # 9 pairs
        _genotype(GOOD_N, GOOD_N, concat="[2, 3, 4]"),
        _genotype(GOOD_N, GOOD_N, concat="range(0, 100000)"),
        _genotype(GOOD_N, GOOD_N) + ")",  # unbalanced
        _genotype(GOOD_N, GOOD_N).replace("reduce=", "reduction="),  # unknown field
        _genotype(GOOD_N, GOOD_N).replace("Genotype", "Phenotype"),
        f"Genotype(normal={json.dumps(GOOD_N)})",  # no reduce cell
        json.dumps(GOOD_N),  # one cell alone
        json.dumps({"normal": GOOD_N, "reduce": GOOD_N, "normal": GOOD_N}).replace('"reduce"', '"normal"'),  # key twice
        json.dumps([GOOD_N, GOOD_N]).replace(", 1]", ", 1.0]", 1),  # float input
        json.dumps([GOOD_N, GOOD_N]).replace(", 1]", ", true]", 1),  # bool input
        json.dumps([GOOD_N, GOOD_N]).replace('"skip_connect"', "7", 1),  # op as a number
        json.dumps([GOOD_N, [GOOD_N]]),
        "__import__('os').system('echo pwned')",  # never evaluated
        "Genotype(normal=__import__('os').listdir('.'), reduce=[])",
        "[" * 2000 + "]" * 2000,  # deep nesting, no recursion error
        "Genotype(normal=[('sep_conv_3x3', 12345678901234567890)], reduce=[])",
        "x" * 500,
        "Genotype(normal=[" + "('skip_connect', 0), " * 200 + "], reduce=[])",  # long, under the cap
        "Genotype(normal=[" + "('skip_connect', 0), " * 300 + "], reduce=[])" + " " * 2000,  # over 5,000 characters
    ],
)
def test_malformed_text_is_one_error_quoting_it_and_naming_the_form(nb301, bad):
    with pytest.raises(CRLSOError) as info:
        nb301.parse(bad)
    message = str(info.value)
    assert repr(bad)[:40] in message
    assert "Genotype(normal=" in message and "8 (op, input) pairs" in message and "sep_conv_3x3" in message
    assert len(message) < 1000


@pytest.mark.parametrize("bad", [None, 42, b"Genotype()", ["sep_conv_3x3", 0]])
def test_non_strings_are_refused(nb301, bad):
    with pytest.raises(CRLSOError, match="must be a string"):
        nb301.parse(bad)
    with pytest.raises(CRLSOError, match="must be a string"):
        from_naslib(bad, REDUCE_JSON)


def test_naslib_columns_are_checked_one_by_one():
    with pytest.raises(CRLSOError, match=r"reduce cell \(the reduce cell has 7 pairs, not 8\).*JSON list of 8"):
        from_naslib(NORMAL_JSON, json.dumps(json.loads(REDUCE_JSON)[:7]))
    with pytest.raises(CRLSOError, match="normal cell .*unknown op 'sep_conv_7x7'"):
        from_naslib(NORMAL_JSON.replace("sep_conv_5x5", "sep_conv_7x7"), REDUCE_JSON)


def test_round_trip_on_sampled_cells_and_short_labels(nb301, cells):
    for cell in cells:
        text = nb301.format(cell)
        assert nb301.parse(text) == cell
        assert from_naslib(*to_naslib(cell)) == cell
        assert len(nb301.label(cell)) <= len(text) / 3
    assert nb301.label(FIRST) == "s5(0) s3(1)|sk(0) s3(2)|s3(0) s3(2)|d5(2) d3(3) / s3(0) s3(1)|d3(0) ap(1)|sk(0) s3(2)|ap(3) s5(4)"
    assert len({nb301.label(c) for c in cells}) == len(cells)


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


# --- decoder ---------------------------------------------------------------------------
def _one_hot_logits(targets: torch.Tensor) -> torch.Tensor:
    """Logits with a 1 at each target choice, placed by the documented layout: per cell 20
    pair logits (node 2: 1, node 3: 3, node 4: 6, node 5: 10), then 7 op logits per slot."""
    logits = torch.zeros(len(targets), 152)
    offsets = (0, 1, 4, 10)
    for row, t in enumerate(targets.tolist()):
        for h in range(2):
            base, choice = 76 * h, t[12 * h : 12 * h + 12]
            for node in range(4):
                logits[row, base + offsets[node] + choice[node]] = 1.0
            for slot in range(8):
                logits[row, base + 20 + 7 * slot + choice[4 + slot]] = 1.0
    return logits


def test_targets_layout_and_one_hot_logits_decode_back(nb301, cells):
    targets = nb301.targets(cells)
    assert targets.shape == (500, 24) and targets.dtype == torch.long
    t = nb301.targets([FIRST])[0].tolist()
    # normal: node 2 (0,1) -> 0, node 3 (0,2) -> 1, node 4 (0,2) -> 1, node 5 (2,3) -> 5; then ops
    assert t[:12] == [0, 1, 1, 5, 4, 3, 2, 3, 3, 3, 6, 5]
    assert t[12:] == [0, 0, 1, 9, 3, 3, 5, 1, 2, 3, 1, 4]  # reduce: node 3 (0,1) -> 0, node 5 (3,4) -> 9
    logits = _one_hot_logits(targets)
    assert nb301.decode(logits) == cells
    assert bool(nb301.exact_matches(logits, targets).all())
    assert float(nb301.reconstruction_loss(20 * logits, targets)) < 1e-6
    # one wrong op in one row: only that row stops matching
    wrong = logits.clone()
    wrong[3, 76 + 20 : 76 + 27] = wrong[3, 76 + 20 : 76 + 27].roll(1)
    matches = nb301.exact_matches(wrong, targets)
    assert not bool(matches[3]) and int(matches.sum()) == 499
    assert nb301.decode(wrong)[3] != cells[3]


def test_any_logits_decode_to_valid_cells_and_the_loss_has_gradients(nb301, cells):
    g = torch.Generator().manual_seed(0)
    for logits in (torch.randn(2000, 152, generator=g), 50 * torch.randn(200, 152, generator=g), torch.full((3, 152), float("nan")),
                   torch.full((3, 152), float("-inf")), torch.zeros(3, 152)):
        decoded = nb301.decode(logits)
        assert len(decoded) == len(logits) and all(nb301.is_valid(c) for c in decoded)
    logits = torch.randn(500, 152, generator=g, requires_grad=True)
    loss = nb301.reconstruction_loss(logits, nb301.targets(cells))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert 1.0 < loss.item() < 4.0  # about the mean log of 7 and of 3..10 choices
    assert float(logits.grad[:, 0].abs().sum()) == 0.0  # node 2's single pair logit learns nothing


# --- graphs --------------------------------------------------------------------------------
def _edges_of(batch, row):
    src, dst, attr = batch.src[row].tolist(), batch.dst[row].tolist(), batch.edge_attr[row]
    return [(s, d, tuple(attr[e].tolist())) for e, (s, d) in enumerate(zip(src, dst))]


def test_graph_batches_encode_both_cells_both_ways(nb301, cells):
    batch = nb301.graph_batch(cells[:64])
    assert batch.x.shape == (1, 14, 14) and torch.equal(batch.x[0], torch.eye(14))
    assert batch.src.shape == batch.dst.shape == (64, NUM_EDGES) == (64, 48) and batch.src.dtype == torch.long
    assert batch.edge_attr.shape == (64, 48, nb301.edge_features) and batch.edge_mask.shape == (64, 48) and bool((batch.edge_mask == 1).all())
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


# The search-space contract runs on every registered space in tests/spaces/test_contract.py.
