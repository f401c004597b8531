"""Where the benchmark files live: --data-dir, else $CRLSO_DATA_DIR, else ./data, else
../shared/data (the layout of the team's machines). Files are read in place."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import CRLSOError

ENV_VAR = "CRLSO_DATA_DIR"
_REPO_ROOT = Path(__file__).resolve().parents[2]

HOW_TO_GET = {
    "nb201/nb201_all_15625_200ep.csv": (
        "the NAS-Bench-201 table (one row per cell, 200-epoch accuracies). Build it from the "
        "official NATS-Bench topology folder 'NATS-tss-v1_0-3ffb9-simple' (Google Drive id "
        "17_saCsj_krKjlCBLOJEpNtzPXArMCqxU) with `crlso data build-nb201 --nats-dir DIR --out FILE`"
    ),
}


def candidate_dirs(explicit: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched, in order of precedence."""
    if explicit:
        return [Path(explicit)]
    if os.environ.get(ENV_VAR):
        return [Path(os.environ[ENV_VAR])]
    return [Path("data"), Path("..") / "shared" / "data", _REPO_ROOT.parent / "shared" / "data"]


def find_data_file(relative: str, explicit: str | os.PathLike | None = None) -> Path:
    """Path of a benchmark file, or a CRLSOError naming every place looked and how to get it."""
    looked = []
    for folder in candidate_dirs(explicit):
        path = folder / relative
        if path.is_file():
            return path
        looked.append(str(path.resolve()))
    how = HOW_TO_GET.get(relative, "the benchmark file")
    raise CRLSOError(
        f"Benchmark file {relative!r} not found. Looked in: {'; '.join(dict.fromkeys(looked))}. "
        f"It is {how}. Point at the data folder with --data-dir DIR or {ENV_VAR}=DIR."
    )
