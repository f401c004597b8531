"""Where the benchmark files live: --data-dir, else $CRLSO_DATA_DIR, else ./data, else
../shared/data (the layout of the team's machines), and last the compact copies shipped
inside the package (crlso_core/data/), so that a fresh clone or a `pip install` runs with
no data folder at all. Files are read in place; a gzipped copy (NAME.gz) is as good as
the file itself."""

from __future__ import annotations

import io
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

from crlso_core.benchmarks.readers.regular import open_regular
from crlso_core.common.errors import CRLSOError

ENV_VAR = "CRLSO_DATA_DIR"
PACKAGED = Path(__file__).resolve().parents[1] / "data"
_REPO_ROOT = Path(__file__).resolve().parents[2]


class DataFallback(UserWarning):
    """A folder the user named does not hold a file; the package's copy is used instead.
    The CLI prints it as one line; nothing else changes."""


def _named(explicit: str | os.PathLike | None) -> tuple[Path, str] | None:
    """The folder the user named (--data-dir, else $CRLSO_DATA_DIR) and how, or None."""
    if explicit:
        return Path(explicit), "--data-dir"
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]), ENV_VAR
    return None


def candidate_dirs(explicit: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched, in order of precedence (the packaged copies come last). A
    folder the user named must exist: a typo would otherwise pass for "use the defaults"."""
    named = _named(explicit)
    if named:
        folder, how = named
        if not folder.is_dir():
            what = "is a file" if folder.exists() else "does not exist"
            raise CRLSOError(f"{how} {folder} {what}; give the folder that holds the benchmark files (nb201/, nb101/, nb301/), "
                             "or leave it out to use the tables shipped in the package.")
        first = [folder]
    else:
        first = [Path("data"), Path("..") / "shared" / "data", _REPO_ROOT.parent / "shared" / "data"]
    return first + [PACKAGED]


def find_data_file(relative: str, explicit: str | os.PathLike | None = None, how: str = "the benchmark file") -> Path:
    """Path of a benchmark file (or its .gz copy), or a CRLSOError naming every place
    looked and, in `how`, what the file is and how to get it."""
    looked = []
    named = _named(explicit)
    for folder in candidate_dirs(explicit):
        for name in (relative, relative + ".gz"):
            path = folder / name
            if path.is_file():
                if named and folder == PACKAGED:
                    warnings.warn(DataFallback(f"{named[1]} {named[0]} holds no {relative}; using the package's copy, {path}."),
                                  stacklevel=2)
                return path
        looked.append(str((folder / relative).resolve()))
    raise CRLSOError(
        f"Benchmark file {relative!r} not found. Looked in: {'; '.join(dict.fromkeys(looked))}. "
        f"It is {how}. Point at the data folder with --data-dir DIR or {ENV_VAR}=DIR."
    )


@contextmanager
def open_text(path: Path) -> Iterator[TextIO]:
    """A data file opened for reading text, gzipped or not; a pipe or a device in its place
    is refused by name (reading one would block or never end)."""
    with open_regular(path, "of benchmark data") as raw:
        if Path(path).suffix == ".gz":
            import gzip

            with gzip.open(raw, "rt", newline="") as text:
                yield text
        else:
            with io.TextIOWrapper(raw, newline="") as text:
                yield text
