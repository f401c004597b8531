"""The index of a runs root: a SQLite catalogue of its runs (and of runs made elsewhere and
listed there) so the app and `crlso runs` find and compare them, and deleting a run.
Each run folder holds the truth (folder.py); the index can always be rebuilt from them."""

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

from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import to_jsonable
from crlso_core.store.folder import CONFIG, RunFolder, check_root, default_root
from crlso_core.store.records import RunSummary

INDEX_NAME = "index.sqlite"


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
            if not p.name.startswith(".") and RunFolder(p).is_run():
                found.append(p)
        except OSError:
            continue
    return found


def list_runs(root: Path | None = None) -> list[IndexedRun]:
    """The runs of a root, newest first: its own folders (indexed now if the index missed
    them) and the runs made elsewhere that were indexed here. A run whose summary cannot be
    read is left out (the folder itself says what is wrong when opened)."""
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
                summary = RunFolder(folder).summary()
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
    """Drop the run's row from the root's index; one message when the index cannot be written."""
    run_dir = Path(run_dir).absolute()
    root = Path(root) if root is not None else run_dir.parent
    try:
        with closing(_connect(root)) as conn, conn:
            conn.execute("DELETE FROM runs WHERE path IN (?, ?)", (str(run_dir), str(run_dir.resolve())))
    except sqlite3.Error as exc:
        raise CRLSOError(f"The runs index {root / INDEX_NAME} cannot be changed ({exc}); nothing was deleted. "
                         f"Make {root} writable and try again.") from None


# --- export and delete -------------------------------------------------------------------

def delete_run(run_dir: Path, root: Path) -> bool:
    """Remove a run of the root: its folder (renamed aside first, so a crash midway leaves no
    half-deleted run that still looks like one) and its index row. Only a real folder
    directly in the root is ever deleted; a run listed from elsewhere, or reached through
    a link, is only forgotten (returns False: its files are kept). A run that a search or a
    baseline is writing (its lock held) is refused; so is a root that cannot be written
    (read only): one message, the run and its row kept."""
    run_dir, root = Path(run_dir).absolute(), Path(root)
    inside = not run_dir.is_symlink() and run_dir.resolve().parent == root.resolve()
    if not inside:
        forget_run(run_dir, root)
        return False
    run_dir = run_dir.resolve()
    folder = RunFolder(run_dir)
    if not folder.has(CONFIG):
        raise CRLSOError(f"{run_dir} is not a run folder; nothing deleted.")
    writer = folder.writer()
    if writer is not None:
        raise CRLSOError(f"{run_dir.name} is being searched by process {writer.get('pid')} right now; wait for it to finish "
                         "(or stop it), then delete the run. Nothing was deleted.")
    trash = run_dir.with_name(f".{run_dir.name}.deleting")
    if trash.is_dir() and not trash.is_symlink():
        shutil.rmtree(trash, ignore_errors=True)  # left by a delete that was killed midway
    try:
        os.replace(run_dir, trash)
    except OSError as exc:
        raise CRLSOError(f"Cannot delete {run_dir.name}: {root} cannot be written ({exc.strerror}); nothing was deleted.") from None
    try:
        forget_run(run_dir, root)
    except CRLSOError:
        os.replace(trash, run_dir)  # the row stays, so the folder does too
        raise
    shutil.rmtree(trash, ignore_errors=True)
    return True
