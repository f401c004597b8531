"""Reading a benchmark table file without trusting it: a file cut short, a row without all
its columns, a value that is not a number or lies outside its range is refused with a
message that names the file, the line and the column, before any run uses it."""

from __future__ import annotations

import csv
import io
import math
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

from crlso_core.benchmarks.data_dir import open_text
from crlso_core.common.errors import CRLSOError, quoted

MAX_TABLE_BYTES = 256 * 2**20  # NB201's table is 2.4 MB, NB101's 30k table about 6 MB


def read_rows(path: Path, columns: Sequence[str], fix: str) -> list[dict[str, str]]:
    """Every row of a CSV table, each with every column; `fix` says what to do about a bad file."""
    try:
        with open_text(path) as f:
            text = f.read(MAX_TABLE_BYTES + 1)
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        raise CRLSOError(f"{path} cannot be read as a table ({str(exc)[:120]}). {fix}") from None
    if len(text) > MAX_TABLE_BYTES:
        raise CRLSOError(f"{path} is larger than any benchmark table ({MAX_TABLE_BYTES:,} characters). {fix}")
    if text and not text.endswith("\n"):  # a cut-off last row can still parse ('28.x' read as '2')
        raise CRLSOError(f"{path} ends in the middle of line {text.count(chr(10)) + 1}: the file was cut short. {fix}")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise CRLSOError(f"{path} has no column {missing[0]!r}. {fix}")
    rows = []
    try:
        for row in reader:
            if None in row or any(row.get(c) in (None, "") for c in columns):
                empty = next((c for c in columns if row.get(c) in (None, "")), "a column")
                raise CRLSOError(f"{path}, line {reader.line_num}: {empty} is missing or the row has extra fields. {fix}")
            rows.append(row)
    except csv.Error as exc:
        raise CRLSOError(f"{path}, line {reader.line_num}: not CSV ({exc}). {fix}") from None
    return rows


def where(i: int) -> str:
    """Row i (from 0) of a table with one header line, as a reader counts it."""
    return f"row {i + 1} (line {i + 2})"


def number_column(path: Path, rows: list[dict[str, str]], name: str, low: float, high: float, fix: str,
                  integer: bool = False) -> np.ndarray:
    """One column as numbers, each finite and within [low, high]."""
    texts = [row[name] for row in rows]
    try:  # the usual case in one step; a bad value is then found row by row, for the message
        values = np.array(texts, dtype=np.float64)
        if np.isfinite(values).all() and (values >= low).all() and (values <= high).all() and \
                (not integer or (values == np.round(values)).all() and all(t.lstrip("-").isdigit() for t in texts)):
            return values.astype(np.int64) if integer else values
    except ValueError:
        pass
    values = np.empty(len(rows), dtype=np.int64 if integer else np.float64)
    for i, row in enumerate(rows):
        text = row[name]
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise CRLSOError(
                f"{path}, {where(i)}: {name} is {quoted(text, 40)}, not {'an integer' if integer else 'a number'}. {fix}"
            ) from None
        if not (math.isfinite(value) and low <= value <= high):
            raise CRLSOError(f"{path}, {where(i)}: {name} is {quoted(text, 40)}, outside {low:g} to {high:g}. {fix}")
        values[i] = value
    return values  # not reached for a bad column: the loop raises at its first bad row
