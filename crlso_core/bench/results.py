"""The bench's three files (results.csv, curves.csv, reconstruction.csv): their columns, and
the one reader the bench, its report and tools/make_report.py all use.

Every row says what produced it: `preset`, `rule` and `settings`, a short id of the method's
resolved RunConfig (seed, dataset, budget and device left out, so all runs of one method
share it). Baselines train nothing: their preset and rule are empty and their id hashes
the method's name alone. Rows written before these columns existed read as empty strings;
an empty `settings` is how the report knows a row came from an earlier bench.

The reader checks each value once (whole numbers via int(), accuracies as finite floats or
empty) and keeps the cells as written, so a copy of a row is the row that was read. A bad
value is one CRLSOError naming the file, line and column, raised before any caller has
written anything. The file is opened without following a link (bench/folder.py). A row
repeated under the same key (a bench of an earlier version run with `--seeds 0,0`) is read
once, the first kept, so nothing is counted twice; `Rows.dropped` says how many were left
out, so that a resume can write the file back without them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from crlso_core.bench.folder import read_own
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import MAX_CSV_BYTES
from crlso_core.search.origins import ORIGINS

PRODUCED_BY = ["preset", "rule", "settings"]
# latent methods: the share of search queries (after the labelled set, up to the budget) that
# were latent moves, and how many came from each origin (search/origins.py); empty for baselines
ORIGIN_COLUMNS = [f"from_{kind}" for kind in ORIGINS]
RESULT_COLUMNS = [
    "method", "dataset", "seed", "budget", "best_arch", "best_valid_acc", "best_test_acc",
    "found_valid_optimum", "queries_to_best", "labelled", "wall_s", "latent_share", *ORIGIN_COLUMNS, *PRODUCED_BY,
]
CURVE_COLUMNS = ["method", "dataset", "seed", "queries", "best_valid_acc", "best_test_acc", *PRODUCED_BY]
# latent methods: how well the G-VAE they searched decodes its pool and cells it never saw
RECON_COLUMNS = ["method", "dataset", "seed", "recon_pool", "recon_heldout", *PRODUCED_BY]

DROPPED_FROM_ID = ("seed", "dataset", "budget", "device")  # what differs between runs of one setting


def settings_id(config: dict) -> str:
    """10 hex digits naming a resolved RunConfig (its to_dict()) up to seed, dataset, budget, device."""
    kept = {k: v for k, v in config.items() if k not in DROPPED_FROM_ID}
    return hashlib.sha1(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:10]


def baseline_settings_id(method: str) -> str:
    """A baseline has no config: its id names the method, so its rows never look 'earlier'."""
    return hashlib.sha1(method.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Produced:
    """What produced a row: the key a resume and the report tell runs apart by."""

    method: str
    preset: str
    rule: str
    settings: str


@dataclass
class _Row:
    method: str
    dataset: str
    seed: int
    preset: str
    rule: str
    settings: str
    cells: dict = field(repr=False, compare=False)  # every column as written ("" where missing)

    @property
    def produced(self) -> Produced:
        return Produced(self.method, self.preset, self.rule, self.settings)


@dataclass
class ResultRow(_Row):
    budget: int = 0
    best_valid_acc: float = 0.0
    best_test_acc: Optional[float] = None  # None: the benchmark has no test accuracy
    found_valid_optimum: Optional[int] = None  # None: its optimum is not known
    queries_to_best: Optional[int] = None
    labelled: int = 0
    latent_share: Optional[float] = None  # baselines, and latent rows from before it was recorded


@dataclass
class CurveRow(_Row):
    queries: int = 0
    best_valid_acc: float = 0.0
    best_test_acc: Optional[float] = None


@dataclass
class ReconRow(_Row):
    recon_pool: float = 0.0
    recon_heldout: Optional[float] = None  # None: the pool is the whole space


class _Cell:
    """Reads one row's cells, naming the file, line and column of a bad one."""

    def __init__(self, path: Path, line: int, row: dict):
        self.path, self.line, self.row = path, line, row

    def bad(self, column: str, what: str):
        value = self.row.get(column)
        return CRLSOError(f"{self.path}, line {self.line}, column {column!r}: {value!r} is not {what}; "
                          "the file was left as it is: fix that cell or move the file aside.")

    def text(self, column: str, required: bool = False) -> str:
        value = (self.row.get(column) or "").strip()
        if required and not value:
            raise self.bad(column, "a name")
        return value

    def whole(self, column: str, optional: bool = False) -> Optional[int]:
        value = self.text(column)
        if optional and not value:
            return None
        if not (value.isascii() and value.isdigit()):  # int() would take '٣', '1_0' or ' -1'
            raise self.bad(column, "a whole number of 0 or more")
        return int(value)

    def real(self, column: str, optional: bool = False) -> Optional[float]:
        value = self.text(column)
        if optional and not value:
            return None
        try:
            number = float(value) if value.isascii() and "_" not in value else math.nan  # float() takes '٣.٥' and '1_0'
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise self.bad(column, "a number" + (" or empty" if optional else ""))
        return number


class Rows(list):
    """A file's rows, each key once; `dropped`: the lines read but left out (repeats, a cut
    last line); `columns`: its header as written (None: no file)."""

    dropped: int = 0
    columns: Optional[list[str]] = None


def _text(path: Path, required: tuple[str, ...], cut_tail: bool) -> tuple[Optional[csv.DictReader], int]:
    """The file's rows as dicts (None when there is no file), and how many cut lines were
    left out: with `cut_tail`, a last line without its line end (a write stopped by a full
    disk in a bench of an earlier version) is left out rather than read as a row."""
    data = read_own(path, MAX_CSV_BYTES)
    if data is None:
        return None, 0
    cut = 0
    if cut_tail and b"\n" in data and not data.endswith(b"\n"):  # a whole header, then a row cut short
        data, cut = data[: data.rfind(b"\n") + 1], 1
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise CRLSOError(f"{path} is not a bench file: it has no column {missing[0]!r}; "
                             "the file was left as it is: move it aside.")
        return reader, cut
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CRLSOError(f"{path} is corrupt ({str(exc)[:120]}); the file was left as it is: move it aside.") from None


def _read(path: Path, columns: list[str], required: tuple[str, ...], build, key, cut_tail: bool = False) -> Rows:
    reader, cut = _text(Path(path), required, cut_tail)
    rows, seen = Rows(), set()
    rows.dropped, rows.columns = cut, list(reader.fieldnames or []) if reader is not None else None
    for line, raw in enumerate(_rows_of(path, reader), start=2):  # line 1 is the header
        cells = {c: raw.get(c) or "" for c in columns} | {k: v for k, v in raw.items() if k and k not in columns}
        cell = _Cell(Path(path), line, cells)
        common = dict(method=cell.text("method", True), dataset=cell.text("dataset", True), seed=cell.whole("seed"),
                      preset=cell.text("preset"), rule=cell.text("rule"), settings=cell.text("settings"), cells=cells)
        row = build(cell, common)
        if key(row) in seen:
            rows.dropped += 1  # a repeat: every value was checked, the first row is the one kept
            continue
        seen.add(key(row))
        rows.append(row)
    return rows


def _rows_of(path: Path, reader: Optional[csv.DictReader]):
    try:
        yield from reader or []
    except csv.Error as exc:
        raise CRLSOError(f"{path} is corrupt ({str(exc)[:120]}); the file was left as it is: move it aside.") from None


def _run_key(row: _Row) -> tuple:
    return (row.method, row.dataset, row.seed, row.preset, row.rule, row.settings)


def read_results(path: Path, cut_tail: bool = False) -> Rows:
    """results.csv's rows, checked, each (run, budget) once; [] when there is no file. Bad
    values: one CRLSOError. `cut_tail`: leave out a last line without its line end."""
    def build(c: _Cell, common: dict) -> ResultRow:
        return ResultRow(**common, budget=c.whole("budget"), best_valid_acc=c.real("best_valid_acc"),
                         best_test_acc=c.real("best_test_acc", True), found_valid_optimum=c.whole("found_valid_optimum", True),
                         queries_to_best=c.whole("queries_to_best", True), labelled=c.whole("labelled", True) or 0,
                         latent_share=c.real("latent_share", True))

    return _read(path, RESULT_COLUMNS, ("method", "dataset", "seed", "budget", "best_valid_acc"), build,
                 lambda r: (*_run_key(r), r.budget), cut_tail)


def read_curves(path: Path, cut_tail: bool = False) -> Rows:
    """curves.csv's rows, checked, each (run, queries) once."""
    def build(c: _Cell, common: dict) -> CurveRow:
        return CurveRow(**common, queries=c.whole("queries"), best_valid_acc=c.real("best_valid_acc"),
                        best_test_acc=c.real("best_test_acc", True))

    return _read(path, CURVE_COLUMNS, ("method", "dataset", "seed", "queries", "best_valid_acc"), build,
                 lambda r: (*_run_key(r), r.queries), cut_tail)


def read_reconstruction(path: Path, cut_tail: bool = False) -> Rows:
    """reconstruction.csv's rows, checked, each run once."""
    def build(c: _Cell, common: dict) -> ReconRow:
        return ReconRow(**common, recon_pool=c.real("recon_pool"), recon_heldout=c.real("recon_heldout", True))

    return _read(path, RECON_COLUMNS, ("method", "dataset", "seed", "recon_pool"), build, _run_key, cut_tail)
