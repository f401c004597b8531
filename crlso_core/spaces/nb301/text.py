"""NAS-Bench-301 genotypes as text: DARTS's Genotype(...) string, JSON, and NASLib's two
columns, read into cells and written back.

Read: Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...],
reduce_concat=[2, 3, 4, 5]) (fields by keyword or position, concat fields optional, as a
list or range(2, 6)), JSON {"normal": [["op", input], ...], "reduce": [...]}, or
[[normal pairs], [reduce pairs]]. Each node's two pairs may come in any order: a cell keeps
them by ascending input. A tiny parser reads the text (never eval); whatever is wrong is
one CRLSOError quoting the text. Written: the Genotype(...) string, canonical order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.spaces.nb301.cells import CONCAT, NODES, NUM_OPS, OP_INDEX, OPS, PAIR, SLOTS, Cell

FIELDS = ("normal", "normal_concat", "reduce", "reduce_concat")  # DARTS's Genotype, in order
MAX_TEXT = 5000  # characters; a genotype string has about 420
EXPECTED = (
    "Expected a DARTS genotype such as \"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], "
    "normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])\", or JSON "
    "{\"normal\": [[\"op\", input], ...], \"reduce\": [...]} or [[normal pairs], [reduce pairs]]: "
    "8 (op, input) pairs per cell, two per node, node k = 2..5 taking two different inputs from 0..k-1, "
    "ops from " + ", ".join(OPS) + "."
)
_PAIR_TEXT = {PAIR[op][inp]: f"('{OPS[op]}', {inp})" for op in range(NUM_OPS) for inp in range(NODES[-1])}


# --- the Genotype(...) string --------------------------------------------------------------------
def parse_genotype(text: str) -> Cell:
    """The cell a text spells (see the module docstring), or one CRLSOError quoting it."""
    if not isinstance(text, str):
        raise CRLSOError(f"A NAS-Bench-301 architecture must be a string, got {type(text).__name__}. {EXPECTED}")
    try:
        if len(text) > MAX_TEXT:
            raise _Bad(f"longer than {MAX_TEXT:,} characters")
        return _architecture(_Parser(text).document())
    except _Bad as bad:
        raise CRLSOError(f"Not a NAS-Bench-301 architecture ({bad}): {quoted(text)}. {EXPECTED}") from None


def format_genotype(cell: Cell) -> str:
    normal, reduce = (", ".join(map(_PAIR_TEXT.__getitem__, half)) for half in cell)
    return f"Genotype(normal=[{normal}], normal_concat=[2, 3, 4, 5], reduce=[{reduce}], reduce_concat=[2, 3, 4, 5])"


# --- NASLib's JSON columns ---------------------------------------------------------------------
def from_naslib(normal_json: str, reduce_json: str) -> Cell:
    """The cell of NASLib's genotype_normal and genotype_reduce columns, each a JSON list of
    8 ["op", input] pairs."""
    return _naslib_half(normal_json, "normal"), _naslib_half(reduce_json, "reduce")


def to_naslib(cell: Cell) -> tuple[str, str]:
    """The cell as NASLib's two JSON columns (canonical pair order)."""
    normal, reduce = ("[" + ", ".join(f'["{OPS[op]}", {inp}]' for op, inp in half) + "]" for half in cell)
    return normal, reduce


def _naslib_half(text: str, which: str) -> tuple:
    expected = (
        f"Expected NASLib's genotype_{which}: a JSON list of 8 [\"op\", input] pairs, two per node, "
        f"node k = 2..5 taking two different inputs from 0..k-1, ops from {', '.join(OPS)}."
    )
    if not isinstance(text, str):
        raise CRLSOError(f"A NAS-Bench-301 {which} cell must be a string, got {type(text).__name__}. {expected}")
    try:
        if len(text) > MAX_TEXT:
            raise _Bad(f"longer than {MAX_TEXT:,} characters")
        return _half(_Parser(text).document(), which)
    except _Bad as bad:
        raise CRLSOError(f"Not a NAS-Bench-301 {which} cell ({bad}): {quoted(text)}. {expected}") from None


# --- text -> cell --------------------------------------------------------------------------------
class _Bad(Exception):
    """Why a text is not an architecture; parse_genotype() and from_naslib() turn it into one CRLSOError."""


def _cut(value: object) -> str:
    """A piece of the text for a reason, short: the whole text is quoted beside it."""
    return quoted(value, 40)


@dataclass
class _Call:
    name: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)


# strings without escapes, small non-negative or negative ints, names, punctuation; ASCII only
_TOKEN = re.compile(r"""\s*(?:('[^'\\\n]*'|"[^"\\\n]*")|([+-]?\d{1,6})(?![\w.])|([A-Za-z_][\w.]*)|([()\[\]{},=:]))""", re.ASCII)
_MAX_DEPTH = 6  # Genotype( [ ( ... ) ] ) needs 3; deeper nesting is never an architecture


class _Parser:
    """A tiny recursive-descent reader of Python/JSON literals and calls: strings, ints,
    lists, tuples, {"key": value} objects and Name(arg, key=arg). Never eval: user text
    only ever becomes these values."""

    def __init__(self, text: str):
        self.tokens: list[tuple[str, object]] = []
        pos = 0
        while True:
            m = _TOKEN.match(text, pos)
            if m is None:
                rest = text[pos:].lstrip()
                if rest:
                    raise _Bad(f"unexpected {rest[0]!r} at character {len(text) - len(rest) + 1}")
                break
            pos = m.end()
            string, number, name, punct = m.groups()
            if string is not None:
                self.tokens.append(("str", string[1:-1]))
            elif number is not None:
                self.tokens.append(("int", int(number)))
            elif name is not None:
                self.tokens.append(("name", name))
            else:
                self.tokens.append((punct, punct))
        self.at = 0

    def document(self) -> object:
        if not self.tokens:
            raise _Bad("empty")
        value = self.value(0)
        if self.at != len(self.tokens):
            raise _Bad(f"unexpected {self._shown()} after the architecture")
        return value

    def _peek(self) -> str:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else "end"

    def _shown(self) -> str:
        return "end of text" if self.at >= len(self.tokens) else _cut(self.tokens[self.at][1])

    def _take(self, kind: str) -> object:
        if self._peek() != kind:
            raise _Bad(f"expected {kind!r}, found {self._shown()}")
        self.at += 1
        return self.tokens[self.at - 1][1]

    def value(self, depth: int) -> object:
        if depth > _MAX_DEPTH:
            raise _Bad("nested too deeply")
        kind = self._peek()
        if kind in ("str", "int"):
            return self._take(kind)
        if kind == "name":
            name = self._take("name")
            if self._peek() != "(":
                raise _Bad(f"unexpected name {_cut(name)}")
            return self._call(name, depth)
        if kind in ("[", "("):
            return self._items({"[": "]", "(": ")"}[kind], depth)
        if kind == "{":
            return self._object(depth)
        raise _Bad(f"unexpected {self._shown()}")

    def _sequence(self, close: str, one) -> None:
        """Items separated by commas up to `close`, a trailing comma allowed."""
        self.at += 1  # the opening bracket
        while self._peek() != close:
            one()
            if self._peek() != close:
                self._take(",")
        self.at += 1

    def _items(self, close: str, depth: int) -> list:
        items: list = []
        self._sequence(close, lambda: items.append(self.value(depth + 1)))
        return items

    def _object(self, depth: int) -> dict:
        entries: dict = {}

        def entry() -> None:
            key = self._take("str")
            self._take(":")
            if key in entries:
                raise _Bad(f"{_cut(key)} given twice")
            entries[key] = self.value(depth + 1)

        self._sequence("}", entry)
        return entries

    def _call(self, name: str, depth: int) -> _Call:
        call = _Call(name)

        def arg() -> None:
            if self._peek() == "name" and self.at + 1 < len(self.tokens) and self.tokens[self.at + 1][0] == "=":
                key = self._take("name")
                self.at += 1
                if key in call.kwargs:
                    raise _Bad(f"{_cut(key)} given twice")
                call.kwargs[key] = self.value(depth + 1)
            elif call.kwargs:
                raise _Bad(f"a positional argument after keywords in {_cut(name)}(...)")
            else:
                call.args.append(self.value(depth + 1))

        self._sequence(")", arg)
        return call


def _architecture(value: object) -> Cell:
    """The cell of a parsed Genotype(...), {"normal": ..., "reduce": ...} or [normal, reduce]."""
    if isinstance(value, _Call):
        if value.name.rsplit(".", 1)[-1] != "Genotype":
            raise _Bad(f"{value.name[:40]}(...) is not Genotype(...)")
        if len(value.args) > len(FIELDS):
            raise _Bad("Genotype(...) takes at most 4 fields")
        fields = dict(zip(FIELDS, value.args))
        for key, item in value.kwargs.items():
            if key in fields:
                raise _Bad(f"{key} given twice")
            fields[key] = item
    elif isinstance(value, dict):
        fields = value
    elif isinstance(value, list) and len(value) == 2:
        fields = {"normal": value[0], "reduce": value[1]}
    elif isinstance(value, list) and len(value) == SLOTS:
        raise _Bad("one cell's pairs alone; give both the normal and the reduction cell")
    else:
        raise _Bad("not a Genotype(...), a JSON object or a list of two cells")
    unknown = [key for key in fields if key not in FIELDS]
    if unknown:
        raise _Bad(f"unknown field {_cut(unknown[0])}")
    for which in ("normal", "reduce"):
        if which not in fields:
            raise _Bad(f"no {which} cell")
        concat = fields.get(f"{which}_concat")
        if concat is not None and _concat(concat) != list(CONCAT):
            raise _Bad(f"{which}_concat must be [2, 3, 4, 5]")
    return _half(fields["normal"], "normal"), _half(fields["reduce"], "reduce")


def _concat(value: object) -> object:
    """A concat field as a list: range(2, 6) spelled out (only when it is short)."""
    if isinstance(value, _Call) and value.name == "range":
        if value.kwargs or not 1 <= len(value.args) <= 3 or any(type(a) is not int for a in value.args) or value.args[2:] == [0]:
            return None
        spanned = range(*value.args)
        return list(spanned) if len(spanned) <= len(CONCAT) else None
    return value


def _half(value: object, which: str) -> tuple:
    if not isinstance(value, list):
        raise _Bad(f"the {which} cell is not a list of (op, input) pairs")
    if len(value) != SLOTS:
        raise _Bad(f"the {which} cell has {len(value)} pair{'s' * (len(value) != 1)}, not 8")
    pairs = []
    for slot, pair in enumerate(value):
        node = NODES[slot // 2]
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) and type(pair[1]) is int):
            raise _Bad(f"{which} pair {slot + 1} is not an (op, input) pair")
        op, inp = pair
        if op not in OP_INDEX:
            raise _Bad(f"unknown op {_cut(op)}")
        if not 0 <= inp < node:
            raise _Bad(f"{which} node {node} (pairs {slot // 2 * 2 + 1}-{slot // 2 * 2 + 2}) takes input {inp}, not one of 0..{node - 1}")
        pairs.append(PAIR[OP_INDEX[op]][inp])
    for s in range(0, SLOTS, 2):
        if pairs[s][1] == pairs[s + 1][1]:
            raise _Bad(f"{which} node {NODES[s // 2]} takes input {pairs[s][1]} twice")
        if pairs[s][1] > pairs[s + 1][1]:
            pairs[s], pairs[s + 1] = pairs[s + 1], pairs[s]
    return tuple(pairs)
