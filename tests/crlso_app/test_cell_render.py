"""Cells drawn as Graphviz DOT (crlso_app.cell_render over crlso_core.spaces.drawing.to_dot),
checked without Graphviz: on every registered space (the toy space is registered by the
tests' conftest), the DOT is well formed and holds every node and edge of the drawing data,
op labels, text of 14 pt or more; NB301's two cells sit side by side; every op colour reads on
white; a bad string is one clear error; every space explains its short labels."""

import re

import numpy as np
import pytest

from crlso_app import cell_render
from crlso_app.cell_render import (
    MIN_LINE_CONTRAST,
    MIN_TEXT_CONTRAST,
    contrast_ratio,
    label_help_markdown,
    legend_html,
    relative_luminance,
    show_cell,
)
from crlso_core.catalog import registry
from crlso_core.spaces.drawing import FAINT, PALETTE, PLAIN

SPACES = registry.names()
NB201_ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"


@pytest.fixture(params=SPACES)
def space(request):
    return registry.get_space(request.param)


def _sample(space, n=12, seed=0):
    return space.sample(np.random.default_rng(seed), n)


def _outside_labels(dot: str) -> str:
    """The DOT text without its quoted strings and HTML-like labels (which may hold any
    character), so that what is left is structure."""
    out, i = [], 0
    while i < len(dot):
        if dot[i] == '"':
            i += 1
            while dot[i] != '"':
                i += 2 if dot[i] == "\\" else 1
            out.append('""')
        elif dot.startswith("=<", i):  # an HTML-like label: < ... > with nested <tags>
            depth, i = 1, i + 2
            while depth:
                depth += {"<": 1, ">": -1}.get(dot[i], 0)
                i += 1
            out.append("=<>")
            continue
        else:
            out.append(dot[i])
        i += 1
    return "".join(out)


def _assert_well_formed(dot: str) -> None:
    bare = _outside_labels(dot)
    assert bare.startswith("digraph cell {") and bare.rstrip().endswith("}")
    depth = 0
    for ch in bare:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0 and bare.count("[") == bare.count("]")
    for line in bare.splitlines()[1:-1]:  # every statement ends with ';' or opens/closes a subgraph
        assert line.rstrip().endswith((";", "{", "}")), line
    assert "rankdir=LR" in bare


def _edge_words(label: str) -> list[str]:
    return [w.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for w in label.split()]


def test_every_space_draws_well_formed_dot_with_every_node_edge_and_op(space):
    colours = space.colours()
    for cell in _sample(space):
        drawings = space.drawing(cell)
        dot = space.to_dot(cell)
        _assert_well_formed(dot)
        for c, drawing in enumerate(drawings):
            for k, node in enumerate(drawing.nodes):
                line = re.search(rf"^\s*c{c}n{k} \[(.*)\];$", dot, re.M)
                assert line and f'label="{node.label}"' in line.group(1)
                if node.op:
                    assert f'fillcolor="{colours[node.op]}"' in line.group(1) and f'tooltip="{node.op}"' in line.group(1)
            for edge in drawing.edges:
                lines = re.findall(rf"^\s*c{c}n{edge.src} -> c{c}n{edge.dst} \[(.*)\];$", dot, re.M)
                assert len(lines) == 1
                attrs = lines[0]
                assert ("style=dashed" in attrs) == edge.faint
                if edge.op:
                    assert f'tooltip="{edge.op}"' in attrs and f'color="{colours[edge.op]}"' in attrs
                    assert f'fontcolor="{colours[edge.op]}"' in attrs
                    assert "<BR/>".join(_edge_words(edge.label or edge.op)) in attrs  # the op's label, a word a line
        real = sum(len(d.edges) for d in drawings)
        assert len(re.findall(r"^\s*c\d+n\d+ -> c\d+n\d+ \[", dot, re.M)) == real + dot.count("style=invis")
        sizes = [int(s) for s in re.findall(r"fontsize=(\d+)", dot)]
        assert sizes and min(sizes) >= 14  # points; a column scales them to 14 px or more (see the module's doc)


def test_nb201_draws_its_ops_on_edges_and_none_faint():
    nb201 = registry.get_space("nb201")
    dot = nb201.to_dot(nb201.parse(NB201_ARCH))
    assert dot.count("->") == 6 and dot.count("style=dashed") == 1
    assert re.search(r'c0n2 -> c0n3 \[[^\n]*style=dashed', dot)  # the 'none' edge
    assert "conv<BR/>3×3" in dot and "avg<BR/>pool<BR/>3×3" in dot and "skip" in dot
    assert 'class="op-avg_pool_3x3"' in dot
    assert "subgraph" not in dot


def test_nb101_and_the_toy_space_label_their_op_nodes_readably():
    toy = registry.get_space("toy")
    dot = toy.to_dot(toy.parse("conv-pool-id/101"))
    assert re.findall(r'label="(\w+)", fillcolor="(#\w+)", fontcolor="white"', dot) == [
        ("conv", toy.colours()["conv"]), ("pool", toy.colours()["pool"]), ("id", toy.colours()["id"])
    ]
    assert dot.count("->") == 4 + 2 and "style=dashed" not in dot  # the chain and two skip edges
    nb101 = registry.get_space("nb101")
    cell = _sample(nb101, 1, seed=5)[0]
    dot = nb101.to_dot(cell)
    ops = [n.op for n in nb101.drawing(cell)[0].nodes if n.op]
    assert re.findall(r'tooltip="([\w-]+)", class', dot) == ops and 'fontcolor="white"' in dot


def test_nb301_draws_its_two_cells_side_by_side():
    nb301 = registry.get_space("nb301")
    for cell in _sample(nb301, 5):
        dot = nb301.to_dot(cell)
        bare = _outside_labels(dot)
        assert bare.count("subgraph cluster_") == 2 and '"normal cell"' in dot and '"reduction cell"' in dot
        assert "rankdir=LR" in bare
        # left to right: the normal cell's output comes before both inputs of the reduction cell
        assert re.findall(r"c0n(\d+) -> c1n(\d+) \[style=invis\]", dot) == [("6", "0"), ("6", "1")]
        assert re.search(r"\{rank=same; c1n0; c1n1;\}", dot)  # the reduction cell's inputs in one column


def test_wcag_contrast_formula():
    assert relative_luminance("#ffffff") == pytest.approx(1.0) and relative_luminance("#000000") == 0.0
    assert contrast_ratio("#000000") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes for text
    assert contrast_ratio("#ffffff", "#767676") == contrast_ratio("#767676")


def test_every_op_colour_reads_on_white(space):
    colours = space.colours()
    assert set(colours) == set(space.op_names)
    for op, colour in colours.items():
        assert contrast_ratio(colour) >= MIN_TEXT_CONTRAST, (space.name, op, colour, contrast_ratio(colour))
    for colour in (*PALETTE, PLAIN):  # the palette ops without a colour of their own take, and plain edges
        assert contrast_ratio(colour) >= MIN_TEXT_CONTRAST, colour
    assert contrast_ratio(FAINT) >= MIN_LINE_CONTRAST  # dashed lines with no op: never text


def test_show_cell_draws_the_cell_object_it_is_given_and_parses_no_string(monkeypatch):
    """A page hands show_cell its run's space and the pool's parsed cell: nothing is parsed
    again on the way to the drawing (a string is parsed only where it enters the page)."""
    toy = registry.get_space("toy")
    cell = toy.parse("conv-pool-id/101")

    def parse(*_):
        raise AssertionError("show_cell parsed a string")

    monkeypatch.setattr(type(toy), "parse", parse)
    calls = []
    container = type("Recorder", (), {"__getattr__": lambda self, name: lambda *a, **k: calls.append((name, a, k))})()
    show_cell(toy, cell, container)
    assert [c[0] for c in calls] == ["html", "graphviz_chart", "markdown"]
    assert calls[1][1][0] == toy.to_dot(cell) and calls[1][2]["alt"] == f"cell {toy.format(cell)}"


def test_show_cell_draws_the_chart_then_a_legend_of_the_ops_it_uses():
    calls = []
    container = type("Recorder", (), {"__getattr__": lambda self, name: lambda *a, **k: calls.append((name, a, k))})()
    nb201 = registry.get_space("nb201")
    show_cell(nb201, nb201.parse(NB201_ARCH), container)
    assert [c[0] for c in calls] == ["html", "graphviz_chart", "markdown"]
    style, chart, legend = calls
    assert style[1][0].startswith("<style>") and 'text[font-size="16.00"] { font-size: 16px; }' in style[1][0]
    assert chart[1][0] == nb201.to_dot(nb201.parse(NB201_ARCH)) and chart[2]["alt"] == f"cell {NB201_ARCH}"
    html = legend[1][0]
    assert legend[2] == {"unsafe_allow_html": True}
    colours = nb201.colours()
    assert [op for op in nb201.op_names if f"({op})" in html] == ["skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    assert "none" in html and f"dashed {colours['none']}" in html  # none: its own colour, dashed
    assert all(colours[op] in html for op in nb201.op_names)


def test_the_legend_lists_only_the_ops_a_cell_uses():
    toy = registry.get_space("toy")
    html = legend_html(toy, toy.parse("conv-conv-id/000"))
    assert "</span>conv</span>" in html and "</span>id</span>" in html and "pool" not in html  # an op named as drawn: no brackets
    nb301 = registry.get_space("nb301")
    cell = _sample(nb301, 1)[0]
    html = legend_html(nb301, cell)
    assert all((f"({op})" in html) == (op in nb301.ops_in(cell)) for op in nb301.op_names)
    assert "no op" in html  # the dashed edges into the output


def test_show_cell_runs_in_streamlit():
    from streamlit.testing.v1 import AppTest

    def app():
        from crlso_app.cell_render import show_cell
        from crlso_core.catalog.registry import get_space

        nb201 = get_space("nb201")
        show_cell(nb201, nb201.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"))

    at = AppTest.from_function(app).run(timeout=60)
    assert not at.exception
    (chart,) = at.get("graphviz_chart")
    assert chart.proto.spec.startswith("digraph cell {")
    assert "nor_conv_3x3" in at.markdown[0].value


def _shape(label: str) -> str:
    """A label's form: each word (letters, digits) as w, the punctuation and spaces as they are."""
    return re.sub(r"\w+", "w", label)


def _runs(label: str) -> set[str]:
    """A label's pieces: runs of letters, runs of digits, single other characters."""
    return set(re.findall(r"[^\W\d_]+|\d+|[^\w\s]", label))


def test_every_space_explains_its_labels_with_a_real_example(space):
    assert isinstance(space.label_help, str) and 20 <= len(space.label_help) <= 600
    examples = re.findall(r"`([^`]+)`", space.label_help)
    assert examples, "label_help quotes an example label in backticks"
    labels = {space.label(c) for c in _sample(space, min(300, space.size or 300))}
    shapes, runs = {_shape(label) for label in labels}, set().union(*(_runs(label) for label in labels))
    real = [e for e in examples if _shape(e) in shapes and _runs(e) <= runs]
    assert real, (space.name, examples, sorted(labels)[:3])  # written as space.label writes its labels, from their pieces
    text = label_help_markdown(space)
    assert space.title in text and space.label_help in text


def test_the_examples_are_the_labels_of_known_cells():
    nb201, toy = registry.get_space("nb201"), registry.get_space("toy")
    assert f"`{nb201.label(nb201.parse(NB201_ARCH))}`" in nb201.label_help
    assert f"`{toy.label(toy.parse('conv-pool-id/101'))}`" in toy.label_help
    nb101 = registry.get_space("nb101")
    assert f"`{nb101.label(nb101.parse('adjacency=01/00 ops=input,output'))}`" in nb101.label_help


def test_a_space_without_label_help_shows_nothing(monkeypatch):
    monkeypatch.setattr(type(registry.get_space("toy")), "label_help", "")
    assert label_help_markdown(registry.get_space("toy")) == ""
    assert cell_render.label_help_markdown(registry.get_space("nb201"))
