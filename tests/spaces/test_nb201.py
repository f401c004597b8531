import numpy as np
import pytest
import torch

from crlso_core.catalog.registry import get_space
from crlso_core.common.errors import CRLSOError
from crlso_core.spaces import NB201Space
from crlso_core.spaces.nb201 import EDGES, NUM_OPS, OPS


@pytest.fixture(scope="module")
def nb201():
    return NB201Space()


def test_all_cells_round_trip(nb201, benchmark):
    """Every official cell string parses and prints back; index <-> cell is a bijection."""
    assert nb201.size == len(benchmark) == 15625
    seen = set()
    for cell in benchmark.cells:
        text = nb201.format(cell)
        assert nb201.parse(text) == cell
        index = nb201.index_of(cell)
        assert nb201.cell_at(index) == cell
        seen.add(index)
    assert seen == set(range(15625))
    assert set(nb201.all_cells()) == set(benchmark.cells)


def test_known_string(nb201):
    text = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    assert nb201.parse(text) == (3, 3, 4, 1, 3, 1)
    assert nb201.format((3, 3, 4, 1, 3, 1)) == text


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "|nor_conv_3x3~0|",
        "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # unknown op
        "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",  # wrong source index
        "|none~0|+|none~0|+|none~0|none~1|none~2|",  # node 2 lacks an edge
        "none~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # missing bar
    ],
)
def test_malformed_string_is_an_error_quoting_it(nb201, bad):
    with pytest.raises(CRLSOError) as info:
        nb201.parse(bad)
    assert repr(bad) in str(info.value)


def test_bad_index_and_unknown_space():
    with pytest.raises(CRLSOError, match="0..15624"):
        NB201Space().cell_at(15625)
    with pytest.raises(CRLSOError, match="nb999"):
        get_space("nb999")


def test_neighbours_differ_in_exactly_one_edge(nb201):
    cell = (0, 1, 2, 3, 4, 0)
    neighbours = nb201.neighbours(cell)
    assert len(neighbours) == len(set(neighbours)) == 6 * (NUM_OPS - 1)
    for n in neighbours:
        assert sum(a != b for a, b in zip(cell, n)) == 1


def test_sampling_is_distinct_and_seeded(nb201):
    a = nb201.sample(np.random.default_rng(7), 300)
    b = nb201.sample(np.random.default_rng(7), 300)
    assert a == b and len(set(a)) == 300
    with pytest.raises(CRLSOError):
        nb201.sample(np.random.default_rng(0), 15626)


def test_graph_tensors_put_each_op_on_both_directions_of_its_edge(nb201):
    cell = (0, 1, 2, 3, 4, 1)
    g = nb201.graph_batch([cell])
    assert g.x.shape == (1, 4, 4) and torch.equal(g.x[0], torch.eye(4))
    assert g.edge_attr.shape == (1, 12, NUM_OPS)
    pairs = list(zip(g.src.tolist(), g.dst.tolist()))
    for k, (s, t) in enumerate(EDGES):
        forward, backward = pairs.index((s, t)), pairs.index((t, s))
        assert g.edge_attr[0, forward].argmax() == g.edge_attr[0, backward].argmax() == cell[k]


def test_decoding_one_hot_logits_gives_back_every_cell(nb201):
    cells = nb201.all_cells()
    logits = torch.nn.functional.one_hot(nb201.targets(cells), NUM_OPS).float().reshape(len(cells), -1)
    assert nb201.decode(logits) == cells
    assert bool(nb201.exact_matches(logits, nb201.targets(cells)).all())


def test_dot_names_every_op(nb201):
    dot = nb201.to_dot((0, 1, 2, 3, 4, 1))
    assert dot.startswith("digraph") and all(op in dot for op in OPS)


def test_label_keeps_every_op_in_about_a_third_of_the_characters(nb201):
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"
    assert nb201.label(nb201.parse(arch)) == "3x3 | 3x3 pool | skip 1x1 none"
    assert len(nb201.label(nb201.parse(arch))) * 2.5 < len(arch)


def test_drawing_puts_each_op_on_its_edge_and_none_faint(nb201):
    (drawing,) = nb201.drawing((0, 1, 2, 3, 4, 1))
    assert [n.label for n in drawing.nodes] == ["in", "1", "2", "out"]
    assert [(e.src, e.dst, e.op) for e in drawing.edges] == [(s, t, OPS[o]) for (s, t), o in zip(EDGES, (0, 1, 2, 3, 4, 1))]
    assert [e.faint for e in drawing.edges] == [True, False, False, False, False, False]
