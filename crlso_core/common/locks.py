"""Who holds a folder: a lock file naming the process that writes there (pid and start
time, so a reused pid is not taken for it), taken atomically and given up when that
process is gone (killed, out of memory), so a crash never leaves a folder locked."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Optional

from crlso_core.common.errors import CRLSOError


def _proc_stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def process_start(pid: int) -> Optional[str]:
    """The process's start time (Linux), so a reused pid is not taken for the owner."""
    stat = _proc_stat(pid)
    return stat[19] if len(stat) > 19 else None


def owner_record() -> dict:
    """What a lock or a staging folder says of the process that holds it."""
    return {"pid": os.getpid(), "started": process_start(os.getpid()), "since": time.time()}


def owner_alive(owner: object) -> bool:
    """Whether the process an owner record names still runs (this process counts)."""
    try:
        pid, started = int(owner["pid"]), owner.get("started")
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    stat = _proc_stat(pid)
    if stat[:1] == ["Z"]:
        return False  # killed, not yet reaped by its parent
    return started is None or process_start(pid) == started


def read_owner(path: Path) -> Optional[dict]:
    try:
        owner = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) else None


class FolderLock:
    """`with FolderLock(folder / ".lock", "the bench folder X"):` — one writer at a time. A
    second is refused with the holder's pid and start; a lock whose holder died is taken over."""

    def __init__(self, path: Path, what: str):
        self.path, self.what, self.held = Path(path), what, False

    def __enter__(self) -> "FolderLock":
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = read_owner(self.path)
                if owner is not None and owner_alive(owner):
                    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(owner.get("since", 0)))
                    raise CRLSOError(f"{self.what} is in use by process {owner['pid']} (since {since}); wait for it to finish "
                                     "or stop it, or choose another folder.") from None
                self.path.unlink(missing_ok=True)  # its holder is gone
                continue
            except OSError as exc:
                raise CRLSOError(f"Cannot lock {self.what}: {exc.strerror}.") from None
            with os.fdopen(fd, "w") as f:
                json.dump(owner_record(), f)
            self.held = True
            return self
        raise CRLSOError(f"Could not lock {self.what}; try again.")

    def __exit__(self, *exc) -> None:
        if self.held:
            owner = read_owner(self.path)
            if owner is not None and owner.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False
