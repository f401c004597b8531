"""The run store: one folder per run, files written atomically, and a SQLite index of
runs per store root so the app and `crlso runs` can find and compare them.

A run folder holds config.json (enough to reproduce it), summary.json, queries.csv,
trajectories.csv (records.py), latent.npz (the pool's cell strings with their codes under
the final model) and model state dicts (*.pt, loadable with weights_only=True; model_store.py).
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .errors import CRLSOError
from .files import to_jsonable
from .records import RunSummary

INDEX_NAME = "index.sqlite"
ENV_VAR = "CRLSO_RUNS"


def default_root() -> Path:
    """Where runs live unless told otherwise: $CRLSO_RUNS, else ./runs (the app and the CLI)."""
    return Path(os.environ.get(ENV_VAR) or "runs")


# --- run folders -----------------------------------------------------------------------


def new_run_dir(root: Path, name: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / f"{name}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = root / f"{name}-{stamp}-{n}"
    return path


def claim_run_dir(path: Path) -> Path:
    """Create an empty run folder; refuse one that already holds files."""
    if path.exists() and any(path.iterdir()):
        raise CRLSOError(f"{path} already exists and is not empty; choose another --out or delete it.")
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- the index -------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    path TEXT PRIMARY KEY,
    name TEXT, space TEXT, dataset TEXT, preset TEXT, seed INTEGER, budget INTEGER,
    status TEXT, created REAL, updated REAL,
    best_arch TEXT, best_valid_acc REAL, best_test_acc REAL, summary TEXT
)"""


def _connect(root: Path) -> sqlite3.Connection:
    root.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(root / INDEX_NAME, timeout=30)
    conn.execute(_SCHEMA)
    return conn


def index_run(run_dir: Path, summary: RunSummary) -> None:
    """Insert or update the run in the index of the folder that holds it."""
    run_dir = Path(run_dir).resolve()
    now = time.time()
    s = summary
    row = (
        str(run_dir), run_dir.name, s.space, s.dataset, s.preset, s.seed, s.budget, s.status, s.created or now, now,
        s.best_arch, s.best_valid_acc, s.best_test_acc, json.dumps(s.to_dict(), default=to_jsonable),
    )
    with closing(_connect(run_dir.parent)) as conn, conn:
        conn.execute(f"INSERT OR REPLACE INTO runs VALUES ({','.join('?' * len(row))})", row)


@dataclass
class IndexedRun:
    path: Path
    name: str
    summary: RunSummary
    updated: float


def list_runs(root: Path | None = None) -> list[IndexedRun]:
    """Indexed runs whose folders still exist, newest first. A row whose summary cannot be
    read is left out (the folder itself says what is wrong when opened)."""
    root = Path(root) if root is not None else default_root()
    if not (root / INDEX_NAME).exists():
        return []
    with closing(_connect(root)) as conn:
        rows = list(conn.execute("SELECT path, name, updated, summary FROM runs ORDER BY created DESC"))
    runs = []
    for path, name, updated, summary in rows:
        if not Path(path).is_dir():
            continue
        try:
            runs.append(IndexedRun(Path(path), name, RunSummary.from_dict(json.loads(summary or "{}")), updated))
        except (CRLSOError, ValueError, TypeError):
            continue
    return runs


def forget_run(run_dir: Path) -> None:
    with closing(_connect(run_dir.resolve().parent)) as conn, conn:
        conn.execute("DELETE FROM runs WHERE path = ?", (str(run_dir.resolve()),))


# --- export and delete -------------------------------------------------------------------

EXPORT_FILES = ("config.json", "summary.json", "queries.csv", "trajectories.csv")


def export_zip(run_dir: Path) -> bytes:
    """A zip of the run's config, summary, queries, trajectories and baseline queries."""
    import zipfile

    run_dir = Path(run_dir)
    if not (run_dir / "summary.json").exists():
        raise CRLSOError(f"{run_dir} is not a finished run (it has no summary.json).")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in EXPORT_FILES:
            if (run_dir / name).exists():
                archive.write(run_dir / name, f"{run_dir.name}/{name}")
        for path in sorted((run_dir / "baselines").glob("*.csv")):
            archive.write(path, f"{run_dir.name}/baselines/{path.name}")
    return buffer.getvalue()


def delete_run(run_dir: Path) -> None:
    """Remove a run folder and its index row. The folder is first renamed aside, so a
    crash midway leaves no half-deleted run that still looks like a run."""
    import shutil

    run_dir = Path(run_dir).resolve()
    if not (run_dir / "config.json").exists():
        raise CRLSOError(f"{run_dir} is not a run folder; nothing deleted.")
    forget_run(run_dir)
    trash = run_dir.with_name(f".{run_dir.name}.deleting")
    run_dir.replace(trash)
    shutil.rmtree(trash, ignore_errors=True)
