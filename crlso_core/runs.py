"""The run store: one folder per run, files written atomically, and a SQLite index of
runs per store root so the app can find and compare them.

A run folder holds config.json (enough to reproduce it), summary.json, queries.csv,
trajectories.csv, latent.npz (mu of every cell under the final model, with the cell
strings) and model state dicts (*.pt, loadable with weights_only=True).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import torch

from .errors import CRLSOError
from .files import write_bytes_atomic

INDEX_NAME = "index.sqlite"
DEFAULT_ROOT = Path("runs")


# --- atomic files ----------------------------------------------------------------------


def write_json(path: Path, data: Any) -> None:
    write_bytes_atomic(path, (json.dumps(data, indent=2, default=_jsonable) + "\n").encode())


def _jsonable(value: Any) -> Any:
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


def save_state(path: Path, module: torch.nn.Module) -> None:
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    write_bytes_atomic(path, buffer.getvalue())


def load_state(path: Path, module: torch.nn.Module) -> torch.nn.Module:
    """Load a state dict with weights_only=True: a run folder may come from anyone."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        module.load_state_dict(state)
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: the run has no trained model there.") from None
    except Exception as exc:  # unpickling errors, wrong shapes, truncated files
        raise CRLSOError(f"{path} could not be loaded as a model state ({type(exc).__name__}: {exc}).") from None
    return module


def save_latent(path: Path, archs: list[str], mu: torch.Tensor) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, arch=np.array(archs), mu=mu.numpy().astype(np.float32))
    write_bytes_atomic(path, buffer.getvalue())


def load_latent(path: Path) -> tuple[list[str], np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return data["arch"].tolist(), data["mu"]
    except FileNotFoundError:
        raise CRLSOError(f"{path} is missing: the run has no latent codes yet.") from None
    except Exception as exc:
        raise CRLSOError(f"{path} is corrupt ({type(exc).__name__}: {exc}).") from None


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


def index_run(run_dir: Path, summary: Mapping[str, Any]) -> None:
    """Insert or update the run in the index of the folder that holds it."""
    run_dir = run_dir.resolve()
    now = time.time()
    row = (
        str(run_dir), run_dir.name, summary.get("space"), summary.get("dataset"), summary.get("preset"),
        summary.get("seed"), summary.get("budget"), summary.get("status"), summary.get("created", now), now,
        summary.get("best_arch"), summary.get("best_valid_acc"), summary.get("best_test_acc"),
        json.dumps(summary, default=_jsonable),
    )
    with closing(_connect(run_dir.parent)) as conn, conn:
        conn.execute(f"INSERT OR REPLACE INTO runs VALUES ({','.join('?' * len(row))})", row)


def list_runs(root: Path = DEFAULT_ROOT) -> list[dict[str, Any]]:
    """Indexed runs whose folders still exist, newest first."""
    if not (root / INDEX_NAME).exists():
        return []
    with closing(_connect(root)) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY created DESC")]
    return [r for r in rows if Path(r["path"]).is_dir()]


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
