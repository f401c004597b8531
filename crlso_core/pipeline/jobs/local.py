"""Background jobs: training, search and projections in their own process, so a page stays
live, a reload loses nothing, and a job can be cancelled.

A job is a folder <runs root>/.jobs/<id>/ holding
  job.json       what to do (written once by the launcher),
  state.json     status, pid, error, result (written only by the worker),
  progress.json  the latest progress event with an ETA (written only by the worker),
  cancel         present once a cancel was asked for,
  log.txt        the worker's own output.
With $CRLSO_RAY_ADDRESS set when a job starts, its worker process supervises the work as a
task on that Ray cluster instead of doing it (remote.py); nothing else changes. What each
kind of job does is in work.py.
One job runs at a time per runs root (the machine has few cores, and two jobs would
slow each other several-fold): <root>/.jobs/active names it. A worker that died without
saying so (killed, out of memory) is seen as "crashed"; its lock is then taken over.

Run as `python -m crlso_core.pipeline.jobs.local <job folder>` by `start_job`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.files import read_json, write_json
from crlso_core.common.lifeline import die_with_parent
from crlso_core.common.progress import ProgressEvent
from crlso_core.pipeline.jobs.cluster import ADDRESS_ENV
from crlso_core.pipeline.jobs.work import KINDS, plan_of, work
from crlso_core.store.folder import clean_stale

ACTIVE = ("queued", "running")


class JobCancelled(BaseException):
    """Raised in the worker by SIGTERM; a BaseException so that every cleanup runs."""


@dataclass
class JobInfo:
    id: str
    path: Path
    kind: str
    title: str
    params: dict
    created: float
    status: str  # queued, running, done, failed, cancelled, crashed
    pid: Optional[int]
    error: Optional[str]
    result: Any
    progress: Optional[dict]
    finished: Optional[float] = None  # when the worker ended (done, failed, cancelled)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def seconds(self) -> Optional[float]:
        """How long the job took, once it ended."""
        return None if self.finished is None else self.finished - self.created


def jobs_root(root: Path) -> Path:
    return Path(root) / ".jobs"


def _read(path: Path) -> Optional[dict]:
    try:
        return read_json(path)
    except CRLSOError:
        return None


def _alive(pid: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:  # a zombie answers kill(0) but is dead
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def job_info(path: Path) -> JobInfo:
    path = Path(path)
    job = _read(path / "job.json")
    if job is None:
        raise CRLSOError(f"{path} is not a job folder (job.json is missing or corrupt).")
    state = _read(path / "state.json") or {}
    status = state.get("status", "queued")
    pid = state.get("pid") or job.get("pid")
    error = state.get("error")
    if status in ACTIVE and not _alive(pid) and time.time() - job["created"] > 2:
        if (path / "cancel").exists():
            status = "cancelled"
        else:
            status, error = "crashed", _crash_message(path)
        clean_stale(Path(job.get("root", path.parent.parent)))  # what it was writing is removed: the message says so
    return JobInfo(
        job["id"], path, job["kind"], job["title"], job["params"], job["created"], status, pid, error,
        state.get("result"), _read(path / "progress.json"), state.get("finished"),
    )


def _crash_message(path: Path) -> str:
    try:
        tail = (path / "log.txt").read_text(errors="replace").strip().splitlines()[-3:]
    except OSError:
        tail = []
    last = f" Its last output: {' / '.join(tail)[-300:]}" if tail else ""
    return f"The job's process ended without finishing (killed, or out of memory?). Nothing it was writing was kept.{last}"


def list_jobs(root: Path) -> list[JobInfo]:
    folder = jobs_root(root)
    if not folder.is_dir():
        return []
    infos = []
    for path in folder.iterdir():
        if path.is_dir() and (path / "job.json").exists():
            try:
                infos.append(job_info(path))
            except CRLSOError:
                continue
    return sorted(infos, key=lambda j: j.created, reverse=True)


def active_job(root: Path) -> Optional[JobInfo]:
    lock = jobs_root(root) / "active"
    try:
        job_id = lock.read_text().strip()
    except OSError:
        return None
    try:
        info = job_info(jobs_root(root) / job_id)
    except CRLSOError:
        return None
    return info if info.active else None


def _take_lock(root: Path, job_id: str) -> None:
    lock = jobs_root(root) / "active"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            running = active_job(root)
            if running is not None:
                raise CRLSOError(
                    f"Another job is running: {running.title} (started {time.strftime('%H:%M:%S', time.localtime(running.created))}). "
                    "Wait for it to finish or cancel it; one job runs at a time."
                ) from None
            lock.unlink(missing_ok=True)  # its job ended or crashed: the lock is stale
            continue
        with os.fdopen(fd, "w") as f:
            f.write(job_id)
        return
    raise CRLSOError("Could not take the job lock; try again.")


def _release_lock(root: Path, job_id: str) -> None:
    lock = jobs_root(root) / "active"
    try:
        if lock.read_text().strip() == job_id:
            lock.unlink()
    except OSError:
        pass


FROM_ENV = "from the environment"  # start_job's default: the cluster $CRLSO_RAY_ADDRESS names, if any


def start_job(root: Path, kind: str, params: dict, title: str, ray_address: Optional[str] = FROM_ENV) -> JobInfo:
    """Launch a worker process for the job; refuse when another job is running. The work
    runs on the Ray cluster at `ray_address` (default: $CRLSO_RAY_ADDRESS), here when None."""
    if kind not in KINDS:
        raise CRLSOError(f"Unknown job kind {quoted(kind, 40)}.")
    root = Path(root)
    jobs_root(root).mkdir(parents=True, exist_ok=True)
    job_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    _take_lock(root, job_id)
    path = jobs_root(root) / job_id
    try:
        path.mkdir()
        job = {"id": job_id, "kind": kind, "title": title, "params": params, "created": time.time(), "root": str(root.resolve()),
               "ray_address": (os.environ.get(ADDRESS_ENV) if ray_address == FROM_ENV else ray_address) or None}
        write_json(path / "job.json", job)
        job["pid"] = _launch(path)
        write_json(path / "job.json", job)
    except BaseException:
        _release_lock(root, job_id)
        raise
    return job_info(path)


PARENT_ENV = "CRLSO_JOB_PARENT"  # the launcher's pid: the worker ends when it ends


def _launch(path: Path) -> int:
    """Start the job's worker process; a thread waits for it, so it is reaped the moment it
    ends (a long-lived app server gathered one zombie per finished job). Its own session, so
    a cancel reaches all it started; it ends with the launcher (see main)."""
    env = {**os.environ, PARENT_ENV: str(os.getpid())}
    with open(path / "log.txt", "wb") as log:
        child = subprocess.Popen([sys.executable, "-m", "crlso_core.pipeline.jobs.local", str(path)], env=env,
                                 stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    threading.Thread(target=child.wait, name=f"reap-{child.pid}", daemon=True).start()
    return child.pid


def _is_worker(pid: int, path: Path) -> bool:
    """Whether pid runs this job's worker: a job folder may come from anyone, and its pid
    must never be taken for any other process's."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    job_id = path.name.encode()
    return b"crlso_core.pipeline.jobs.local" in command and any(arg == job_id or arg.endswith(b"/" + job_id) for arg in command)


def cancel_job(info: JobInfo) -> None:
    """Ask the worker to stop; it removes whatever it had half-written."""
    (info.path / "cancel").touch()
    if info.pid and _alive(info.pid) and _is_worker(info.pid, info.path):
        try:
            os.killpg(info.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass


def wait_for(info: JobInfo, timeout: float = 600.0, poll: float = 0.5) -> JobInfo:
    deadline = time.time() + timeout
    while True:
        info = job_info(info.path)
        if not info.active or time.time() > deadline:
            return info
        time.sleep(poll)


# --- the worker ------------------------------------------------------------------------------


def _kind(stage: str) -> str:
    """What a stage does, whichever side it runs on ("crls:gvae" -> "gvae")."""
    return stage.rpartition(":")[2]


class _ProgressWriter:
    """Writes the latest event to progress.json at most a few times a second, with ETAs from
    this job's own measured pace: the stage's from its progress so far, and the job's from
    that plus, for each stage still to come, how long a stage of the same kind took earlier
    in this job (a pair's second side repeats the first's stages). A stage to come that
    nothing measured yet makes the job's ETA a lower bound, and says so."""

    def __init__(self, path: Path, plan: Optional[list[str]] = None):
        self.path, self.plan, self.stage, self.stage_start, self.last = path, plan or [], None, 0.0, 0.0
        self.curves: dict[str, list] = {}  # stage -> [(queries, best validation accuracy)], for live curves
        self.took: dict[str, float] = {}  # stage kind -> seconds a finished stage of that kind took
        self.lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        with self.lock:
            self._write(event)

    def _job_eta(self, stage: str, stage_left: Optional[float]) -> tuple[Optional[float], bool]:
        """(seconds left in the job, whether that is only a lower bound)."""
        if stage not in self.plan or stage_left is None:
            return None, True
        left, partial = stage_left, False
        for later in self.plan[self.plan.index(stage) + 1:]:
            if _kind(later) in self.took:
                left += self.took[_kind(later)]
            else:
                partial = True
        return left, partial

    def _write(self, event: ProgressEvent) -> None:
        now = time.time()
        if "best_valid" in event.metrics:
            self.curves.setdefault(event.stage, []).append((event.step, float(event.metrics["best_valid"])))
        if event.stage != self.stage:
            if self.stage is not None:
                self.took[_kind(self.stage)] = now - self.stage_start
            self.stage, self.stage_start = event.stage, now
        elif now - self.last < 0.3 and event.step < event.total:
            return
        self.last = now
        elapsed = now - self.stage_start
        eta = elapsed / event.step * (event.total - event.step) if event.step > 0 else None
        job_eta, partial = self._job_eta(event.stage, eta)
        index = self.plan.index(event.stage) if event.stage in self.plan else None
        write_json(self.path, {
            "stage": event.stage, "step": event.step, "total": event.total,
            "metrics": {k: float(v) for k, v in event.metrics.items()}, "eta_s": eta, "updated": now,
            "curves": self.curves, "plan": self.plan, "index": index, "job_eta_s": job_eta, "job_eta_partial": partial,
            "stage_elapsed_s": elapsed,
        })


def _on_sigterm(signum, frame):
    raise JobCancelled()


_orphaned = threading.Event()
ORPHANED = "The app that started this job ended, so the job stopped; nothing it was writing was kept. Start it again."


def _on_orphan() -> None:
    """The launcher is gone (an app server killed, even with SIGKILL): stop as a cancel does,
    removing what was half-written, and say why."""
    _orphaned.set()
    os.kill(os.getpid(), signal.SIGTERM)


def _die_with_launcher() -> None:
    """End with the process that launched this worker. A watchdog on its pid, not the kernel's
    parent-death signal: the app launches from a Streamlit script thread, which ends long
    before the app does, and the kernel would send the signal when that thread ends."""
    parent = os.environ.pop(PARENT_ENV, "")
    if parent.isdigit():
        die_with_parent(int(parent), kernel=False, on_orphan=_on_orphan)


def main(argv: Optional[list[str]] = None) -> int:
    path = Path((argv or sys.argv[1:])[0])
    signal.signal(signal.SIGTERM, _on_sigterm)
    _die_with_launcher()
    job = read_json(path / "job.json")
    state: dict[str, Any] = {"status": "running", "pid": os.getpid(), "started": time.time()}
    write_json(path / "state.json", state)
    try:
        if (path / "cancel").exists():
            raise JobCancelled()
        writer = _ProgressWriter(path / "progress.json", plan_of(job))
        if job.get("ray_address"):
            from crlso_core.pipeline.jobs.remote import run_remote

            result = run_remote(job, writer, job["ray_address"])
        else:
            result = work(job, writer)
        state.update(status="done", result=result)
    except JobCancelled:
        if _orphaned.is_set():
            state.update(status="failed", error=ORPHANED)
        else:
            state.update(status="cancelled")
    except CRLSOError as exc:
        state.update(status="failed", error=str(exc))
    except Exception as exc:
        if _orphaned.is_set():  # the SIGTERM raised inside a C call comes out as another error
            state.update(status="failed", error=ORPHANED)
        elif (path / "cancel").exists():  # the cancel's SIGTERM raised inside a C call (Ray's wait) comes out as another error
            state.update(status="cancelled")
        else:  # an unexpected fault: say what it was; the traceback goes to log.txt
            import traceback

            traceback.print_exc()
            state.update(status="failed", error=f"Unexpected error: {type(exc).__name__}: {exc}")
    finally:
        state["finished"] = time.time()
        write_json(path / "state.json", state)
        _release_lock(Path(job["root"]), job["id"])
    return 0 if state["status"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
