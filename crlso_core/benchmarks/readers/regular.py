"""Opening a file a user named, for reading, only if it is a regular file.

A FIFO with no writer blocks open() and read() forever, and a device (/dev/zero) never
ends, so every reader of a benchmark file opens it here: the path is checked first (one
message naming it), then opened with O_NONBLOCK (which cannot block, whatever the path
became meanwhile) and checked again on the open descriptor, so a file swapped for a pipe
between the two looks is refused too. O_NONBLOCK changes nothing for a regular file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from crlso_core.common.errors import CRLSOError


def _not_regular(path: Path, mode: int, what: str) -> CRLSOError:
    kind = ("a folder" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a regular file")
    return CRLSOError(f"{path} is {kind}, not a file{(' ' + what) if what else ''}; give a regular file.")


def open_regular(path: str | os.PathLike, what: str = "") -> BinaryIO:
    """`path` opened for binary reading, or a CRLSOError naming it when it is not a regular
    file (`what` says what it should hold). A missing or unreadable file raises the usual
    OSError, for the caller to word."""
    path = Path(path)
    mode = path.stat().st_mode  # the usual case: refused without opening anything
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode, what)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode, what)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
