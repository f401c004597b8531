import re

import pytest

from app.cell_render import cell_svg
from crlso_core.errors import CRLSOError

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


def test_compact_notation_keeps_every_op_in_about_a_third_of_the_characters():
    from app.cell_render import compact

    assert compact(ARCH) == "3x3 | 3x3 pool | skip 1x1 none"
    assert len(compact(ARCH)) * 2.5 < len(ARCH)
