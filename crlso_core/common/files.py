"""Atomic file writing and the plain JSON/CSV readers, shared by the run store, the run
records, the model store and the table builders.

Every write goes to a temporary file beside its target and is renamed over it, so no
reader ever sees half a file; files that belong together (a search's results) are written
as a FileGroup: all of them or none. Files get the mode the user's umask gives a new
file. Readers bound what they read: a file handed over by anyone cannot make us allocate
more than its own size allows."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from crlso_core.common.errors import CRLSOError

MAX_JSON_BYTES = 16 * 2**20  # a config or summary is a few KB
MAX_CSV_BYTES = 64 * 2**20  # a run's queries or trajectory: about a MB per thousand queries
GROUP_JOURNAL = ".group.json"


def _umask() -> int:
    try:  # read without changing it (os.umask would, for a moment, for every thread)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_temp(path: Path, data: bytes) -> Path:
    """The bytes in a synced temporary file beside `path`, with the mode a new file gets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600: a table built for a shared folder must stay readable
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a crash never leaves half a file."""
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class FileGroup:
    """Files in one folder that must agree with each other, written all or none: every
    file's bytes first reach disk under a temporary name (a full disk fails here, and
    nothing was replaced); then a journal names the renames, which run with signals held
    back, the file named last at the end. A process killed among the renames leaves the
    journal, and `finish_group` completes them the next time the folder is opened."""

    def __init__(self, folder: Path):
        self.folder, self.files = Path(folder), {}

    def add(self, name: str, data: bytes) -> None:
        self.files[name] = data

    def commit(self) -> None:
        temps: dict[str, Path] = {}
        try:
            for name, data in self.files.items():
                temps[name] = _write_temp(self.folder / name, data)
            journal = {name: str(tmp.relative_to(self.folder)) for name, tmp in temps.items()}
            write_bytes_atomic(self.folder / GROUP_JOURNAL, json.dumps(journal).encode())
        except BaseException:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
            raise
        with uninterrupted():
            _rename_all(self.folder, journal)


def _rename_all(folder: Path, journal: dict[str, str]) -> None:
    for name, tmp in journal.items():  # insertion order: the summary, added last, lands last
        if (folder / tmp).exists():
            os.replace(folder / tmp, folder / name)
    (folder / GROUP_JOURNAL).unlink(missing_ok=True)


def finish_group(folder: Path) -> None:
    """Complete the renames of a FileGroup whose process was killed among them. The journal
    comes from a folder that may come from anyone: only plain names inside the folder count."""
    folder = Path(folder)
    path = folder / GROUP_JOURNAL
    if not path.is_file():
        return
    journal = read_json(path)
    ok = isinstance(journal, dict) and all(
        isinstance(k, str) and isinstance(v, str) and _inside(folder, k) and _inside(folder, v) and Path(v).name.startswith(".")
        for k, v in journal.items()
    )
    if not ok:
        raise CRLSOError(f"{path} is not a journal this program wrote; delete it and run the search again.")
    try:
        _rename_all(folder, journal)
    except OSError as exc:
        raise CRLSOError(f"{folder}'s last save was interrupted and cannot be completed ({exc.strerror}); "
                         "make the folder writable or run the search again.") from None


def _inside(folder: Path, name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts and not (folder / name).is_symlink()


@contextmanager
def uninterrupted():
    """Hold SIGTERM/SIGINT back while several files are written that belong together, so
    a cancelled job stops before or after them, never between them."""
    held = {signal.SIGTERM, signal.SIGINT}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def json_bytes(data: Any) -> bytes:
    """Strict JSON: a NaN or infinity is a bug upstream (unknown values are null), never a bare token."""
    return (json.dumps(data, indent=2, default=to_jsonable, allow_nan=False) + "\n").encode()


def write_json(path: Path, data: Any) -> None:
    write_bytes_atomic(path, json_bytes(data))


def to_jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def require_regular(path: Path, what: str = "") -> os.stat_result:
    """The file's status, once it is known to be a regular file: a pipe would block the
    reader forever, a device or a folder is never one of our files. Links are followed."""
    path = Path(path)
    info = path.stat()  # FileNotFoundError for the caller to word
    if not stat.S_ISREG(info.st_mode):
        kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a pipe" if stat.S_ISFIFO(info.st_mode)
                else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "not a regular file")
        raise CRLSOError(f"{path} is {kind}, not a file{(' ' + what) if what else ''}; give a regular file.")
    return info


def check_output(out: Path, inputs: Iterable[Path] = (), force: bool = False, option: str = "--out") -> Path:
    """A path a command may write its result to. Never an input itself (with --force or
    not), never something that is not a regular file (a device, a folder, a pipe, a link),
    and an existing file only with --force."""
    out = Path(out)
    for source in inputs:
        try:
            same = Path(source).exists() and out.exists() and os.path.samefile(source, out)
        except OSError:
            same = False
        if same or (out.exists() and Path(source).resolve() == out.resolve()):
            raise CRLSOError(f"{option} {out} is the input itself; write the result to another path.")
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise CRLSOError(f"{option} {out} exists and is not a regular file; write the result to another path.")
    if out.exists() and not force:
        raise CRLSOError(f"{option} {out} already exists; choose another path, or add --force to replace it.")
    return out


def table_bytes(text: str, out: Path) -> bytes:
    """A table's text as its file holds it: gzipped (the same bytes for the same text) when
    the name ends in .gz, plain otherwise."""
    data = text.encode("utf-8")
    if Path(out).suffix != ".gz":
        return data
    import gzip

    return gzip.compress(data, mtime=0)


def _check_size(path: Path, limit: int) -> None:
    size = require_regular(path).st_size
    if size > limit:
        raise CRLSOError(f"{path} is {size:,} bytes, more than such a file ever holds ({limit:,}); it is not a file this program wrote.")


def read_json(path: Path) -> Any:
    path = Path(path)
    try:
        _check_size(path, MAX_JSON_BYTES)
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: is {path.parent} a run folder?") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise CRLSOError(f"{path} is corrupt ({str(exc)[:120]}); it cannot be read.") from None
    except OSError as exc:
        raise CRLSOError(f"{path} cannot be read: {exc.strerror}.") from None


def csv_bytes(rows: Iterable[Mapping[str, Any]], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
    return buffer.getvalue().encode()


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]], columns: list[str]) -> None:
    write_bytes_atomic(path, csv_bytes(rows, columns))


def _open_text(path: Path):
    """A CSV file as text; one stored gzipped (the shipped examples' long trajectories) is
    read the same, whatever its name."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt", newline="") if gzipped else open(path, newline="")


def read_csv(path: Path, columns: Iterable[str] = ()) -> list[dict[str, str]]:
    """Rows as dicts; a file without the given columns, not text, or not CSV is one CRLSOError."""
    path = Path(path)
    try:
        _check_size(path, MAX_CSV_BYTES)
        with _open_text(path) as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise CRLSOError(f"{path} is corrupt: it has no column {missing[0]!r}.")
            return list(reader)
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: is {path.parent} a complete run folder?") from None
    except (UnicodeDecodeError, csv.Error, EOFError, gzip.BadGzipFile) as exc:
        raise CRLSOError(f"{path} is corrupt ({str(exc)[:120]}); it cannot be read.") from None
    except OSError as exc:
        raise CRLSOError(f"{path} cannot be read: {exc.strerror}.") from None


def npz_headers(path: Path) -> dict[str, tuple[tuple, np.dtype]]:
    """Shape and dtype of every array of an .npz, read from the .npy headers alone (no array
    data is read), so a file's claims can be checked before anything is allocated."""
    import zipfile

    fmt = np.lib.format
    out = {}
    require_regular(path)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as f:
                version = fmt.read_magic(f)
                read = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}.get(version)
                if read is None:
                    raise ValueError(f"{info.filename} is in .npy format {version}, which this program never writes")
                shape, _, dtype = read(f)
            out[info.filename.removesuffix(".npy")] = (shape, dtype)
    return out


def array_bytes(shape: tuple, dtype: np.dtype) -> int:
    return int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
