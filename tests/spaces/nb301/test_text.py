"""NB301 genotypes as text (text.py, through NB301Space.parse and format, and NASLib's
columns): NASLib's 500 rows, every spelling of a cell, and one error quoting any malformed
text."""

import csv
import json

import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.nb301.space import NB301Space
from crlso_core.spaces.nb301.text import from_naslib, to_naslib
from tests.data import NB301_NASLIB_500 as CSV
from tests.spaces.nb301.genotypes import FIRST, FIRST_TEXT, NORMAL_JSON, REDUCE_JSON, genotype_text, named


# --- text forms ---------------------------------------------------------------------------
def test_the_csv_row_parses_alike_in_every_form(nb301):
    normal, reduce = json.loads(NORMAL_JSON), json.loads(REDUCE_JSON)
    forms = [
        genotype_text(normal, reduce),  # the DARTS string in NASLib's (unsorted) order
        genotype_text(normal, reduce, quote='"', concat="range(2, 6)"),
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
        normal, reduce = named(cell[0]), named(cell[1])
        swapped = [[half[k ^ 1] for k in range(8)] for half in (normal, reduce)]  # each node's two pairs swapped
        spellings = [
            genotype_text(*swapped),
            genotype_text(normal, swapped[1], quote='"', concat="range(2, 6)"),
            genotype_text(*swapped).replace(", ", ",\n    ").replace("])", ",],)"),  # line breaks and trailing commas
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
        genotype_text(_with(GOOD_N, 3, ["conv_3x3", 1]), GOOD_N),  # unknown op
        genotype_text(GOOD_N, _with(GOOD_N, 1, ["sep_conv_3x3", 2])),  # node 2 takes only 0 or 1
        genotype_text(_with(GOOD_N, 1, ["sep_conv_3x3", 0]), GOOD_N),  # node 2 takes input 0 twice
        genotype_text(GOOD_N, _with(GOOD_N, 7, ["sep_conv_3x3", -1])),  # negative input
        genotype_text(GOOD_N[:7], GOOD_N),  # 7 pairs
        genotype_text(GOOD_N + [["skip_connect", 2]], GOOD_N),  # 9 pairs
        genotype_text(GOOD_N, GOOD_N, concat="[2, 3, 4]"),
        genotype_text(GOOD_N, GOOD_N, concat="range(0, 100000)"),
        genotype_text(GOOD_N, GOOD_N) + ")",  # unbalanced
        genotype_text(GOOD_N, GOOD_N).replace("reduce=", "reduction="),  # unknown field
        genotype_text(GOOD_N, GOOD_N).replace("Genotype", "Phenotype"),
        f"Genotype(normal={json.dumps(GOOD_N)})",  # no reduce cell
        json.dumps(GOOD_N),  # one cell alone
        json.dumps({"normal": GOOD_N, "reduce": GOOD_N, "normal": GOOD_N}).replace('"reduce"', '"normal"'),  # noqa: F601 (key twice)
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
