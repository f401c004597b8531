"""Atomic file writing and the plain JSON/CSV readers, shared by the run store, the run
records, the model store and the table builders.

Every write goes to a temporary file beside its target and is renamed over it, so no
reader ever sees half a file; files that belong together (a search's results) are written
as a FileGroup: all of them or none. Files get the mode the user's umask gives a new
file. Readers bound what they read: a file handed over by anyone cannot make us allocate
more than its own size allows."""

from __future__ import annotations

import csv
import errno
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
    """The bytes in a synced temporary file beside `path`, with the mode a new file gets.
    The folder must exist: a run folder deleted meanwhile is never made again here."""
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- a folder's own files, reached without following a link --------------------------------

def name_parts(name: object) -> tuple[str, ...]:
    """The components of a name relative to a folder; ValueError for anything that could
    leave it (absolute, '..', '.', empty parts, a backslash or NUL)."""
    if not isinstance(name, str) or not name or name.startswith("/") or "\\" in name or "\0" in name:
        raise ValueError(name)
    parts = tuple(name.split("/"))
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(name)
    return parts


class LinkOut(CRLSOError):
    """A name that leads out of its folder (through a link) or is not a plain name in it."""


def open_inside(folder: Path, parts: Iterable[str], create: bool = False) -> int:
    """A descriptor of folder/part/part..., each component opened from the one before it
    with O_NOFOLLOW: a link anywhere below `folder` (a baselines/ that points elsewhere) is
    refused, never followed, so nothing outside the folder can be reached through it.
    `create` makes missing components (in the folder, through the descriptor). The folder
    itself must exist: FileNotFoundError when it is gone (deleted meanwhile)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
            if create:
                try:
                    os.mkdir(part, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass
            try:
                child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise LinkOut(f"{Path(folder, part)} is a link or not a folder") from None
                raise
            parent, fd, folder = fd, child, Path(folder, part)
            os.close(parent)
        return fd
    except BaseException:
        os.close(fd)
        raise


def path_inside(folder: Path, name: str) -> Path:
    """folder/name once no component of the name below the folder is a link (nor '..')."""
    try:
        parts = name_parts(name)
    except ValueError:
        raise LinkOut(f"{name!r} is not a plain name inside {folder}") from None
    path = Path(folder)
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise LinkOut(f"{path} is a link")
    return path


class FileGroup:
    """Files in one folder that must agree with each other, written all or none: every
    file's bytes first reach disk under a temporary name (a full disk fails here, and
    nothing was replaced); then a journal names the renames, which run with signals held
    back, the file named last at the end. A process killed among the renames leaves the
    journal, and `finish_group` completes them the next time the folder is opened.
    Names are plain names inside the folder; a subfolder that is a link is refused, and a
    folder deleted meanwhile is never made again (one message, nothing written)."""

    def __init__(self, folder: Path):
        self.folder, self.files = Path(folder), {}

    def add(self, name: str, data: bytes) -> None:
        name_parts(name)  # a programming error, not a user's: ValueError
        self.files[name] = data

    def _prepare(self, name: str) -> None:
        """Make the name's subfolders inside the folder, refusing a link among them."""
        parts = name_parts(name)
        try:
            os.close(open_inside(self.folder, parts[:-1], create=True))
        except FileNotFoundError:
            raise CRLSOError(f"{self.folder} is gone (deleted while this program worked on it); nothing was saved there.") from None
        except LinkOut as exc:
            raise CRLSOError(f"{exc}: a run's files must lie inside its own folder, so nothing was saved. "
                             "Replace the link with a real folder, or use another run.") from None

    def commit(self) -> None:
        temps: dict[str, Path] = {}
        try:
            for name, data in self.files.items():
                self._prepare(name)
                temps[name] = _write_temp(self.folder / name, data)
            journal = {name: str(tmp.relative_to(self.folder)) for name, tmp in temps.items()}
            self._prepare(GROUP_JOURNAL)
            temps[GROUP_JOURNAL] = _write_temp(self.folder / GROUP_JOURNAL, json.dumps(journal).encode())
            os.replace(temps.pop(GROUP_JOURNAL), self.folder / GROUP_JOURNAL)
        except BaseException:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
            raise
        with uninterrupted():
            _rename_all(self.folder, journal)


def write_inside(folder: Path, name: str, data: bytes) -> None:
    """One file of a folder (a run's analysis/x.npz) written atomically, its subfolders made
    inside the folder and a link among them refused, as a FileGroup does."""
    group = FileGroup(folder)
    group.add(name, data)
    group.commit()


def _rename_all(folder: Path, journal: dict[str, str]) -> None:
    """The journal's renames, each inside the subfolder its name lies in, reached without
    following a link (the names were checked: a temporary name sits beside its target)."""
    for name, tmp in journal.items():  # insertion order: the summary, added last, lands last
        parts = name_parts(name)
        fd = open_inside(folder, parts[:-1])
        try:
            leaf = name_parts(tmp)[-1]
            try:
                os.stat(leaf, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                continue  # renamed before the process was killed
            os.replace(leaf, parts[-1], src_dir_fd=fd, dst_dir_fd=fd)
        finally:
            os.close(fd)
    (folder / GROUP_JOURNAL).unlink(missing_ok=True)


def _journal_entry_ok(folder: Path, name: object, tmp: object) -> bool:
    """A rename this program would have journalled: two plain names in the same subfolder of
    the folder (no link on the way), the temporary one hidden (.name.XXXX)."""
    try:
        parts, tmp_parts = name_parts(name), name_parts(tmp)
        if parts[:-1] != tmp_parts[:-1] or not tmp_parts[-1].startswith(".") or tmp_parts[-1] == parts[-1]:
            return False
        os.close(open_inside(folder, parts[:-1]))
        return True
    except FileNotFoundError:
        return True  # its subfolder is gone: there is nothing to rename there (_rename_all skips it)
    except (ValueError, LinkOut):
        return False


def finish_group(folder: Path) -> None:
    """Complete the renames of a FileGroup whose process was killed among them. The journal
    comes from a folder that may come from anyone: only plain names inside the folder count,
    reached without following a link; anything else refuses the whole journal."""
    folder = Path(folder)
    path = folder / GROUP_JOURNAL
    if not path.is_symlink() and not path.is_file():
        return
    if path.is_symlink():
        raise CRLSOError(f"{path} is a link, not a journal this program wrote; delete it and run the search again.")
    journal = read_json(path)
    ok = isinstance(journal, dict) and all(_journal_entry_ok(folder, k, v) for k, v in journal.items())
    if not ok:
        raise CRLSOError(f"{path} is not a journal this program wrote (it names a path that is not a plain file of "
                         f"{folder}: through a link, '..', absolute or in another folder); delete it and run the search again.")
    try:
        _rename_all(folder, journal)
    except LinkOut as exc:  # a subfolder replaced by a link since the check
        raise CRLSOError(f"{path} names {exc}; delete the journal and run the search again.") from None
    except OSError as exc:
        raise CRLSOError(f"{folder}'s last save was interrupted and cannot be completed ({exc.strerror}); "
                         "make the folder writable or run the search again.") from None


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
