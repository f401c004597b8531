"""NB101's text forms (text.py, through NB101Space.parse, parse_many and format): the
one-line and JSON spellings, every spelling of a cell read as one canonical cell, pruning as
the official library prunes, and one clear error for any bad text."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.nb101.cells import canonical_cell, is_valid, module_hash
from crlso_core.spaces.nb101.space import NB101Cell
from crlso_core.spaces.nb101.text import EXPECTED
from tests.spaces.nb101.specs import CONV3, HASH, MATRIX, OPS_LIST, POOL, random_spec, relabellings, spec_json


# --- text form and identity ------------------------------------------------------------
def test_a_known_cell_prints_and_reads_back(nb101):
    cell = nb101.parse(spec_json(MATRIX, OPS_LIST))
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
    cell = nb101.parse(spec_json(MATRIX, OPS_LIST))
    one_line = "adjacency=" + "/".join("".join(map(str, row)) for row in MATRIX) + " ops=" + ",".join(OPS_LIST)
    spellings = [
        one_line,
        "  adjacency = " + one_line[10:].replace(" ops=", "   ops = ").replace(",", ", ") + "\n",  # spaces anywhere sensible
        spec_json(MATRIX, OPS_LIST, "adjacency"),
        spec_json(MATRIX, OPS_LIST, "module_adjacency", "module_operations"),
        str({"matrix": MATRIX, "ops": OPS_LIST}),  # a printed Python dict: single quotes
        json.dumps({"matrix": MATRIX, "ops": OPS_LIST}, indent=1),
    ]
    # with a dangling vertex added (fed by the input, feeding nothing): pruned away
    bigger = np.zeros((8, 8), dtype=int)
    bigger[:7, :7] = MATRIX
    bigger[:, 7], bigger[:, 6] = bigger[:, 6], 0
    bigger[0, 6] = 1
    spellings.append(spec_json(bigger, OPS_LIST[:-1] + [POOL, "output"]))
    relabelled = list(relabellings(MATRIX, OPS_LIST))
    assert len(relabelled) > 2
    spellings += [spec_json(m, o) for m, o in relabelled]
    assert {nb101.parse(s) for s in spellings} == {cell}
    assert {nb101.format(nb101.parse(s)) for s in spellings} == {nb101.format(cell)}
    assert nb101.parse_many(spellings) == [cell] * len(spellings)


def test_the_canonical_form_is_the_reference_one_and_parse_prunes_as_the_official_library(nb101):
    rng = random.Random(0)
    seen = 0
    for _ in range(400):
        matrix, ops = random_spec(rng, rng.choice([3, 5, 7, 7, 7]), rng.choice([0.3, 0.5]))
        spec = spec_json(matrix, ops)
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
    m, o = next(iter(relabellings(*nb101.spec(cells[0]))))
    if (m.tolist(), o) == nb101.spec(cells[0]):
        m, o = list(relabellings(*nb101.spec(cells[0])))[-1]
    odd = "adjacency=" + "/".join("".join(map(str, row)) for row in m) + " ops=" + ",".join(o)
    dangling = "adjacency=0110/0001/0000/0000 ops=input,conv3x3-bn-relu,maxpool3x3,output"  # vertex 2 feeds nothing
    assert nb101.parse_many([odd, dangling]) == [nb101.parse(odd), nb101.parse(dangling)]
    assert nb101.parse_many([odd])[0] == cells[0]
    assert nb101.format(nb101.parse(dangling)) == "adjacency=010/001/000 ops=input,conv3x3-bn-relu,output"
    with pytest.raises(CRLSOError, match="does not reach its output"):
        nb101.parse_many(texts[:3] + ["adjacency=010/000/000 ops=input,maxpool3x3,output"])


@pytest.mark.parametrize(
    "bad, reason",
    [
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
        (
            "adjacency="
            + "/".join("0" * i + "1" + "0" * (7 - i) for i in range(1, 8))
            + "/00000000 ops=input,"
            + ",".join([CONV3] * 6)
            + ",output",
            "8 vertices lie on input-output paths, more than 7",
        ),
        (
            "adjacency=0111111/0011111/0001111/0000111/0000011/0000001/0000000 ops=input," + ",".join([CONV3] * 5) + ",output",
            "21 edges lie on input-output paths, more than 9",
        ),
        ('{"matrix": [[0, 1], [0, 0]]}', "no ops given"),
        ('{"matrix": [[0, 1], [0, 0]], "adjacency": [[0, 1], [0, 0]], "ops": ["input", "output"]}', "an adjacency given twice"),
        ('{"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"], "hash": "x"}', "unknown key 'hash'"),
        ('{"matrix": [[0, 1.0], [0, 0]], "ops": ["input", "output"]}', r"entry \[0\]\[1\] is 1.0, not 0 or 1"),
        ('{"matrix": [[0, true], [0, 0]], "ops": ["input", "output"]}', "not 0 or 1"),
        ('{"matrix": "0110", "ops": ["input", "output"]}', "not a list of rows"),
        ('{"matrix": [[0, 1], [0, 0]], "ops": "input output"}', "not a list of names"),
        ("[[0, 1], [0, 0]]", "not a JSON object"),
        ('{"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]', "not valid JSON"),
        ("[" * 5000 + "]" * 5000, "not valid JSON"),
        ("x" * 30_000, "longer than 20,000 characters"),
    ],
)
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
