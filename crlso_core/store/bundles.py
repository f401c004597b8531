"""Run bundles: a run folder as a zip to take elsewhere (export), and a zip brought in
(import). A bundle comes from anyone, so an import trusts nothing in it:

- only the files a run folder holds, under one folder per run with a plain name (no path
  that climbs out, no absolute path, no link, nothing else);
- sizes checked on the zip's directory before anything is unpacked (a few hundred bytes
  that unpack to gigabytes are refused), and again while unpacking;
- every run unpacked into its own hidden staging folder and opened there exactly as the
  explorer opens a run (config and summary type-checked and bounded, models loaded with
  weights_only=True, codes without pickles) before any of them appears in the runs root;
- one message for anything wrong, and then nothing of the bundle is kept.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from pathlib import Path

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.store.folder import ANALYSIS, BASELINES, RUN_FILES, SUMMARY, TRAINED_FILES, RunClaim, RunFolder, check_root
from crlso_core.store.index import index_run

SUBFOLDERS = {
    BASELINES: re.compile(r"^[a-z][a-z0-9_-]{0,31}\.csv$"),
    ANALYSIS: re.compile(r"^((pca|tsne|umap)-[23]d|found-[0-9a-f]{12})\.npz$"),  # projections, the methods' found map
}
RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MAX_BUNDLE = 512 * 2**20  # what one bundle may unpack to in all
MAX_MEMBERS = 200
MAX_FILE = {".json": 16 * 2**20, ".csv": 64 * 2**20, ".npz": 256 * 2**20, ".pt": 256 * 2**20}


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


def merged(bundles: list[bytes]) -> bytes:
    """One bundle of several runs (a pair, say), which an import adds all or none."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for data in bundles:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    out.writestr(info, archive.read(info))
    return buffer.getvalue()


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


def import_zip(data: bytes, root: Path) -> list[Path]:
    """Add the runs of a bundle to the runs root; returns their folders. All or nothing."""
    from crlso_core.store.view import load_view

    root = check_root(Path(root))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CRLSOError(f"This is not a run bundle (a zip written by Export): {str(exc)[:120]}.") from None
    if not infos or len(infos) > MAX_MEMBERS:
        raise CRLSOError(f"A run bundle holds 1 to {MAX_MEMBERS} files; this one holds {len(infos)}.")
    if sum(i.file_size for i in infos) > MAX_BUNDLE:
        raise CRLSOError(f"This bundle unpacks to more than {MAX_BUNDLE // 2**20} MB; nothing was imported.")
    members: dict[str, list[tuple[zipfile.ZipInfo, str]]] = {}
    for info in infos:
        run, inside = _member(info)
        if inside:
            members.setdefault(run, []).append((info, inside))
    if not members:
        raise CRLSOError("The bundle holds no run files.")
    for run, files in members.items():
        if set(TRAINED_FILES) - {inside for _, inside in files}:
            raise CRLSOError(f"The bundle's run {quoted(run)} lacks files a trained run has (config, summary, codes, models).")
    claims = {run: RunClaim(root / run) for run in members}
    entered: list[RunClaim] = []
    try:
        for run, claim in claims.items():
            if (root / run).exists():
                raise CRLSOError(f"A run named {run} is already in {root}; delete or rename it first. Nothing was imported.")
            staging = claim.__enter__()
            entered.append(claim)
            for info, inside in members[run]:
                target = staging / inside
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as out:
                    out.write(source.read(info.file_size + 1)[: info.file_size + 1])
                if target.stat().st_size != info.file_size:
                    raise CRLSOError(f"{quoted(info.filename)} does not unpack to the size the bundle says; nothing was imported.")
            try:
                load_view(staging)  # opened as the explorer opens a run: every check of a run from elsewhere
            except CRLSOError as exc:
                raise CRLSOError(f"The bundle's run {run} cannot be opened: {exc} Nothing was imported.") from None
        for claim in entered:
            claim.commit()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise CRLSOError(f"The bundle is damaged ({str(exc)[:120]}); nothing was imported.") from None
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
