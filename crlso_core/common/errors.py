"""The one exception type for errors a user can cause, and how messages quote input.

The CLI and the app catch CRLSOError and show its message alone, without a traceback, so
every message must say what went wrong and what to do about it. Anything else is a bug:
both show one line too and write the traceback to the error log (errorlog.py).
"""

from __future__ import annotations

QUOTE_LIMIT = 80  # characters of a bad input a message repeats


class CRLSOError(Exception):
    """A problem the user can fix: missing data, a bad cell string, a bad setting."""


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """repr() of a value for a message, cut to a bounded prefix: a message never echoes a
    10 KB input in full."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} characters" if isinstance(value, (str, bytes)) else f"{len(text):,} characters as text"
    return f"{text[:limit]}… ({size})"


def describe_os_error(exc: OSError) -> str:
    """One sentence for a failed read or write (a full disk, a folder that cannot be
    written, a file in the way), with what to do about it."""
    import errno

    advice = {
        errno.ENOSPC: "free some space and try again",
        errno.EDQUOT: "free some space and try again",
        errno.EACCES: "check the folder's permissions or choose another folder",
        errno.EPERM: "check the folder's permissions or choose another folder",
        errno.EROFS: "that filesystem is read-only: choose another folder",
        errno.EEXIST: "a file is in the way: choose another folder",
        errno.ENOTDIR: "a file is in the way: choose another folder",
        errno.ENOENT: "the folder does not exist: choose another folder",
    }.get(exc.errno, "choose another folder")
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}; {advice}. Nothing half-written was kept."
