"""Run bundles: a run folder as a zip to take elsewhere (export), and a zip brought in
(import). A bundle comes from anyone, so an import trusts nothing in it:

- only the files a run folder holds, under one folder per run with a plain name (no path
  that climbs out, no absolute path, no link, nothing else);
- sizes checked on the zip's directory before anything is unpacked (a few hundred bytes
  that unpack to gigabytes are refused), and again while unpacking;
- every run unpacked into its own hidden staging folder and opened there exactly as the
  explorer opens a run (config and summary type-checked and bounded, models loaded with
  weights_only=True, codes without pickles) before any of them appears in the runs root;
- each run's summary, config, models and cells tell one story (a summary saying NB301 on
  an NB201 run's config, models and cells is refused, naming the two that disagree), and
  its analysis arrays fit its pool (headers checked, store/arrays.py);
- no name the runs root uses for itself (its index) or a shipped example's (example-*),
  as a run or as a pair, and no pair side that the root already holds;
- any zip the standard library cannot read (encrypted members, an unknown compression, not
  a zip at all) is one message, as is anything else wrong, and then nothing of the bundle
  is kept, hidden staging folders included.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Optional

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.store.analysis_files import check_found, read_projection_header
from crlso_core.store.arrays import unreadable
from crlso_core.store.examples import PREFIX as EXAMPLE_PREFIX
from crlso_core.store.folder import (
    ANALYSIS,
    BASELINES,
    QUERIES,
    RUN_FILES,
    SUMMARY,
    TRAINED_FILES,
    RunClaim,
    RunFolder,
    check_root,
)
from crlso_core.store.index import INDEX_NAME, index_run

SUBFOLDERS = {
    BASELINES: re.compile(r"^[a-z][a-z0-9_-]{0,31}\.csv$"),
    ANALYSIS: re.compile(r"^((pca|tsne|umap)-[23]d|found-[0-9a-f]{12})\.npz$"),  # projections, the methods' found map
}
RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MAX_BUNDLE = 512 * 2**20  # what one bundle may unpack to in all
MAX_MEMBERS = 200
MAX_FILE = {".json": 16 * 2**20, ".csv": 64 * 2**20, ".npz": 256 * 2**20, ".pt": 256 * 2**20}
# what the standard library raises on a zip it cannot read (damaged, or a kind it does not know)
UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, KeyError, RuntimeError,
              NotImplementedError, OverflowError, IndexError)
NOT_A_BUNDLE = "This is not a run bundle this program can read (a zip written by Export)"


def _own_file(run_dir: Path, path: Path) -> bool:
    """A regular file really inside the run folder: a link (to /etc/passwd, say) is not."""
    folders = {run_dir.resolve(), *((run_dir / sub).resolve() for sub in SUBFOLDERS)}
    return path.is_file() and not path.is_symlink() and path.resolve().parent in folders


def export_zip(run_dir: Path) -> bytes:
    """A zip of the whole run: config, summary, queries, trajectories, baseline queries,
    latent codes, models and cached projections, so it opens elsewhere as it does here.
    Regular files of the folder only, never what a link points to."""
    run_dir = Path(run_dir)
    if run_dir.is_symlink() or not _own_file(run_dir, run_dir / SUMMARY):
        raise CRLSOError(f"{run_dir} is not a finished run (it has no summary.json of its own).")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in RUN_FILES:
            if _own_file(run_dir, run_dir / name):
                archive.write(run_dir / name, f"{run_dir.name}/{name}")
        for sub, pattern in SUBFOLDERS.items():
            folder = run_dir / sub
            if folder.is_dir() and not folder.is_symlink():
                for path in sorted(folder.iterdir()):
                    if pattern.match(path.name) and _own_file(run_dir, path):
                        archive.write(path, f"{run_dir.name}/{sub}/{path.name}")
    return buffer.getvalue()


def open_bundle(data: bytes, label: str = "") -> zipfile.ZipFile:
    """A bundle's zip, once the standard library can read every member of it: encrypted
    members or a compression it does not know are one CRLSOError here, not a RuntimeError
    or NotImplementedError halfway through an import."""
    which = f" ({label})" if label else ""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except UNREADABLE as exc:
        raise CRLSOError(f"{NOT_A_BUNDLE}{which}: {str(exc)[:120]}. Nothing was imported.") from None
    for info in infos:
        why = unreadable(info)
        if why:
            raise CRLSOError(f"{NOT_A_BUNDLE}{which}: {why}. Nothing was imported.")
    return archive


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: Optional[int] = None) -> bytes:
    """A member's bytes (at most `limit` + 1 of them); a damaged one is one CRLSOError."""
    try:
        with archive.open(info) as source:
            return source.read(-1 if limit is None else limit + 1)
    except UNREADABLE as exc:
        raise CRLSOError(f"The bundle is damaged ({quoted(info.filename)}: {str(exc)[:120]}); nothing was imported.") from None


def merged(bundles: list[bytes], labels: Optional[list[str]] = None) -> bytes:
    """One bundle of several runs (a pair, say), which an import adds all or none. Bundles
    from elsewhere are read as an import reads them: any that cannot be is one CRLSOError
    (naming it by its `labels`, the uploaded files' names)."""
    buffer = io.BytesIO()
    labels = labels or [""] * len(bundles)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for data, label in zip(bundles, labels):
            with open_bundle(data, label) as archive:
                for info in archive.infolist():
                    if info.file_size > MAX_BUNDLE:
                        raise CRLSOError(f"{quoted(info.filename)} unpacks to {info.file_size:,} bytes, more than a run bundle "
                                         "ever holds; nothing was imported.")
                    out.writestr(info, read_member(archive, info, info.file_size))
    return buffer.getvalue()


def _run_name(run: str) -> None:
    """A run name the root may hold: not a name of the root's own files (its index, and the
    journal or copies SQLite and a repair keep beside it), nor one of a shipped example's."""
    lower = run.lower()  # a case-insensitive filesystem: INDEX.SQLITE is the index
    if lower.startswith(INDEX_NAME):
        raise CRLSOError(f"The bundle's run is named {quoted(run)}, a name the runs folder keeps for its index; "
                         "rename the run's folder inside the zip (its first folder) and import it again. Nothing was imported.")
    if lower.startswith(EXAMPLE_PREFIX):
        raise CRLSOError(f"The bundle's run is named {quoted(run)}: names starting {EXAMPLE_PREFIX!r} belong to the examples "
                         "shipped with crlso; rename the run's folder inside the zip and import it again. Nothing was imported.")


def _member(info: zipfile.ZipInfo) -> tuple[str, str]:
    """(run name, path inside the run) of a member a bundle may hold; CRLSOError otherwise."""
    name = info.filename
    if stat.S_ISLNK(info.external_attr >> 16):
        raise CRLSOError(f"The bundle holds a link ({quoted(name)}); a bundle holds files only.")
    parts = name.split("/")
    if info.is_dir():
        ok = (
            1 <= len([p for p in parts if p]) <= 2
            and RUN_NAME.match(parts[0])
            and (len(parts) < 3 or not parts[1] or parts[1] in SUBFOLDERS)
        )
        if not ok:
            raise CRLSOError(f"The bundle holds a folder a run does not have: {quoted(name)}.")
        return parts[0], ""
    ok = RUN_NAME.match(parts[0]) and (
        (len(parts) == 2 and parts[1] in RUN_FILES) or (len(parts) == 3 and parts[1] in SUBFOLDERS and SUBFOLDERS[parts[1]].match(parts[2]))
    )
    if not ok:
        raise CRLSOError(f"The bundle holds {quoted(name)}, which is not a file of a run folder "
                         "(run/config.json, run/latent.npz, run/baselines/rea.csv, …); nothing was imported.")
    limit = MAX_FILE.get(Path(name).suffix, 0)
    if info.file_size > limit:
        raise CRLSOError(f"{quoted(name)} unpacks to {info.file_size:,} bytes, more than such a file ever holds; nothing was imported.")
    return parts[0], "/".join(parts[1:])


def _unpack(archive: zipfile.ZipFile, files: list[tuple[zipfile.ZipInfo, str]], staging: Path) -> None:
    for info, inside in files:
        target = staging / inside
        target.parent.mkdir(parents=True, exist_ok=True)
        data = read_member(archive, info, info.file_size)
        if len(data) != info.file_size:
            raise CRLSOError(f"{quoted(info.filename)} does not unpack to the size the bundle says; nothing was imported.")
        target.write_bytes(data)


def _pairs_held(root: Path) -> dict[tuple[str, str], str]:
    """(pair, side) -> run name of the runs already in the root's own folders (read, not
    indexed: a refused import writes nothing, not even an index)."""
    held = {}
    if root.is_dir():
        for path in root.iterdir():
            summary = RunFolder(path).summary_or_none() if not path.name.startswith(".") and RunFolder(path).is_run() else None
            if summary is not None:
                held[(summary.pair or path.name, summary.side_name)] = path.name
    return held


def _verify(run: str, staging: Path, held: dict[tuple[str, str], str]) -> None:
    """A staged run opens as the explorer opens it, and its parts tell one story."""
    from crlso_core.store.view import load_view

    try:
        view = load_view(staging)  # config checked, models fit it, cells parsed by its space: every check of a run from elsewhere
    except CRLSOError as exc:
        raise CRLSOError(f"The bundle's run {run} cannot be opened: {exc} Nothing was imported.") from None
    summary, config = view.summary, view.config
    why = summary.disagreement(config)
    if why is None and summary.pool_size is not None and summary.pool_size != len(view.pool):
        why = f"summary.json says pool_size {summary.pool_size:,} where latent.npz holds {len(view.pool):,} cells"
    for what, archs in (("summary.json's best_arch", [summary.best_arch] if summary.best_arch else []),
                        ("queries.csv", _queried(staging))):
        if why is None:
            try:
                view.space.parse_many(archs)
            except CRLSOError as exc:
                why = f"{what} holds a cell that is not a {view.space.title} cell, as config.json, the models and latent.npz are ({exc})"
    if why is None:
        why = _analysis_misfit(staging, len(view.pool))
    if why is not None:
        raise CRLSOError(f"The bundle's run {run} does not agree with itself: {why}. Nothing was imported.")
    pair = summary.pair or run
    if pair.lower().startswith(EXAMPLE_PREFIX):
        raise CRLSOError(f"The bundle's run {run} belongs to the pair {quoted(pair)}, a name of the examples shipped with crlso; "
                         "nothing was imported.")
    other = held.get((pair, summary.side_name))
    if other is not None:
        raise CRLSOError(f"The runs folder already holds the {summary.side_name} run of the pair {quoted(pair)} ({other}); "
                         f"delete it first, or rename the pair. Nothing was imported.")
    held[(pair, summary.side_name)] = run  # one bundle may not hold a pair's side twice either


def _queried(run_dir: Path) -> list[str]:
    from crlso_core.store.records import read_queries

    path = run_dir / QUERIES
    return [row.arch for row in read_queries(path)] if path.is_file() else []


def _analysis_misfit(run_dir: Path, cells: int) -> Optional[str]:
    """Why an analysis/*.npz does not fit the run (checked on its headers alone), or None."""
    for path in sorted((run_dir / ANALYSIS).glob("*.npz")):
        try:
            if path.name.startswith("found-"):
                check_found(path)
            else:
                read_projection_header(path, cells, int(path.stem[-2]))
        except CRLSOError as exc:
            return str(exc).removesuffix(".")
    return None


def import_zip(data: bytes, root: Path) -> list[Path]:
    """Add the runs of a bundle to the runs root; returns their folders. All or nothing."""
    root = check_root(Path(root))
    archive = open_bundle(data)
    infos = archive.infolist()
    if not infos or len(infos) > MAX_MEMBERS:
        raise CRLSOError(f"A run bundle holds 1 to {MAX_MEMBERS} files; this one holds {len(infos)}.")
    if sum(i.file_size for i in infos) > MAX_BUNDLE:
        raise CRLSOError(f"This bundle unpacks to more than {MAX_BUNDLE // 2**20} MB; nothing was imported.")
    members: dict[str, list[tuple[zipfile.ZipInfo, str]]] = {}
    seen = set()
    for info in infos:
        run, inside = _member(info)
        if info.filename in seen:
            raise CRLSOError(f"The bundle holds {quoted(info.filename)} twice; nothing was imported.")
        seen.add(info.filename)
        if inside:
            members.setdefault(run, []).append((info, inside))
    if not members:
        raise CRLSOError("The bundle holds no run files.")
    for run, files in members.items():
        _run_name(run)
        if set(TRAINED_FILES) - {inside for _, inside in files}:
            raise CRLSOError(f"The bundle's run {quoted(run)} lacks files a trained run has (config, summary, codes, models).")
    held = _pairs_held(root)
    claims = {run: RunClaim(root / run) for run in members}
    entered: list[RunClaim] = []
    try:
        for run, claim in claims.items():
            if (root / run).exists():
                raise CRLSOError(f"A run named {run} is already in {root}; delete or rename it first. Nothing was imported.")
            staging = claim.__enter__()
            entered.append(claim)
            _unpack(archive, members[run], staging)
            _verify(run, staging, held)
        for claim in entered:
            claim.commit()
    finally:
        for claim in entered:
            claim.__exit__(None, None, None)
    folders = [root / run for run in members]

    for folder in folders:
        index_run(folder, RunFolder(folder).summary(), root)
    return folders


def update_from_zip(data: bytes, run_dir: Path, root: Path) -> None:
    """Give a run the files of a bundle of the same run (searched or projected elsewhere):
    the bundle is checked and opened exactly as an import is, then its files replace the
    run's in one atomic group, and the index learns the new summary."""
    import tempfile

    from crlso_core.common.files import FileGroup

    run_dir = Path(run_dir)
    with tempfile.TemporaryDirectory(prefix="crlso-update-") as tmp:
        folders = import_zip(data, Path(tmp))
        if [f.name for f in folders] != [run_dir.name]:
            raise CRLSOError(
                f"The returned bundle holds {', '.join(f.name for f in folders)}, not the run {run_dir.name}; nothing was changed."
            )
        group = FileGroup(run_dir)
        files = sorted((p for p in folders[0].rglob("*") if p.is_file()), key=lambda p: p.name == SUMMARY)
        for path in files:  # the summary last: a run is what its summary says once that lands
            group.add(path.relative_to(folders[0]).as_posix(), path.read_bytes())
        group.commit()
    index_run(run_dir, RunFolder(run_dir).summary(), root)
