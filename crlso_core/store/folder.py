"""One run folder: the names of the files it holds, where a runs root is, claiming a new
folder atomically, and opening one.

A run folder holds config.json (enough to reproduce the run), summary.json, queries.csv and
trajectories.csv (records.py), latent.npz (the pool's cell strings with their codes) and
model state dicts (*.pt, loaded with weights_only=True; models.py), and, once used,
baselines/<method>.csv (baselines run beside it) and analysis/<method>-<dims>d.npz
(projections). Only this module spells those names."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from crlso_core.catalog.config import RunConfig
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import LinkOut, finish_group, path_inside, read_json, uninterrupted, write_json
from crlso_core.common.locks import FolderLock, owner_alive, owner_record, read_owner
from crlso_core.store.records import RunSummary

CONFIG, SUMMARY, QUERIES, TRAJECTORIES, LATENT = "config.json", "summary.json", "queries.csv", "trajectories.csv", "latent.npz"
TEACHER, GVAE, PREDICTOR, PREDICTOR_SEARCH = "teacher.pt", "gvae.pt", "predictor.pt", "predictor_search.pt"
BASELINES, ANALYSIS = "baselines", "analysis"  # subfolders
TRAINED_FILES = (CONFIG, SUMMARY, GVAE, PREDICTOR, LATENT)  # what a run must hold to be opened and explored
RUN_FILES = (CONFIG, SUMMARY, QUERIES, TRAJECTORIES, LATENT, GVAE, PREDICTOR, PREDICTOR_SEARCH, TEACHER)  # all of a run's own files
ENV_VAR = "CRLSO_RUNS"
LOCK_FILE = ".lock"  # held by a search or a baseline while it works in the run
PACKAGE = Path(__file__).resolve().parents[1]  # crlso_core: its shipped examples and tables never change
EXAMPLES = PACKAGE / "data" / "examples"


def in_package(path: Path) -> bool:
    """Whether a path (followed through any link) lies inside the installed package."""
    try:
        return Path(path).resolve().is_relative_to(PACKAGE)
    except (OSError, RuntimeError):
        return False


def default_root() -> Path:
    """Where runs live unless told otherwise: $CRLSO_RUNS, else ./runs (the app and the CLI)."""
    return Path(os.environ.get(ENV_VAR) or "runs")


@dataclass(frozen=True)
class RunFolder:
    """A run folder by its path; its files by name, and its config and summary read and checked."""

    path: Path

    def __post_init__(self) -> None:
        path = self.path.path if isinstance(self.path, RunFolder) else Path(self.path)
        object.__setattr__(self, "path", path)

    def file(self, name: str) -> Path:
        """The path of one of the run's files; a link anywhere below the run folder on the way
        (a file, or a subfolder such as baselines/) is refused: a folder may come from anyone,
        and none of its names may lead outside it."""
        try:
            return path_inside(self.path, name)
        except LinkOut as exc:
            raise CRLSOError(f"{exc}: a run's files must lie inside its own folder {self.path}; "
                             "replace the link with the file or folder itself.") from None

    def baseline_queries(self, method: str) -> Path:
        return self.file(f"{BASELINES}/{method}.csv")

    def baseline_files(self) -> list[Path]:
        return sorted(self.file(p.relative_to(self.path).as_posix()) for p in self.file(BASELINES).glob("*.csv"))

    def projection(self, method: str, dims: int) -> Path:
        return self.file(f"{ANALYSIS}/{method}-{dims}d.npz")

    def stamp(self) -> float:
        """When the summary last changed (0 without one): a cache key that moves with every save."""
        try:
            return self.file(SUMMARY).stat().st_mtime
        except (OSError, CRLSOError):
            return 0.0

    def identity(self) -> tuple[int, int]:
        """The folder's device and inode: a folder deleted (or replaced) meanwhile has others."""
        info = os.stat(self.path)
        return info.st_dev, info.st_ino

    def check_still(self, identity: tuple[int, int], what: str) -> None:
        """One message if the folder was deleted or replaced since `identity` was taken."""
        try:
            same = self.identity() == identity
        except OSError:
            same = False
        if not same:
            raise CRLSOError(f"{self.path} was deleted (or replaced) while {what}; nothing was saved, and it is not made again.")

    def lock(self) -> FolderLock:
        """`with folder.lock():` one writer at a time (a search, a baseline); delete_run refuses while it is held."""
        return FolderLock(self.path / LOCK_FILE, f"The run {self.path}")

    def writer(self) -> Optional[dict]:
        """The live process holding the run's lock (a search, a baseline), or None."""
        owner = read_owner(self.path / LOCK_FILE)
        return owner if owner is not None and owner_alive(owner) else None

    def check_writable(self) -> None:
        """The shipped examples (and anything else inside the package) are never written."""
        if in_package(self.path):
            raise CRLSOError(f"{self.path} is one of the examples shipped inside the crlso_core package, which never change; "
                             "work on a copy of it in your runs folder (`crlso search --run` and the Search page make one).")

    def has(self, name: str) -> bool:
        try:
            return self.file(name).is_file()
        except CRLSOError:
            return False  # reached through a link: not the run's own

    def is_run(self) -> bool:
        """A real folder (not a link) with a summary of its own."""
        return not self.path.is_symlink() and self.path.is_dir() and self.has(SUMMARY) and not self.file(SUMMARY).is_symlink()

    # --- reading ---------------------------------------------------------------------------
    def config(self) -> RunConfig:
        """config.json, checked: its numbers decide what gets allocated."""
        path = self.file(CONFIG)
        try:
            return RunConfig.from_dict(read_json(path)).validate()
        except CRLSOError as exc:
            message = str(exc)
            raise CRLSOError(message if str(path) in message else f"{path}: {message}") from None

    def summary(self) -> RunSummary:
        return RunSummary.from_dict(read_json(self.file(SUMMARY)))

    def summary_or_none(self) -> Optional[RunSummary]:
        try:
            return self.summary()
        except CRLSOError:
            return None

    def write_summary(self, summary: RunSummary) -> None:
        write_json(self.file(SUMMARY), summary.to_dict())

    def require(self) -> None:
        if not self.path.is_dir():
            what = "a file" if self.path.exists() else "missing"
            raise CRLSOError(f"{self.path} is not a run folder (it is {what}); give a folder written by `crlso train` or `crlso run`.")

    def open(self) -> tuple[RunConfig, RunSummary]:
        """The folder to work in: a save that a killed process left half done is completed
        first, then its config and summary are read and checked."""
        self.require()
        finish_group(self.path)
        return self.config(), self.summary()

    def check_trained(self) -> None:
        """Every file a trained run holds is there (one clear message if not)."""
        for name in TRAINED_FILES:
            if not self.has(name):
                raise CRLSOError(f"{self.path} is not a trained run: {name} is missing. Train it again or delete it on the Runs page.")


# --- claiming a new folder ---------------------------------------------------------------

STAGING_SUFFIX = ".partial"
OWNER_FILE = ".owner.json"



def check_root(root: Path) -> Path:
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise CRLSOError(f"The runs folder {root} is a file, not a folder; give --runs-dir (or CRLSO_RUNS) a folder.")
    if in_package(root):  # listing a root writes its index; a run would land in the package
        raise CRLSOError(f"The runs folder {root} is inside the crlso_core package, whose shipped examples must stay as "
                         "they are; give --runs-dir (or CRLSO_RUNS) a folder of your own (the examples are listed anyway).")
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


def _owner_alive(staging: Path) -> bool:
    owner = read_owner(staging / OWNER_FILE)
    return owner is not None and owner_alive(owner)


def _mount_point(path: Path) -> bool:
    """Whether a folder is a mount point: another file system, or a bind mount of the same
    one (which only the kernel's mount table tells)."""
    if os.path.ismount(path) or path.stat().st_dev != path.parent.stat().st_dev:
        return True
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return False
    target = str(path.resolve())
    return any(len(fields) > 4 and fields[4].replace("\\040", " ") == target for fields in (line.split() for line in lines))


def check_new_run(path: Path, option: str = "--out") -> Path:
    """A folder a new run may be written to, checked before any work: never inside the
    package (its shipped examples are listed from there), not a file, not a full folder,
    and not a mount point (the finished run is renamed into place, which a mount point
    cannot take)."""
    path = Path(path)
    if in_package(path):
        raise CRLSOError(f"{option} {path} is inside the crlso_core package, whose shipped examples must stay as they are; "
                         f"choose a folder of your own.")
    if path.is_symlink():  # the finished run is renamed onto the name, which a link cannot take
        raise CRLSOError(f"{option} {path} is a link; give the folder it points to, or a new folder.")
    if path.exists() and not path.is_dir():
        raise CRLSOError(f"{path} is a file, not a folder; choose another {option}.")
    if path.is_dir() and any(path.iterdir()):
        raise CRLSOError(f"{path} already exists and is not empty; choose another {option} or delete it.")
    if path.is_dir() and _mount_point(path):
        raise CRLSOError(f"{path} is a mount point: a run is written beside its folder and renamed into place when done, "
                         f"which a mount point cannot take. Give {option} a new folder inside it, e.g. {path / path.name}.")
    return path


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
        path = check_new_run(self.path)
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
            (self.staging / OWNER_FILE).write_text(json.dumps(owner_record()))
        except OSError as exc:
            raise CRLSOError(f"Cannot write in {path.parent}: {exc.strerror}. Choose another --out.") from None
        return self.staging

    def commit(self) -> None:
        """Make the finished run visible under its name, in one rename."""
        with uninterrupted():
            (self.staging / OWNER_FILE).unlink(missing_ok=True)
            try:
                os.rename(self.staging, self.path)  # replaces an empty folder; refuses a full one
            except OSError as exc:
                filled = self.path.is_dir() and any(self.path.iterdir())
                why = "was filled by something else while this run trained" if filled else f"could not take the run ({exc.strerror})"
                raise CRLSOError(f"{self.path} {why}; nothing was written there. Choose another --out.") from None

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
