"""Build the NAS-Bench-201 table (one row per cell) from the official benchmark files.

The source is the official NATS-Bench topology "simple" folder ``NATS-tss-v1_0-3ffb9-simple``
(``meta.pickle.pbz2`` plus one ``NNNNNN.pickle.pbz2`` per cell), read by
:func:`read_nats_simple` without any third-party API and through a restricted unpickler
that builds only plain data. The official NAS-Bench-201 ``.pth`` file is not read: only a
full unpickling (``torch.load(weights_only=False)``) can read it, and that would run any
code a handed-over file holds.

Each per-cell record is the state dict of the official ``ArchResults``: ``dataset_seed``
maps each training set to its seeds, and ``all_results[(dataset, seed)]`` holds one run,
whose ``eval_acc1es`` maps ``"<eval name>@<epoch>"`` to a top-1 accuracy in percent.
A row takes, at the run's final epoch (``epochs - 1``, i.e. 199 for the 200-epoch
budget), the mean over the seeds of:

=====================  ==================  ===========
column                 training set        eval name
=====================  ==================  ===========
cifar10_valid_acc      ``cifar10-valid``   ``x-valid``
cifar10_test_acc       ``cifar10``         ``ori-test``
cifar100_valid_acc     ``cifar100``        ``x-valid``
cifar100_test_acc      ``cifar100``        ``x-test``
imagenet16_valid_acc   ``ImageNet16-120``  ``x-valid``
imagenet16_test_acc    ``ImageNet16-120``  ``x-test``
=====================  ==================  ===========

``params_mb`` is the mean of the runs' ``params`` on ``cifar10`` (10-class network, in MB)
and ``n_seeds_200ep`` the number of ``cifar10-valid`` seeds.  This reproduces the default
table ``nb201_all_15625_200ep.csv`` (written to 6 decimals) to 1e-6.
"""

from __future__ import annotations

import bz2
import csv
import functools
import io
import pickle
import re
from pathlib import Path
from statistics import fmean

from crlso_core.benchmarks.readers.regular import open_regular
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import table_bytes, write_bytes_atomic

TABLE_COLUMNS = (
    "arch_index",
    "arch_str",
    "cifar10_valid_acc",
    "cifar10_test_acc",
    "cifar100_valid_acc",
    "cifar100_test_acc",
    "imagenet16_valid_acc",
    "imagenet16_test_acc",
    "params_mb",
    "n_seeds_200ep",
)

# column -> (training set, eval name) whose final-epoch accuracy is averaged over seeds.
_ACCURACY_SOURCES = {
    "cifar10_valid_acc": ("cifar10-valid", "x-valid"),
    "cifar10_test_acc": ("cifar10", "ori-test"),
    "cifar100_valid_acc": ("cifar100", "x-valid"),
    "cifar100_test_acc": ("cifar100", "x-test"),
    "imagenet16_valid_acc": ("ImageNet16-120", "x-valid"),
    "imagenet16_test_acc": ("ImageNet16-120", "x-test"),
}
_PARAMS_DATASET = "cifar10"
_SEEDS_DATASET = "cifar10-valid"
_EPOCH_BUDGETS = ("12", "200")

_META_FILE = "meta.pickle.pbz2"
_CELL_FILE = re.compile(r"^(\d{6})\.pickle\.pbz2$")
_OFFICIAL_FOLDER_HINT = (
    "it expects the official NATS-Bench topology 'simple' folder NATS-tss-v1_0-3ffb9-simple "
    "(Google Drive id 17_saCsj_krKjlCBLOJEpNtzPXArMCqxU), which holds meta.pickle.pbz2 and "
    "one NNNNNN.pickle.pbz2 file per cell"
)


# --------------------------------------------------------------------------- unpickling
# The official "simple" files are pickles; we read them only because they are the official
# benchmark files the user points us at, and only through this allow-list unpickler.


@functools.lru_cache(maxsize=1)
def _numpy_globals() -> dict[tuple[str, str], object]:
    """The numpy callables the official files use to rebuild numpy float scalars."""
    import numpy

    try:
        from numpy._core.multiarray import scalar  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy < 2
        from numpy.core.multiarray import scalar
    return {
        ("numpy.core.multiarray", "scalar"): scalar,
        ("numpy._core.multiarray", "scalar"): scalar,
        ("numpy", "dtype"): numpy.dtype,
    }


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only plain-data globals, so loading cannot run code.

    The official files reference just ``collections.OrderedDict`` and numpy's scalar
    reconstruction (``numpy.core.multiarray.scalar`` + ``numpy.dtype``, which only turn
    raw bytes into a number).  Anything else, e.g. ``os.system``, is refused.
    """

    # No bytes/bytearray: bytearray(N) would let a 106-byte file allocate N bytes.
    _BUILTINS = frozenset({"bool", "int", "float", "complex", "str", "list", "tuple", "dict", "set", "frozenset"})

    def find_class(self, module: str, name: str):
        if module == "builtins" and name in self._BUILTINS:
            return super().find_class(module, name)
        if (module, name) == ("collections", "OrderedDict"):
            return super().find_class(module, name)
        allowed_numpy = _numpy_globals()
        if (module, name) in allowed_numpy:
            return allowed_numpy[(module, name)]
        raise pickle.UnpicklingError(f"refused to load the global {module}.{name}")


MAX_UNPACKED = 64 * 2**20  # an official per-cell file unpacks to about 0.3 MB, meta.pickle.pbz2 to 1.4 MB


class _Bounded(io.RawIOBase):
    """A reader that refuses to hand out more than `limit` bytes in all: a small bz2 file
    that unpacks to gigabytes stops here, not in memory."""

    def __init__(self, handle, limit: int):
        self.handle, self.left = handle, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            raise pickle.UnpicklingError(f"it unpacks to more than {MAX_UNPACKED:,} bytes")
        data = self.handle.read(min(len(buffer), self.left))
        buffer[: len(data)] = data
        self.left -= len(data)
        return len(data)


def _load_pbz2(path: Path) -> object:
    """Load one bz2-compressed pickle with the restricted unpickler, reading at most
    MAX_UNPACKED bytes of it."""
    try:
        raw = open_regular(path, "of NATS-Bench data")  # a pipe in the folder would block the build forever
    except OSError as exc:
        raise CRLSOError(f"Could not read {path} ({exc.strerror or exc}); check the folder and its permissions.") from None
    try:
        with raw, bz2.open(raw, "rb") as handle:
            return _RestrictedUnpickler(io.BufferedReader(_Bounded(handle, MAX_UNPACKED))).load()
    except Exception as exc:  # bz2, pickle and refused globals all raise different types
        raise CRLSOError(
            f"Could not read {path}: {exc}. It is not a valid official NATS-Bench file; "
            "download the folder again."
        ) from exc


# --------------------------------------------------------------------------- rows


def _final_epoch_mean(record: dict, dataset: str, eval_name: str) -> float:
    """Mean over the seeds of ``eval_name`` accuracy at each run's last epoch."""
    values = []
    for seed in record["dataset_seed"][dataset]:
        run = record["all_results"][(dataset, seed)]
        last_epoch = int(run["epochs"]) - 1
        values.append(float(run["eval_acc1es"][f"{eval_name}@{last_epoch}"]))
    return fmean(values)


def _row_from_record(record: dict) -> dict:
    """One table row from one per-cell ``ArchResults`` state dict."""
    row: dict = {"arch_index": int(record["arch_index"]), "arch_str": str(record["arch_str"])}
    for column, (dataset, eval_name) in _ACCURACY_SOURCES.items():
        row[column] = _final_epoch_mean(record, dataset, eval_name)
    param_seeds = record["dataset_seed"][_PARAMS_DATASET]
    row["params_mb"] = fmean(
        float(record["all_results"][(_PARAMS_DATASET, seed)]["params"]) for seed in param_seeds
    )
    row["n_seeds_200ep"] = len(record["dataset_seed"][_SEEDS_DATASET])
    return {column: row[column] for column in TABLE_COLUMNS}


def _check_epochs(epochs: str) -> str:
    epochs = str(epochs)
    if epochs not in _EPOCH_BUDGETS:
        raise CRLSOError(f"Unknown epoch budget {epochs!r}: use one of {', '.join(_EPOCH_BUDGETS)}.")
    return epochs


def read_nats_simple(nats_dir: Path, epochs: str = "200") -> list[dict]:
    """Read every per-cell file of an official NATS-Bench topology "simple" folder.

    Returns one dict per ``NNNNNN.pickle.pbz2`` file, sorted by ``arch_index``, keyed by
    :data:`TABLE_COLUMNS` (``arch_index`` and ``n_seeds_200ep`` are ints, ``arch_str`` a
    str, the rest floats).  ``epochs`` picks the training budget, ``"200"`` or ``"12"``;
    ``n_seeds_200ep`` then counts the seeds of that budget.
    """
    nats_dir = Path(nats_dir)
    epochs = _check_epochs(epochs)
    meta_path = nats_dir / _META_FILE
    cell_paths = (
        sorted(p for p in nats_dir.iterdir() if _CELL_FILE.match(p.name))
        if nats_dir.is_dir() else []
    )
    if not meta_path.is_file() or not cell_paths:
        raise CRLSOError(
            f"{nats_dir} is not a NATS-Bench 'simple' folder (it lacks {_META_FILE} or has no "
            f"per-cell files): {_OFFICIAL_FOLDER_HINT}."
        )

    meta = _load_pbz2(meta_path)
    if not isinstance(meta, dict) or not isinstance(meta.get("meta_archs"), list):
        raise CRLSOError(f"{meta_path} has no 'meta_archs' list: {_OFFICIAL_FOLDER_HINT}.")
    meta_archs = meta["meta_archs"]

    rows = []
    for path in cell_paths:
        cell = _load_pbz2(path)
        try:
            row = _row_from_record(cell[epochs])
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise CRLSOError(
                f"{path} lacks the expected {epochs}-epoch records ({exc!r}); "
                "it is not an official NATS-Bench topology file."
            ) from exc
        # The file name, the record and meta.pickle.pbz2 must agree on the cell.
        index = row["arch_index"]
        name_index = int(_CELL_FILE.match(path.name).group(1))
        meta_arch = meta_archs[index] if 0 <= index < len(meta_archs) else None
        if index != name_index or meta_arch != row["arch_str"]:
            raise CRLSOError(
                f"{path} holds cell {index} ({row['arch_str']}), which does not match its "
                f"file name or {meta_path}; the folder mixes files from different releases."
            )
        rows.append(row)
    rows.sort(key=lambda r: r["arch_index"])
    return rows


def _format_cell(column: str, value) -> str:
    if column in ("arch_index", "n_seeds_200ep"):
        return str(int(value))
    if column == "arch_str":
        return str(value)
    # Same precision and style as the default table (e.g. 52.7, 81.982667).
    return repr(round(float(value), 6))


def write_table(rows: list[dict], out_path: Path) -> None:
    """Write ``rows`` as a CSV with the default table's header and number format.

    Floats are rounded to 6 decimals, like ``nb201_all_15625_200ep.csv``.  The file is
    written to a temporary file in the same folder and then moved over ``out_path``, so a
    failure never leaves a half-written table (an existing one stays untouched).
    """
    out_path = Path(out_path)
    # Format everything first so bad rows fail before the disk is touched.
    lines = []
    for position, row in enumerate(rows):
        missing = [column for column in TABLE_COLUMNS if column not in row]
        if missing:
            raise ValueError(f"row {position} lacks the column(s) {', '.join(missing)}")
        lines.append([_format_cell(column, row[column]) for column in TABLE_COLUMNS])

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    writer.writerows(lines)
    try:
        write_bytes_atomic(out_path, table_bytes(buffer.getvalue(), out_path))  # gzipped when the name ends in .gz
    except OSError as exc:
        raise CRLSOError(f"Could not write the table to {out_path}: {exc}") from exc
