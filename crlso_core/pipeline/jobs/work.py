"""What each kind of job does, as a table: the stages it will report (so a page can show one
bar for the whole job) and the work itself. The same functions run in a local worker
process (local.py) and in a Ray task (remote.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from crlso_core.catalog.config import RunConfig
from crlso_core.catalog.methods import SIDES
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.progress import ProgressEvent, ProgressFn
from crlso_core.pipeline.stages import CHECK
from crlso_core.store import folder as run_files
from crlso_core.store.folder import RunFolder
from crlso_core.store.pairs import pair_folders

# Seconds a projection of 15,625 codes takes on a 2-core CPU (measured in the app); a job
# without finer progress shows its estimate from these, scaled by the number of codes.
PROJECTION_SECONDS = {"pca": 2.0, "tsne": 30.0, "umap": 65.0}


def _timed(progress: ProgressFn, stage: str, expected_s: float, work: Callable[[], Any]) -> Any:
    """Run `work`, reporting each second how long it has run against how long such a stage
    usually takes (t-SNE and UMAP report nothing themselves). Past the usual time the bar
    keeps moving (its end moves out) and says so, instead of freezing near the end."""
    stop = threading.Event()
    usual = max(1, int(expected_s))

    def tick() -> None:
        start = time.time()
        while not stop.wait(1.0):
            elapsed = int(time.time() - start)
            over = elapsed >= 0.9 * usual
            total = int(elapsed / 0.9) + 1 if over else usual
            progress(ProgressEvent(stage, elapsed, total, {"estimated": 1.0, "usual_s": float(usual), "over": float(over)}))

    progress(ProgressEvent(stage, 0, usual, {"estimated": 1.0, "usual_s": float(usual)}))
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        return work()
    finally:
        stop.set()
        ticker.join()
        progress(ProgressEvent(stage, 1, 1))


def _project(progress: ProgressFn, side: str, run_dir: Path, methods: list[str], dims: int = 2) -> None:
    from crlso_core.analysis.cache import cached_projection
    from crlso_core.store.models import load_latent

    _, codes = load_latent(RunFolder(run_dir).file(run_files.LATENT))
    for method in methods:
        expected = PROJECTION_SECONDS.get(method, 30.0) * len(codes) / 15_625
        _timed(progress, f"{side}:{method}", expected, lambda m=method: cached_projection(run_dir, codes, m, dims))


def _side(run_dir: str) -> str:
    return RunFolder(run_dir).summary().side_name


# --- the kinds -------------------------------------------------------------------------------

def _train_pair_plan(params: dict) -> list[str]:
    sides = list(params.get("sides", SIDES))
    return [f"{s}:{stage}" for s in sides for stage in ("teacher", "gvae", CHECK)] + \
        [f"{s}:{m}" for s in sides for m in params.get("projections", [])]


def _train_pair(params: dict, root: Path, progress: ProgressFn) -> dict:
    from crlso_core.pipeline.pair import train_pair

    summaries = train_pair(RunConfig.from_dict(params["config"]), root, params["name"], params.get("data_dir"), progress,
                           params.get("sides", SIDES))
    runs = pair_folders(root, params["name"], summaries)
    for side, run_dir in runs.items():  # t-SNE and UMAP with the training, when asked for
        _project(progress, side, run_dir, list(params.get("projections", [])))
    return {"runs": [str(r) for r in runs.values()]}


def _search_plan(params: dict) -> list[str]:
    return [f"{_side(r)}:search" for r in params.get("runs", [])] + list(params.get("baselines", []))


def _search(params: dict, root: Path, progress: ProgressFn) -> dict:
    from crlso_core.pipeline.pair import baseline_run
    from crlso_core.pipeline.run import search_run

    data_dir, results = params.get("data_dir"), {}
    for run_dir in params["runs"]:
        side = _side(run_dir)
        wrapped = lambda e, side=side: progress(ProgressEvent(f"{side}:{e.stage}", e.step, e.total, e.metrics))  # noqa: E731
        results[run_dir] = search_run(Path(run_dir), data_dir, params.get("budget"), params.get("rule"), wrapped)
    for method in params.get("baselines", []):
        baseline_run(Path(params["runs"][0]), method, params["budget"], data_dir, progress)
    return {"runs": list(results)}


def _project_plan(params: dict) -> list[str]:
    return [f"{_side(r)}:{m}" for r in params.get("runs", []) for m in params.get("methods", [])]


def _project_runs(params: dict, root: Path, progress: ProgressFn) -> dict:
    for run_dir in params["runs"]:
        _project(progress, _side(run_dir), Path(run_dir), list(params["methods"]), params.get("dims", 2))
    return {"runs": params["runs"]}


@dataclass(frozen=True)
class Kind:
    plan: Callable[[dict], list[str]]  # the stages it reports, in order, from its parameters
    run: Callable[[dict, Path, ProgressFn], dict]  # (parameters, runs root, progress) -> {"runs": [run folders]}


KINDS = {
    "train_pair": Kind(_train_pair_plan, _train_pair),
    "search": Kind(_search_plan, _search),
    "project": Kind(_project_plan, _project_runs),
}


def _kind(job: dict) -> Kind:
    if job.get("kind") not in KINDS:
        raise CRLSOError(f"Unknown job kind {quoted(job.get('kind'), 40)}.")
    return KINDS[job["kind"]]


def plan_of(job: dict) -> list[str]:
    """The stages a job will report, in order."""
    return _kind(job).plan(job["params"])


def work(job: dict, progress: ProgressFn) -> Any:
    """What a job does, here or (remote.py) on a Ray worker; returns its result."""
    return _kind(job).run(job["params"], Path(job["root"]), progress)
