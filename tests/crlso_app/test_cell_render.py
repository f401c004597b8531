import re

import pytest

from crlso_app.cell_render import cell_svg
from crlso_core.common.errors import CRLSOError

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"


def test_every_edge_is_drawn_with_its_op_label():
    svg = cell_svg(ARCH)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert re.findall(r'data-op="(\w+)"', svg) == ["nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_1x1", "none"]
    assert svg.count("<circle") == 4 and svg.count("marker-end") == 6
    assert 'stroke-dasharray' in svg  # the 'none' edge is drawn faint


def test_a_malformed_cell_is_a_clear_error():
    with pytest.raises(CRLSOError, match="Not a NAS-Bench-201 cell string"):
        cell_svg("|conv~0|+")


def test_a_space_with_ops_on_nodes_and_its_own_topology_draws_too():
    from crlso_app.cell_render import drawings_svg
    from tests.toy_space import ToySpace

    toy = ToySpace()
    cell = toy.parse("conv-pool-id/101")
    svg = cell_svg("conv-pool-id/101", "toy")
    assert svg.count("<circle") == 5 and svg.count("marker-end") == 4 + 2  # the chain and two skip edges
    assert re.findall(r'<circle[^>]*data-op="(\w+)"', svg) == ["conv", "pool", "id"]
    assert "stroke-dasharray" not in svg  # nothing here is faint
    two = drawings_svg(toy, [*toy.drawing(cell), *toy.drawing(toy.parse("id-id-id/000"))], "two cells")
    assert two.count("<circle") == 10  # an architecture of two cells is drawn as two rows
