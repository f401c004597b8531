"""The bench's three files (results.csv, curves.csv, reconstruction.csv): their typed rows,
their columns, and the one reader and one writer of each that the bench, its report and
tools/make_report.py all use. Column names are spelled here only: a row to write is made by
result_cells, curve_cells or recon_cells, whose keywords are the columns.

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
out, so that a resume can write the file back without them. The writers check each row as
the reader would before a byte is written, so the bench never writes a row it cannot read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from crlso_core.bench.folder import CURVES, RECON, RESULTS, append_whole, read_own
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import MAX_CSV_BYTES, csv_bytes, write_csv
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
    best_arch: str = ""  # the best cell as its space writes it (a folder without plan.json is checked by these)
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

    def __init__(self, path: Path, where: str, row: dict):
        self.path, self.where, self.row = path, where, row  # where: "line 5", or "row 2 to write"

    def bad(self, column: str, what: str):
        value = self.row.get(column)
        return CRLSOError(f"{self.path}, {self.where}, column {column!r}: {value!r} is not {what}; "
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


def _common(cell: _Cell) -> dict:
    return dict(method=cell.text("method", True), dataset=cell.text("dataset", True), seed=cell.whole("seed"),
                preset=cell.text("preset"), rule=cell.text("rule"), settings=cell.text("settings"), cells=cell.row)


def _run_key(row: _Row) -> tuple:
    return (row.method, row.dataset, row.seed, row.preset, row.rule, row.settings)


@dataclass(frozen=True)
class FileKind:
    """One of the bench's files: its name in a bench folder, its columns, the columns a
    file of this kind cannot lack, how a row is typed and what makes two rows the same."""

    name: str
    columns: list[str]
    required: tuple[str, ...]
    build: Callable[[_Cell], _Row]
    key: Callable[[_Row], tuple]

    def cells(self, raw: dict) -> dict:
        """Every column ("" where missing), then any column a later version added, as written."""
        return {c: raw.get(c) or "" for c in self.columns} | {k: v for k, v in raw.items() if k and k not in self.columns}


RESULT_FILE = FileKind(
    RESULTS, RESULT_COLUMNS, ("method", "dataset", "seed", "budget", "best_valid_acc"),
    lambda c: ResultRow(**_common(c), budget=c.whole("budget"), best_arch=c.text("best_arch"), best_valid_acc=c.real("best_valid_acc"),
                        best_test_acc=c.real("best_test_acc", True), found_valid_optimum=c.whole("found_valid_optimum", True),
                        queries_to_best=c.whole("queries_to_best", True), labelled=c.whole("labelled", True) or 0,
                        latent_share=c.real("latent_share", True)),
    lambda r: (*_run_key(r), r.budget))
CURVE_FILE = FileKind(
    CURVES, CURVE_COLUMNS, ("method", "dataset", "seed", "queries", "best_valid_acc"),
    lambda c: CurveRow(**_common(c), queries=c.whole("queries"), best_valid_acc=c.real("best_valid_acc"),
                       best_test_acc=c.real("best_test_acc", True)),
    lambda r: (*_run_key(r), r.queries))
RECON_FILE = FileKind(
    RECON, RECON_COLUMNS, ("method", "dataset", "seed", "recon_pool"),
    lambda c: ReconRow(**_common(c), recon_pool=c.real("recon_pool"), recon_heldout=c.real("recon_heldout", True)),
    _run_key)


def read(kind: FileKind, path: Path, cut_tail: bool = False) -> Rows:
    """The file's rows, checked, each key once; [] when there is no file. A bad value or a
    foreign header: one CRLSOError naming the file, line and column. `cut_tail`: leave out
    a last line without its line end."""
    reader, cut = _text(Path(path), kind.required, cut_tail)
    rows, seen = Rows(), set()
    rows.dropped, rows.columns = cut, list(reader.fieldnames or []) if reader is not None else None
    for line, raw in enumerate(_rows_of(path, reader), start=2):  # line 1 is the header
        row = kind.build(_Cell(Path(path), f"line {line}", kind.cells(raw)))
        if kind.key(row) in seen:
            rows.dropped += 1  # a repeat: every value was checked, the first row is the one kept
            continue
        seen.add(kind.key(row))
        rows.append(row)
    return rows


def _rows_of(path: Path, reader: Optional[csv.DictReader]):
    try:
        yield from reader or []
    except csv.Error as exc:
        raise CRLSOError(f"{path} is corrupt ({str(exc)[:120]}); the file was left as it is: move it aside.") from None


def read_results(path: Path, cut_tail: bool = False) -> Rows:
    return read(RESULT_FILE, path, cut_tail)


def read_curves(path: Path, cut_tail: bool = False) -> Rows:
    return read(CURVE_FILE, path, cut_tail)


def read_reconstruction(path: Path, cut_tail: bool = False) -> Rows:
    return read(RECON_FILE, path, cut_tail)


@dataclass
class BenchRows:
    """A bench's three files, each read and checked once (a report reads nothing else)."""

    results: Rows
    curves: Rows
    recon: Rows

    @classmethod
    def of_folder(cls, folder: Path, cut_tail: bool = False) -> "BenchRows":
        return cls.of_files(*(Path(folder) / k.name for k in (RESULT_FILE, CURVE_FILE, RECON_FILE)), cut_tail=cut_tail)

    @classmethod
    def of_files(cls, results: Path, curves: Path, recon: Path, cut_tail: bool = False) -> "BenchRows":
        """Files named otherwise (the committed <space>.csv, <space>_curves.csv, ...)."""
        return cls(read(RESULT_FILE, results, cut_tail), read(CURVE_FILE, curves, cut_tail), read(RECON_FILE, recon, cut_tail))

    @classmethod
    def side_by_side(cls, benches: list["BenchRows"], names: list) -> "BenchRows":
        """Several benches' rows in one report, each run once. A run two of them hold with
        the same outcome is one run stored twice (a baseline, which depends on its seed
        alone, rerun beside each preset's methods): it is kept once. The same run with
        another outcome would count twice: one CRLSOError naming both (`names`: where each
        bench is)."""
        kept: list[Rows] = []
        for kind, field_name in ((RESULT_FILE, "results"), (CURVE_FILE, "curves"), (RECON_FILE, "recon")):
            rows, seen = Rows(), {}
            for i, bench in enumerate(benches):
                for r in getattr(bench, field_name):
                    first = seen.setdefault(kind.key(r), (i, r))
                    if first[1] is r:
                        rows.append(r)
                    elif _outcome(first[1]) != _outcome(r):
                        raise CRLSOError(f"{names[first[0]]} and {names[i]} both hold {r.method} {r.dataset} seed {r.seed}"
                                         f"{_where(r)} [{r.preset}, {r.rule}, {r.settings}] with different outcomes; report "
                                         "benches that ran different runs.")
            kept.append(rows)
        return cls(*kept)


def _outcome(row: _Row) -> dict:
    """What a run found, as written: every cell but its wall time (a rerun's clock differs)."""
    return {k: v for k, v in row.cells.items() if k != "wall_s"}


def _where(row: _Row) -> str:
    return f" at budget {row.budget}" if isinstance(row, ResultRow) else f" at {row.queries} queries" if isinstance(row, CurveRow) else ""


# ---- writing: cells made from keywords that are the columns, checked before any byte is written


def _cell(value) -> object:
    """A CSV cell: the value, or empty when it is unknown (no test accuracy, no known optimum)."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _produced_cells(produced: Produced) -> dict:
    return {"preset": produced.preset, "rule": produced.rule, "settings": produced.settings}


def result_cells(produced: Produced, *, dataset: str, seed: int, budget: int, best_arch: str, best_valid_acc: float,
                 best_test_acc: Optional[float], found_valid_optimum: Optional[int], queries_to_best: int, labelled: int,
                 wall_s: float, latent_share: Optional[float] = None, origins: Optional[dict[str, int]] = None) -> dict:
    """A results.csv row; `origins`: how many search queries came from each origin (latent methods)."""
    return {"method": produced.method, "dataset": dataset, "seed": seed, "budget": budget, "best_arch": best_arch,
            "best_valid_acc": best_valid_acc, "best_test_acc": _cell(best_test_acc),
            "found_valid_optimum": _cell(found_valid_optimum), "queries_to_best": queries_to_best, "labelled": labelled,
            "wall_s": wall_s, "latent_share": _cell(latent_share),
            **{f"from_{kind}": n for kind, n in (origins or {}).items()}, **_produced_cells(produced)}


def curve_cells(produced: Produced, *, dataset: str, seed: int, queries: int, best_valid_acc: float,
                best_test_acc: Optional[float]) -> dict:
    return {"method": produced.method, "dataset": dataset, "seed": seed, "queries": queries,
            "best_valid_acc": best_valid_acc, "best_test_acc": _cell(best_test_acc), **_produced_cells(produced)}


def recon_cells(produced: Produced, *, dataset: str, seed: int, recon_pool: float, recon_heldout: Optional[float]) -> dict:
    return {"method": produced.method, "dataset": dataset, "seed": seed, "recon_pool": recon_pool,
            "recon_heldout": _cell(recon_heldout), **_produced_cells(produced)}


def _checked(kind: FileKind, path: Path, rows: Iterable) -> list[dict]:
    """Each row's cells (a read row's as written), checked as the reader will check them."""
    out = []
    for i, row in enumerate(rows, start=1):
        raw = row.cells if isinstance(row, _Row) else row
        cells = kind.cells({k: "" if v is None else str(v) for k, v in raw.items()})  # as the file will hold them
        kind.build(_Cell(Path(path), f"row {i} to write", cells))
        out.append(cells)
    return out


def append_rows(kind: FileKind, path: Path, rows: Iterable) -> None:
    """The rows appended whole, or not at all (a full disk leaves the file as it was); the
    header first when the file is new."""
    cells = _checked(kind, path, rows)
    body = csv_bytes(cells, kind.columns)
    header_end = body.index(b"\n") + 1
    append_whole(Path(path), body[header_end:], header=body[:header_end])


def write_rows(kind: FileKind, path: Path, rows: Iterable, columns: Optional[list[str]] = None) -> None:
    """The file replaced whole by these rows in today's columns (rows written before a
    column existed keep it empty); `columns`: more, after them (a copy that keeps a column
    a later version added)."""
    write_csv(Path(path), _checked(kind, path, rows), kind.columns + [c for c in columns or [] if c not in kind.columns])
