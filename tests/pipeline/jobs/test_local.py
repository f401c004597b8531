"""Background jobs: real worker processes on a real (smoke) run store."""

import os
import signal
import time

import pytest

from crlso_core.catalog.presets import preset
from crlso_core.common.errors import CRLSOError
from crlso_core.pipeline.jobs.local import active_job, cancel_job, job_info, list_jobs, start_job, wait_for


def _wait_running(info, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = job_info(info.path)
        if info.progress is not None or not info.active:
            return info
        time.sleep(0.2)
    raise AssertionError("the job never reported progress")


def test_a_projection_job_runs_in_its_own_process_and_caches_its_result(smoke_pair):
    from crlso_core.analysis.cache import projection_path

    run = smoke_pair / "pair-ls"
    info = start_job(smoke_pair, "project", {"runs": [str(run)], "methods": ["pca"]}, "PCA")
    assert info.pid != os.getpid()
    done = wait_for(info, timeout=120)
    assert done.status == "done" and projection_path(run, "pca", 2).exists()
    assert active_job(smoke_pair) is None


def test_a_second_job_is_refused_while_one_runs_and_cancel_leaves_nothing_behind(tmp_path):
    config = preset("smoke", device="cpu")
    info = start_job(tmp_path, "train_pair", {"config": config.to_dict(), "name": "c"}, "train c")
    with pytest.raises(CRLSOError, match="Another job is running: train c"):
        start_job(tmp_path, "train_pair", {"config": config.to_dict(), "name": "d"}, "train d")
    _wait_running(info)
    cancel_job(job_info(info.path))
    done = wait_for(info, timeout=60)
    assert done.status == "cancelled"
    assert not [p for p in tmp_path.iterdir() if p.name != ".jobs" and p.name != "index.sqlite"]  # no half run
    assert active_job(tmp_path) is None  # the lock is free again


def test_a_killed_worker_is_reported_as_crashed_and_frees_the_lock(tmp_path):
    config = preset("smoke", device="cpu")
    info = _wait_running(start_job(tmp_path, "train_pair", {"config": config.to_dict(), "name": "k"}, "train k"))
    os.killpg(info.pid, signal.SIGKILL)
    crashed = wait_for(info, timeout=30)
    assert crashed.status == "crashed" and "ended without finishing" in crashed.error
    assert not [p.name for p in tmp_path.iterdir() if p.name not in (".jobs", "index.sqlite")]  # what it wrote is gone: the message is true
    follow = start_job(tmp_path, "project", {"runs": [], "methods": ["pca"]}, "nothing")  # lock taken over
    assert wait_for(follow, timeout=60).status == "done"
    assert [j.status for j in list_jobs(tmp_path)] == ["done", "crashed"]


def test_a_failing_job_reports_its_message(tmp_path):
    info = start_job(tmp_path, "search", {"runs": [str(tmp_path / "nope")], "budget": 10}, "search nothing")
    done = wait_for(info, timeout=60)
    assert done.status == "failed" and "is missing" in done.error


def test_progress_keeps_the_search_curve_for_the_live_chart(tmp_path):
    from crlso_core.common.files import read_json
    from crlso_core.common.progress import ProgressEvent
    from crlso_core.pipeline.jobs.local import _ProgressWriter

    write = _ProgressWriter(tmp_path / "progress.json")
    for used, best in [(30, 88.0), (40, 89.5), (60, 91.0)]:
        write(ProgressEvent("crls:search", used, 60, {"best_valid": best}))
    progress = read_json(tmp_path / "progress.json")
    assert progress["curves"]["crls:search"] == [[30, 88.0], [40, 89.5], [60, 91.0]]
    assert progress["step"] == 60 and progress["eta_s"] == 0.0


def test_cancel_never_signals_a_process_that_is_not_the_jobs_worker(tmp_path):
    """A job folder may come from anyone: a pid in it that belongs to another process is
    left alone (here, a sleeping process standing for any victim)."""
    import json
    import subprocess
    import sys

    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        job = tmp_path / ".jobs" / "j1"
        job.mkdir(parents=True)
        (job / "job.json").write_text(json.dumps({"id": "j1", "kind": "search", "title": "forged", "params": {}, "created": time.time(),
                                                  "root": str(tmp_path), "pid": victim.pid}))
        (job / "state.json").write_text(json.dumps({"status": "running", "pid": victim.pid}))
        cancel_job(job_info(job))
        time.sleep(0.5)
        assert victim.poll() is None  # still running: not signalled
    finally:
        victim.kill()
        victim.wait()


def test_a_training_job_can_compute_projections_and_reports_its_whole_plan(tmp_path):
    from crlso_core.analysis.cache import projection_path
    from crlso_core.common.files import read_json

    config = preset("smoke", device="cpu")
    info = start_job(tmp_path, "train_pair", {"config": config.to_dict(), "name": "p", "projections": ["pca"]}, "train p")
    done = wait_for(info, timeout=300)
    assert done.status == "done", done.error
    for side in ("ls", "crls"):
        assert projection_path(tmp_path / f"p-{side}", "pca", 2).exists()
    progress = read_json(info.path / "progress.json")
    assert progress["plan"] == ["ls:teacher", "ls:gvae", "ls:check", "crls:teacher", "crls:gvae", "crls:check", "ls:pca", "crls:pca"]
    assert progress["index"] == 7 and progress["step"] == progress["total"]  # the last stage, finished
    assert progress["job_eta_s"] == 0.0 and not progress["job_eta_partial"]


def test_the_jobs_eta_comes_from_its_own_pace_and_says_when_it_is_a_lower_bound(tmp_path, monkeypatch):
    """A pair's second side is timed by its first: once ls:gvae took 10 s, crls:gvae is
    expected to take 10 s too; a stage of a kind not yet seen makes the ETA a lower bound."""
    from crlso_core.common.files import read_json
    from crlso_core.common.progress import ProgressEvent
    from crlso_core.pipeline.jobs import local

    now = [1000.0]
    monkeypatch.setattr(local.time, "time", lambda: now[0])
    plan = ["ls:teacher", "ls:gvae", "crls:teacher", "crls:gvae", "ls:tsne"]
    write = local._ProgressWriter(tmp_path / "progress.json", plan)
    for stage, seconds in (("ls:teacher", 2.0), ("ls:gvae", 10.0)):
        write(ProgressEvent(stage, 0, 4))
        now[0] += seconds
        write(ProgressEvent(stage, 4, 4))
    write(ProgressEvent("crls:teacher", 0, 4))
    now[0] += 1.0
    write(ProgressEvent("crls:teacher", 2, 4))  # half done in 1 s: 1 s left in it
    progress = read_json(tmp_path / "progress.json")
    assert progress["eta_s"] == 1.0 and progress["job_eta_s"] == 1.0 + 10.0 and progress["job_eta_partial"]  # t-SNE not yet seen


LAUNCHER = """
import sys, threading, time
from dataclasses import replace
from crlso_core.catalog.presets import preset
from crlso_core.pipeline.jobs.local import start_job

def launch():  # as the app does: from a thread (a Streamlit script run) that ends at once
    config = preset("smoke", device="cpu")
    config.gvae = replace(config.gvae, epochs=500)  # still training when the launcher dies, however fast the machine
    info = start_job(sys.argv[1], "train_pair", {"config": config.to_dict(), "name": "o"}, "train o")
    print(info.path, flush=True)

thread = threading.Thread(target=launch)
thread.start()
thread.join()
time.sleep(600)
"""


def test_a_worker_ends_with_the_process_that_launched_it_even_on_sigkill(tmp_path):
    """The app server that launched a job is killed with SIGKILL: its worker notices (a
    watchdog on the launcher's pid, since the launching thread ended long before), stops
    as a cancel does and says why, instead of computing for nobody."""
    import subprocess
    import sys

    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        path = launcher.stdout.readline().strip()
        info = _wait_running(job_info(path))
        assert info.active, "the worker must outlive the thread that launched it"
    finally:
        launcher.kill()
        launcher.wait()
    done = wait_for(info, timeout=20, poll=0.2)
    if done.active:  # not to leave it computing when this test fails
        os.killpg(info.pid, signal.SIGKILL)
    assert done.status == "failed" and "The app that started this job ended" in done.error
    assert not [p.name for p in tmp_path.iterdir() if p.name not in (".jobs", "index.sqlite")]  # nothing half-written kept
    assert active_job(tmp_path) is None
