"""The run store: one folder per run, files written atomically, and a SQLite index of
runs per store root so the app and `crlso runs` can find and compare them.

A run folder holds config.json (enough to reproduce it), summary.json, queries.csv,
trajectories.csv (records.py), latent.npz (the pool's cell strings with their codes under
the final model) and model state dicts (*.pt, loadable with weights_only=True; model_store.py).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from crlso_core.common import files
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import to_jsonable
from crlso_core.store.records import RunSummary

INDEX_NAME = "index.sqlite"
ENV_VAR = "CRLSO_RUNS"


def default_root() -> Path:
    """Where runs live unless told otherwise: $CRLSO_RUNS, else ./runs (the app and the CLI)."""
    return Path(os.environ.get(ENV_VAR) or "runs")


# --- run folders -----------------------------------------------------------------------

STAGING_SUFFIX = ".partial"
OWNER_FILE = ".owner.json"


def check_root(root: Path) -> Path:
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise CRLSOError(f"The runs folder {root} is a file, not a folder; give --runs-dir (or CRLSO_RUNS) a folder.")
    return root


def new_run_dir(root: Path, name: str) -> Path:
    """A run folder name under root that is free now (the claim makes it ours atomically)."""
    check_root(root).mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / f"{name}-{stamp}"
    n = 1
    while path.exists() or _staging(path).exists():
        n += 1
        path = root / f"{name}-{stamp}-{n}"
    return path


def _staging(path: Path) -> Path:
    return path.with_name(f".{path.name}{STAGING_SUFFIX}")


def _proc_stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _process_start(pid: int) -> Optional[str]:
    """The process's start time (Linux), so a reused pid is not taken for the owner."""
    stat = _proc_stat(pid)
    return stat[19] if len(stat) > 19 else None


def _owner_alive(staging: Path) -> bool:
    try:
        owner = json.loads((staging / OWNER_FILE).read_text())
        pid, started = int(owner["pid"]), owner.get("started")
    except (OSError, ValueError, KeyError, TypeError):
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
    return started is None or _process_start(pid) == started


class RunClaim:
    """A run folder claimed atomically: the run is written into a hidden staging folder
    beside it (.NAME.partial, made with an exclusive mkdir and marked with its owner's pid),
    and `commit` renames it to NAME in one step. Until then nothing named NAME exists;
    a second claim of the same NAME is refused while the first is alive; a staging folder
    whose owner died (killed, out of memory) is reclaimed. Leaving the block without a
    commit removes the staging folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.staging = _staging(self.path)

    def __enter__(self) -> Path:
        path = self.path
        if path.exists() and not path.is_dir():
            raise CRLSOError(f"{path} is a file, not a folder; choose another --out.")
        if path.is_dir() and any(path.iterdir()):
            raise CRLSOError(f"{path} already exists and is not empty; choose another --out or delete it.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for _ in range(2):
                try:
                    self.staging.mkdir()
                    break
                except FileExistsError:
                    if _owner_alive(self.staging):
                        raise CRLSOError(f"Another run is being written to {path} right now; choose another --out.") from None
                    shutil.rmtree(self.staging, ignore_errors=True)  # its owner died: reclaim it
            else:
                raise CRLSOError(f"Could not claim {path}; try again.")
            (self.staging / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "started": _process_start(os.getpid())}))
        except OSError as exc:
            raise CRLSOError(f"Cannot write in {path.parent}: {exc.strerror}. Choose another --out.") from None
        return self.staging

    def commit(self) -> None:
        """Make the finished run visible under its name, in one rename."""
        with files.uninterrupted():
            (self.staging / OWNER_FILE).unlink(missing_ok=True)
            try:
                os.rename(self.staging, self.path)  # replaces an empty folder; refuses a full one
            except OSError:
                raise CRLSOError(f"{self.path} was filled by something else while this run trained; nothing was written there. "
                                 "Choose another --out.") from None

    def __exit__(self, *exc) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)


def clean_stale(root: Path) -> list[Path]:
    """Remove staging and half-deleted folders under root whose owner is gone; returns them."""
    removed = []
    root = Path(root)
    if not root.is_dir():
        return removed
    for path in root.iterdir():
        stale = (path.name.startswith(".") and path.name.endswith(STAGING_SUFFIX) and not _owner_alive(path)) or \
            (path.name.startswith(".") and path.name.endswith(".deleting"))
        if stale and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


# --- the index -------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    path TEXT PRIMARY KEY,
    name TEXT, space TEXT, dataset TEXT, preset TEXT, seed INTEGER, budget INTEGER,
    status TEXT, created REAL, updated REAL,
    best_arch TEXT, best_valid_acc REAL, best_test_acc REAL, summary TEXT
)"""


def _connect(root: Path) -> sqlite3.Connection:
    """The root's index. It is a catalogue (each run folder holds the truth), so a corrupt
    one is moved aside (kept for a bug report) and started afresh; a locked or unreadable
    one is one clear error."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / INDEX_NAME
    for attempt in range(2):
        conn = None
        try:
            conn = sqlite3.connect(path, timeout=10)
            conn.execute(_SCHEMA)
            conn.execute("SELECT count(*) FROM runs").fetchone()
            return conn
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            corrupt = not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc)
            if not corrupt or attempt:
                raise CRLSOError(f"The runs index {path} cannot be used ({exc}); close the program holding it, "
                                 "or move it away: runs are found again from their folders.") from None
            path.replace(path.with_name(f"{INDEX_NAME}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"))
    raise AssertionError("unreachable")


def index_run(run_dir: Path, summary: RunSummary, root: Optional[Path] = None) -> bool:
    """Insert or update the run in the index of `root` (default: the folder that holds the
    run). A run outside the root is listed there but never deleted from there. Returns
    False, and changes nothing, when the index cannot be written: the run stays findable,
    since list_runs also looks at the root's folders."""
    run_dir = Path(run_dir).resolve()
    root = Path(root) if root is not None else run_dir.parent
    now = time.time()
    s = summary
    row = (
        str(run_dir), run_dir.name, s.space, s.dataset, s.preset, s.seed, s.budget, s.status, s.created or now, now,
        s.best_arch, s.best_valid_acc, s.best_test_acc, json.dumps(s.to_dict(), default=to_jsonable),
    )
    try:
        with closing(_connect(root)) as conn, conn:
            conn.execute(f"INSERT OR REPLACE INTO runs VALUES ({','.join('?' * len(row))})", row)
    except (CRLSOError, sqlite3.Error, OSError):
        return False
    return True


@dataclass
class IndexedRun:
    path: Path
    name: str
    summary: RunSummary
    updated: float
    inside_root: bool  # a folder of the root (deletable from it), or a run made elsewhere and listed here


def _folders(root: Path) -> list[Path]:
    """The root's own run folders: visible, real folders (not links) with a summary; an
    entry that cannot even be looked at is not one."""
    found = []
    for p in root.iterdir():
        try:
            if not p.name.startswith(".") and not p.is_symlink() and p.is_dir() and (p / "summary.json").is_file():
                found.append(p)
        except OSError:
            continue
    return found


def list_runs(root: Path | None = None) -> list[IndexedRun]:
    """The runs of a root, newest first: its own folders (indexed now if the index missed
    them) and the runs made elsewhere that were indexed here. A run whose summary cannot be
    read is left out (the folder itself says what is wrong when opened)."""
    from crlso_core.store.records import read_summary

    root = check_root(root if root is not None else default_root())
    if not root.is_dir():
        return []
    try:
        with closing(_connect(root)) as conn:
            rows = {Path(path): (name, updated, summary) for path, name, updated, summary in
                    conn.execute("SELECT path, name, updated, summary FROM runs")}
    except CRLSOError:
        rows = {}  # locked: the folders alone
    runs, real_root = [], root.resolve()
    for folder in _folders(root):
        path = folder.resolve()
        if path not in rows:
            try:
                summary = read_summary(folder)
            except CRLSOError:
                continue
            index_run(path, summary, root)
            rows[path] = (path.name, time.time(), json.dumps(summary.to_dict(), default=to_jsonable))
    for path, (name, updated, summary) in rows.items():
        if not path.is_dir():
            continue
        try:
            runs.append(IndexedRun(path, name, RunSummary.from_dict(json.loads(summary or "{}")), updated, path.parent == real_root))
        except (CRLSOError, ValueError, TypeError):
            continue
    own = {(r.name, r.summary.created) for r in runs if r.inside_root}
    runs = [r for r in runs if r.inside_root or (r.name, r.summary.created) not in own]  # a copied store's index names the originals
    return sorted(runs, key=lambda r: r.summary.created, reverse=True)


def forget_run(run_dir: Path, root: Optional[Path] = None) -> None:
    run_dir = Path(run_dir).absolute()
    root = Path(root) if root is not None else run_dir.parent
    with closing(_connect(root)) as conn, conn:
        conn.execute("DELETE FROM runs WHERE path IN (?, ?)", (str(run_dir), str(run_dir.resolve())))


# --- export and delete -------------------------------------------------------------------

def delete_run(run_dir: Path, root: Path) -> bool:
    """Remove a run of the root: its folder (renamed aside first, so a crash midway leaves no
    half-deleted run that still looks like one) and its index row. Only a real folder
    directly in the root is ever deleted; a run listed from elsewhere, or reached through
    a link, is only forgotten (returns False: its files are kept)."""
    run_dir, root = Path(run_dir).absolute(), Path(root)
    inside = not run_dir.is_symlink() and run_dir.resolve().parent == root.resolve()
    if not inside:
        forget_run(run_dir, root)
        return False
    run_dir = run_dir.resolve()
    if not (run_dir / "config.json").is_file():
        raise CRLSOError(f"{run_dir} is not a run folder; nothing deleted.")
    forget_run(run_dir, root)
    trash = run_dir.with_name(f".{run_dir.name}.deleting")
    run_dir.replace(trash)
    shutil.rmtree(trash, ignore_errors=True)
    return True
