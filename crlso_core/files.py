"""Atomic file writing and the plain JSON/CSV readers, shared by the run store, the run
records, the model store and the table builders."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from .errors import CRLSOError


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def write_json(path: Path, data: Any) -> None:
    write_bytes_atomic(path, (json.dumps(data, indent=2, default=to_jsonable) + "\n").encode())


def to_jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: is {path.parent} a run folder?") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CRLSOError(f"{path} is corrupt ({exc}); the run cannot be read.") from None


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]], columns: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
    write_bytes_atomic(path, buffer.getvalue().encode())


def read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: is {path.parent} a complete run folder?") from None
