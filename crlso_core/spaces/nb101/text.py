"""NAS-Bench-101 cells as text: reading a spec someone pasted, writing the canonical one.

Two spellings are read:
- the one-line form this project writes, rows of the adjacency split by '/' and the ops
  by ',':
      adjacency=0110000/0001000/.../0000000 ops=input,conv3x3-bn-relu,...,output
- JSON (or the Python dict a print() shows) as the official API and NASLib hold a spec:
      {"matrix": [[0, 1, ...], ...], "ops": ["input", ..., "output"]}
  with "adjacency" or "module_adjacency" for "matrix" and "module_operations" for "ops".

Either may be any spec of up to 32 vertices: it is pruned as the official library prunes
it, then it must connect input to output within 7 vertices and 9 edges. Official module
hashes are not read here; the benchmark looks them up.
"""

from __future__ import annotations

import ast
import json
import re
from functools import lru_cache
from typing import Optional, Sequence

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.spaces.nb101.cells import (
    INPUT,
    MAX_EDGES,
    MAX_SPEC_VERTICES,
    MAX_VERTICES,
    OP_INDEX,
    OPS,
    OUTPUT,
    ListSpec,
    prune,
)

MAX_TEXT = 20_000  # characters; a 7-vertex spec is about 160 on one line, ~600 as indented JSON
ADJACENCY_KEYS = ("matrix", "adjacency", "module_adjacency")
OPS_KEYS = ("ops", "module_operations")
_ONE_LINE = re.compile(r"\s*adjacency\s*=\s*(\S+)\s+ops\s*=\s*(.*?)\s*", re.ASCII | re.DOTALL)
EXPECTED = (
    "Expected 'adjacency=0110000/0001000/.../0000000 ops=input,conv3x3-bn-relu,...,output' (the rows of an "
    "upper-triangular 0/1 matrix split by '/', vertex 0 the input, the last the output) or JSON "
    "{\"matrix\": [[0, 1, ...], ...], \"ops\": [\"input\", ..., \"output\"]}, middle ops from "
    f"{', '.join(OPS)}, at most {MAX_VERTICES} vertices and {MAX_EDGES} edges once vertices on no input-output path are pruned."
)

class Bad(Exception):
    """Why a text is not a cell; parse() turns it into one CRLSOError."""


def error(text: object, reason: str) -> CRLSOError:
    return CRLSOError(f"Not a NAS-Bench-101 cell ({reason}): {quoted(text)}. {EXPECTED}")


def pruned_spec(text: str) -> ListSpec:
    """The pruned spec (own frame: at most 7 vertices and 9 edges) a text spells, or a
    CRLSOError quoting it and saying why it is none."""
    if not isinstance(text, str):
        raise CRLSOError(f"A NAS-Bench-101 cell must be a string, got {type(text).__name__}. {EXPECTED}")
    try:
        if len(text) > MAX_TEXT:
            raise Bad(f"longer than {MAX_TEXT:,} characters")
        matrix, ops = _spec(text)
        _check(matrix, ops)
        cell = prune(matrix, ops)
        if cell is None:
            raise Bad("its input does not reach its output")
        kept, kept_ops = cell
        if len(kept) > MAX_VERTICES:
            raise Bad(f"{len(kept)} vertices lie on input-output paths, more than {MAX_VERTICES}")
        if int(kept.sum()) > MAX_EDGES:
            raise Bad(f"{int(kept.sum())} edges lie on input-output paths, more than {MAX_EDGES}")
    except Bad as bad:
        raise error(text, str(bad)) from None
    return kept.tolist(), kept_ops


def _spec(text: str) -> ListSpec:
    stripped = text.strip()
    if not stripped:
        raise Bad("empty")
    if stripped[0] in "{[":
        return _from_object(_literal(stripped))
    match = _ONE_LINE.fullmatch(text)
    if match is None:
        raise Bad("neither 'adjacency=... ops=...' nor a JSON object")
    rows, ops = match.groups()
    matrix = []
    for i, row in enumerate(rows.split("/")):
        if not row or set(row) - {"0", "1"}:
            raise Bad(f"adjacency row {i + 1} is {quoted(row, 30)}, not a string of 0s and 1s")
        matrix.append([int(c) for c in row])
    return matrix, [op.strip() for op in ops.split(",")]


def _literal(text: str) -> object:
    """JSON, else a Python literal (a printed dict has single quotes); never eval."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise Bad("not valid JSON") from None


def _from_object(value: object) -> ListSpec:
    if not isinstance(value, dict):
        raise Bad("not a JSON object with a matrix and ops")
    unknown = [key for key in value if key not in ADJACENCY_KEYS + OPS_KEYS]
    if unknown:
        raise Bad(f"unknown key {quoted(unknown[0], 30)}")
    found = [[key for key in keys if key in value] for keys in (ADJACENCY_KEYS, OPS_KEYS)]
    for keys, what in zip(found, ("an adjacency", "ops")):
        if len(keys) != 1:
            raise Bad(f"no {what} given" if not keys else f"{what} given twice ({', '.join(keys)})")
    return value[found[0][0]], value[found[1][0]]


def _check(matrix: object, ops: object) -> None:
    """Bad unless matrix is a square upper-triangular 0/1 list of lists and ops one name
    per vertex, input first, output last."""
    if not (isinstance(matrix, list) and all(isinstance(row, list) for row in matrix)):
        raise Bad("the adjacency is not a list of rows")
    size = len(matrix)
    if not 2 <= size <= MAX_SPEC_VERTICES:
        raise Bad(f"the adjacency has {size} rows, not 2 to {MAX_SPEC_VERTICES}")
    for i, row in enumerate(matrix):
        if len(row) != size:
            raise Bad(f"adjacency row {i + 1} has {len(row)} entries, not {size}: the matrix must be square")
        for j, entry in enumerate(row):
            if type(entry) is not int or entry not in (0, 1):
                raise Bad(f"adjacency entry [{i}][{j}] is {quoted(entry, 20)}, not 0 or 1")
            if entry and j <= i:
                raise Bad(f"adjacency entry [{i}][{j}] is 1 but the matrix must be upper-triangular (zero on and below the diagonal)")
    if not (isinstance(ops, list) and all(isinstance(op, str) for op in ops)):
        raise Bad("the ops are not a list of names")
    if len(ops) != size:
        raise Bad(f"{len(ops)} ops for {size} vertices")
    if ops[0] != INPUT or ops[-1] != OUTPUT:
        raise Bad("the ops must start with 'input' and end with 'output'")
    for i, op in enumerate(ops[1:-1], start=1):
        if op not in OP_INDEX:
            raise Bad(f"op {i} is {quoted(op, 30)}, not one of {', '.join(OPS)}")


# --- the canonical one-line form, fast both ways ---------------------------------------
_ROWS_CACHE: dict[str, Optional[tuple[int, int]]] = {}  # adjacency text -> (V, bits), None if not canonical-looking
_OPS_CACHE: dict[str, Optional[tuple[int, int]]] = {}  # ops text -> (V, op code)
_CACHE_LIMIT = 200_000  # entries each: canonical texts have a few thousand; odd spellings are not all kept


def format_cell(vertices: int, bits: int, code: int) -> str:
    return f"adjacency={adjacency_text(vertices, bits)} ops={ops_text(vertices, code)}"


@lru_cache(maxsize=16_384)  # pools repeat a few thousand topologies
def adjacency_text(vertices: int, bits: int) -> str:
    return "/".join(
        "".join("1" if x < y and (bits >> (x + y * (y - 1) // 2)) & 1 else "0" for y in range(vertices)) for x in range(vertices)
    )


@lru_cache(maxsize=1_024)  # 364 op strings in all
def ops_text(vertices: int, code: int) -> str:
    middle = [OPS[(code // 3 ** (vertices - 3 - i)) % 3] for i in range(vertices - 2)]
    return ",".join([INPUT, *middle, OUTPUT])


def quick_parts(text: object) -> Optional[tuple[int, int, int]]:
    """(V, bits, op code) read straight off a text written exactly as format_cell writes a
    cell of at most 7 vertices, or None for any other text. It does not check that the
    cell is pruned or canonical: the caller checks that for many texts at once."""
    if not isinstance(text, str) or not text.startswith("adjacency=") or len(text) > 300:
        return None
    rows, _, ops = text[10:].partition(" ops=")
    adjacency = _cached(_ROWS_CACHE, rows, _rows)
    named = _cached(_OPS_CACHE, ops, _ops)
    if adjacency is None or named is None or adjacency[0] != named[0]:
        return None
    return adjacency[0], adjacency[1], named[1]


def _cached(cache: dict, key: str, read) -> Optional[tuple[int, int]]:
    try:
        return cache[key]
    except KeyError:
        value = read(key)
        if len(cache) < _CACHE_LIMIT:
            cache[key] = value
        return value


def _rows(text: str) -> Optional[tuple[int, int]]:
    rows = text.split("/")
    size = len(rows)
    if not 2 <= size <= MAX_VERTICES or any(len(row) != size or row.strip("01") for row in rows):
        return None
    bits = 0
    for x, row in enumerate(rows):
        if "1" in row[: x + 1]:
            return None
        for y in range(x + 1, size):
            if row[y] == "1":
                bits |= 1 << (x + y * (y - 1) // 2)
    return size, bits


def _ops(text: str) -> Optional[tuple[int, int]]:
    names = text.split(",")
    if len(names) < 2 or names[0] != INPUT or names[-1] != OUTPUT:
        return None
    code = 0
    for name in names[1:-1]:
        if name not in OP_INDEX:
            return None
        code = 3 * code + OP_INDEX[name]
    return len(names), code


def spec_parts(matrix: Sequence[Sequence[int]], ops: Sequence[str]) -> tuple[int, int, list[int]]:
    """(V, packed bits, middle op indices) of a pruned own-frame spec."""
    size = len(matrix)
    bits = sum(1 << (x + y * (y - 1) // 2) for y in range(size) for x in range(y) if matrix[x][y])
    return size, bits, [OP_INDEX[op] for op in ops[1:-1]]
