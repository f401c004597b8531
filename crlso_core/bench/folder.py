"""A bench folder's own files, reached without following links.

The bench writes only inside its --out folder, so each of its files there must be a plain
file of that folder: a results.csv that is a link (dangling or not) would send the bench's
appends to wherever it points. Every file is opened with O_NOFOLLOW (a link is refused, not
followed) and checked to be a regular file from its descriptor (a pipe would block).

Rows are appended whole: one os.write of every byte of them, and on a short write or an
error (a full disk) the file is cut back to the size it had, so a file holds whole rows
only and the message "nothing half-written was kept" is true.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Optional

from crlso_core.common.errors import CRLSOError

RESULTS, CURVES, RECON = "results.csv", "curves.csv", "reconstruction.csv"
PLAN, SUMMARY, FIGURE, LOCK = "plan.json", "summary.md", "curves.png", ".bench.lock"
OWN_FILES = (RESULTS, CURVES, RECON, PLAN, SUMMARY, FIGURE, LOCK)  # every file the bench writes in its folder


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _refused(path: Path, kind: str) -> CRLSOError:
    return CRLSOError(f"{path} is {kind}, not a file of this bench; the bench writes only plain files of its own "
                      "folder: remove it or choose another --out.")


def check_own_files(out: Path) -> None:
    """Refuse a folder where one of the bench's files is a link or not a regular file,
    before anything there is read or written."""
    for name in OWN_FILES:
        if name == LOCK:
            continue  # the lock is taken with O_CREAT | O_EXCL, which never follows a link
        path = Path(out) / name
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            raise _refused(path, _kind(mode))


def _open(path: Path, flags: int, mode: int = 0o666) -> int:
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refused(path, "a link") from None
        if exc.errno in (errno.EISDIR, errno.ENXIO):
            raise _refused(path, "a folder" if exc.errno == errno.EISDIR else "a pipe or device") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise _refused(path, _kind(info.st_mode))
    return fd


def read_own(path: Path, limit: int) -> Optional[bytes]:
    """The file's bytes, or None when there is none; a link, a pipe or a file over `limit`
    bytes is one CRLSOError."""
    try:
        fd = _open(Path(path), os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CRLSOError(f"{path} cannot be read: {exc.strerror}.") from None
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise CRLSOError(f"{path} is {size:,} bytes, more than a bench file ever holds ({limit:,}); "
                             "it is not a file this program wrote.")
        chunks, left = [], size
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    """One write of every byte; anything less (a full disk) is an OSError."""
    written = os.write(fd, data)
    if written != len(data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def append_whole(path: Path, data: bytes, header: bytes = b"") -> None:
    """Append `data` (whole rows) to the file, with `header` first when the file is new or
    empty; on any failure the file is cut back to what it held, so no half row is left."""
    fd = _open(Path(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        size = os.fstat(fd).st_size
        blob = (header if size == 0 else b"") + data
        try:
            _write_all(fd, blob)
            os.fsync(fd)
        except BaseException:
            os.ftruncate(fd, size)  # the rows before this write are whole; keep exactly those
            raise
    finally:
        os.close(fd)
