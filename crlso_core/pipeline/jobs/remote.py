"""The app's jobs on a Ray cluster ($CRLSO_RAY_ADDRESS): the work of a job (train a pair,
search, projections) runs as one Ray task on a worker, a GPU worker when the run's device is
cuda; the job's local process supervises it, so the pages see the same job as ever.

- In: the run folders a job reads travel as run bundles (bundles.export_zip); the worker
  unpacks them into a temporary runs root of its own (no shared file system assumed).
- Progress: the task puts its events on a Ray queue; the supervisor passes them to the
  job's progress file as they come, so bars and live curves move as for a local job.
- Cancel: the supervisor, stopped by cancel_job, cancels the task (force) before it exits.
- Out: the finished run folders come back as bundles. New runs (a trained pair) enter the
  runs root all at once, checked as an imported bundle is; a run that was searched or
  projected gets its new files in one atomic group. A failed or cancelled task writes nothing.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from crlso_core.common.errors import CRLSOError
from crlso_core.common.progress import ProgressEvent
from crlso_core.pipeline.jobs.cluster import check_fits, connect, import_ray, task_error
from crlso_core.store.bundles import export_zip, import_zip, merged, update_from_zip
from crlso_core.store.folder import CONFIG, RunFolder

JOB_CPUS = 2  # torch threads of one job's task: what a job uses on the 2-core machines
POLL_S = 0.25
QUEUE_SIZE = 10_000


def job_device(job: dict) -> str:
    """The device the job's runs train or search on, as configured ("auto", "cpu", "cuda")."""
    params = job["params"]
    if job["kind"] == "train_pair":
        return params["config"].get("device", "auto")
    runs = params.get("runs", [])
    if not runs:
        return "auto"
    try:
        return json.loads(RunFolder(Path(runs[0])).file(CONFIG).read_text()).get("device", "auto")
    except (OSError, ValueError, AttributeError, CRLSOError):
        return "auto"


def task_resources(job: dict) -> dict:
    return {"num_cpus": JOB_CPUS, "num_gpus": 1 if job_device(job) == "cuda" else 0}


class _Forwarder:
    """On the worker: a job's progress callback that puts its events on the queue, at most a
    few a second per stage (every event that carries a curve point goes through)."""

    def __init__(self, events):
        self.events, self.stage, self.last = events, None, 0.0

    def __call__(self, event: ProgressEvent) -> None:
        now = time.time()
        point = "best_valid" in event.metrics
        if event.stage == self.stage and not point and event.step < event.total and now - self.last < POLL_S:
            return
        self.stage, self.last = event.stage, now
        try:
            self.events.put_nowait((event.stage, event.step, event.total, {k: float(v) for k, v in event.metrics.items()}))
        except Exception:  # a full queue drops an event rather than stall the work
            pass


def _remote_work(job: dict, bundles: dict[str, bytes], events) -> tuple[dict, dict[str, bytes]]:
    """On a Ray worker: the job in a temporary runs root; returns (result, bundles of the runs)."""
    import torch

    from crlso_core.pipeline.jobs.work import work

    torch.set_num_threads(JOB_CPUS)
    with tempfile.TemporaryDirectory(prefix="crlso-job-") as tmp:
        root = Path(tmp) / "runs"
        root.mkdir()
        here = {folder.name: folder for name, data in bundles.items() for folder in import_zip(data, root)}
        params = dict(job["params"])
        if "runs" in params:
            params["runs"] = [str(here[Path(r).name]) for r in params["runs"]]
        if params.get("data_dir") and not Path(params["data_dir"]).is_dir():
            params["data_dir"] = None  # not on this node: the package's compact copies
        result = work({**job, "root": str(root), "params": params}, _Forwarder(events))
        names = [Path(r).name for r in result["runs"]]
        return {"runs": names}, {name: export_zip(root / name) for name in names}


def _install(job: dict, result: dict, outputs: dict[str, bytes]) -> dict:
    root = Path(job["root"])
    names = result["runs"]
    if job["kind"] == "train_pair":
        folders = import_zip(merged([outputs[n] for n in names]), root) if names else []
        return {"runs": [str(f) for f in folders]}
    for name in names:
        update_from_zip(outputs[name], root / name, root)
    return {"runs": [str(root / n) for n in names]}


def _drain(events, progress: Callable[[ProgressEvent], None]) -> None:
    n = events.size()
    if n:
        for stage, step, total, metrics in events.get_nowait_batch(n):
            progress(ProgressEvent(stage, step, total, metrics))


def run_remote(job: dict, progress: Callable[[ProgressEvent], None], address: str) -> Any:
    """Supervise the job's work as a task on the cluster at `address`; returns its result
    once the finished runs are in the runs root."""
    ray = import_ray()
    started = connect(address)
    ref = None
    try:
        resources = task_resources(job)
        check_fits(resources)
        from ray.util.queue import Queue

        events = Queue(maxsize=QUEUE_SIZE)
        bundles = {Path(r).name: export_zip(Path(r)) for r in job["params"].get("runs", [])}
        ref = ray.remote(**resources, max_retries=0)(_remote_work).remote(job, bundles, events)
        while not ray.wait([ref], timeout=POLL_S)[0]:
            _drain(events, progress)
        try:
            result, outputs = ray.get(ref)
        except ray.exceptions.RayTaskError as e:
            raise task_error(e) from None
        ref = None
        _drain(events, progress)
        return _install(job, result, outputs)
    except CRLSOError:
        raise
    except BaseException:  # cancelled (SIGTERM) or interrupted: the task must not run on
        if ref is not None:
            ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()
