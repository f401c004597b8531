"""Faults that need a real process, a signal, a full disk or a hostile folder: claims under
concurrency, SIGTERM and SIGKILL in the middle of training, a save interrupted by a full
disk or a kill, a corrupt index, the Runs store's trust in its files, file modes, budgets
as large as the space, and the app's server binding."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crlso_core.catalog.presets import preset
from crlso_core.cli import main
from crlso_core.common import files
from crlso_core.common.errors import CRLSOError
from crlso_core.store.bundles import export_zip
from crlso_core.store.folder import RunFolder
from crlso_core.store.index import delete_run, index_run, list_runs

ROOT = Path(__file__).resolve().parents[1]


def _crlso(*args, cwd, env=None):
    return subprocess.Popen([sys.executable, "-m", "crlso_core.cli", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "runs")


# --- 1. claims ---------------------------------------------------------------------------------


def test_two_runs_started_on_one_folder_leave_exactly_one_whole_run(tmp_path):
    out = tmp_path / "same"
    first = _crlso("train", "--preset", "smoke", "--quiet", "--device", "cpu", "--out", str(out), cwd=tmp_path)
    time.sleep(0.3)
    second = _crlso("train", "--preset", "smoke", "--quiet", "--device", "cpu", "--seed", "1", "--out", str(out), cwd=tmp_path)
    results = [(p.wait(timeout=300), p.stderr.read()) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert "Another run is being written to" in loser or "already exists" in loser, loser
    assert RunFolder(out).summary().status == "trained" and not list(tmp_path.glob(".same*"))


def test_a_staging_folder_left_by_a_dead_process_is_reclaimed(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    staging = tmp_path / ".run.partial"
    staging.mkdir()
    (staging / ".owner.json").write_text(json.dumps({"pid": dead.pid, "started": None}))
    (staging / "teacher.pt").write_bytes(b"half")
    assert main(["train", "--preset", "smoke", "--quiet", "--device", "cpu", "--out", str(tmp_path / "run"),
                 "--runs-dir", str(tmp_path / "runs")]) == 0
    assert RunFolder(tmp_path / "run").summary().status == "trained" and not staging.exists()


# --- 6. signals: nothing visible until a run is whole ------------------------------------------


def _wait_for(predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_run_killed_while_training_leaves_no_visible_folder_and_the_name_stays_free(tmp_path, sig):
    out = tmp_path / "killed"
    proc = _crlso("train", "--preset", "demo", "--quiet", "--device", "cpu", "--out", str(out), cwd=tmp_path)
    assert _wait_for(lambda: (tmp_path / ".killed.partial" / "config.json").exists()), proc.stderr.read() if proc.poll() else ""
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    err = proc.stderr.read()
    assert not out.exists()  # nothing named 'killed' ever appeared
    if sig == signal.SIGTERM:
        assert code == 143 and "terminated" in err and "Traceback" not in err and _visible(tmp_path) == []  # staging removed too
    else:
        assert code == -signal.SIGKILL  # no handler runs: the hidden staging folder stays, owned by a dead process
    rerun = _crlso("train", "--preset", "smoke", "--quiet", "--device", "cpu", "--out", str(out), cwd=tmp_path)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read()
    assert RunFolder(out).summary().status == "trained" and _visible(tmp_path) == ["killed"]


# --- 7 and 8. a full disk, a kill among the renames, a corrupt index -----------------------------


def _full_disk_after(monkeypatch, writes: int) -> None:
    real = files._write_temp
    count = {"n": 0}

    def write(path, data):
        count["n"] += 1
        if count["n"] > writes:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(files, "_write_temp", write)


def test_a_full_disk_while_training_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    _full_disk_after(monkeypatch, 3)
    code = main(
        ["train", "--preset", "smoke", "--quiet", "--device", "cpu", "--out", str(tmp_path / "r"), "--runs-dir", str(tmp_path / "runs")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "No space left on device" in err[0] and "Traceback" not in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # not even the runs root's index


def test_a_full_disk_while_saving_a_search_keeps_every_old_file(smoke_run, tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    shutil.copytree(smoke_run[0], run)
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    _full_disk_after(monkeypatch, 2)  # the predictor and the trajectory reach disk; the queries do not
    code = main(["search", "--run", str(run), "--budget", "50", "--rule", "ranked", "--quiet", "--runs-dir", str(tmp_path / "runs")])
    assert code == 2 and "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before  # the files still agree


def test_a_save_killed_among_its_renames_is_completed_when_the_run_is_opened(smoke_run, tmp_path, monkeypatch):
    from crlso_core.pipeline.run import search_run

    run = tmp_path / "run"
    shutil.copytree(smoke_run[0], run)
    real = files._rename_all

    def killed(folder, journal):  # the process dies after the first rename
        first = next(iter(journal.items()))
        os.replace(folder / first[1], folder / first[0])
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "_rename_all", killed)
    with pytest.raises(KeyboardInterrupt):
        search_run(run, budget=45)
    assert (run / ".group.json").exists() and RunFolder(run).summary().queries_used == 60  # old summary, new predictor: torn
    monkeypatch.setattr(files, "_rename_all", real)
    files.finish_group(run)
    summary = RunFolder(run).summary()
    assert summary.queries_used == 45 and not (run / ".group.json").exists()
    assert len([line for line in (run / "queries.csv").read_text().splitlines()[1:]]) == 45  # queries agree with the summary
    assert not [p for p in run.iterdir() if p.name.startswith(".")]


def test_a_corrupt_index_is_rebuilt_from_the_run_folders(smoke_pair, tmp_path):
    root = tmp_path / "store"
    for side in ("ls", "crls"):
        shutil.copytree(smoke_pair / f"pair-{side}", root / f"pair-{side}")
    (root / "index.sqlite").write_bytes(b"this is not a database" * 100)
    assert sorted(r.name for r in list_runs(root)) == ["pair-crls", "pair-ls"]
    assert list(root.glob("index.sqlite.corrupt-*"))  # kept aside for a bug report
    assert sorted(r.name for r in list_runs(root)) == ["pair-crls", "pair-ls"]  # and the new index holds them


# --- 9. the store trusts no path its files name ----------------------------------------------------


def test_delete_never_reaches_outside_the_runs_root(smoke_run, tmp_path):
    root, outside = tmp_path / "root", tmp_path / "elsewhere"
    shutil.copytree(smoke_run[0], outside)
    root.mkdir()
    index_run(outside, RunFolder(outside).summary(), root)  # listed in the root, made elsewhere
    (root / "link").symlink_to(outside, target_is_directory=True)
    listed = {r.name: r for r in list_runs(root)}
    assert listed["elsewhere"].inside_root is False
    assert delete_run(outside, root) is False and delete_run(root / "link", root) is False
    assert (outside / "summary.json").exists() and not list_runs(root)  # forgotten, files kept


def test_export_takes_no_file_a_link_points_to(smoke_run, tmp_path):
    import io
    import zipfile

    run = tmp_path / "run"
    shutil.copytree(smoke_run[0], run)
    (tmp_path / "secret").write_text("not the run's")
    (run / "queries.csv").unlink()
    (run / "queries.csv").symlink_to(tmp_path / "secret")
    names = zipfile.ZipFile(io.BytesIO(export_zip(run))).namelist()
    assert "run/summary.json" in names and "run/queries.csv" not in names


# --- 10. small things ---------------------------------------------------------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664)])
def test_files_get_the_mode_the_umask_gives(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        files.write_json(tmp_path / "x.json", {"a": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "x.json").stat().st_mode & 0o777 == mode


def test_a_run_made_with_out_elsewhere_is_listed_in_the_runs_root(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--preset", "smoke", "--quiet", "--device", "cpu", "--out", str(tmp_path / "away" / "r")]) == 0
    assert not (tmp_path / "away" / "index.sqlite").exists()
    capsys.readouterr()
    assert main(["runs"]) == 0
    assert capsys.readouterr().out.startswith("r\ttrained\tnb201")


# --- 5. budgets as large as what the benchmark can answer ---------------------------------------------


def test_every_method_ends_when_the_budget_is_the_whole_space():
    import numpy as np

    from crlso_core.benchmarks import Oracle
    from crlso_core.catalog.registry import load_benchmark
    from crlso_core.search.baselines import BASELINES

    toy = load_benchmark("toy")
    for method in BASELINES:
        oracle = Oracle(toy, "synthetic", 216)
        BASELINES[method](toy.space, oracle, np.random.default_rng(0))
        assert oracle.used == 216
    with pytest.raises(CRLSOError, match="more than the 216 cells"):
        Oracle(toy, "synthetic", 217)


def test_a_latent_search_spends_a_budget_as_large_as_the_space(tmp_path):
    from crlso_core.pipeline.run import full_run

    summary = full_run(preset("smoke", space="toy", dataset="synthetic", budget=216, device="cpu"), tmp_path / "all")
    assert summary.queries_used == 216


# --- 2. the app's server answers on this machine only ---------------------------------------------------


@pytest.mark.parametrize("how", ["streamlit run", "crlso app"])
def test_the_app_listens_on_127_0_0_1_wherever_it_is_started(tmp_path, how):
    import psutil

    from tools.serve import free_port

    port = free_port()
    command = ([sys.executable, "-m", "streamlit", "run", str(ROOT / "crlso_app" / "main.py"), "--server.port", str(port)]
               if how == "streamlit run" else [sys.executable, "-m", "crlso_core.cli", "app", "--port", str(port)])
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "CRLSO_RUNS": str(tmp_path)}, start_new_session=True)
    try:
        def listening():
            return [c.laddr for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port]
        assert _wait_for(lambda: listening(), timeout=240)  # `crlso app` warms the caches before it listens
        assert {addr.ip for addr in listening()} == {"127.0.0.1"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_a_locked_index_does_not_lose_a_finished_run(tmp_path, capsys):
    import sqlite3

    root = tmp_path / "runs"
    root.mkdir()
    holder = sqlite3.connect(root / "index.sqlite", isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the index
    try:
        code = main(["train", "--preset", "smoke", "--quiet", "--device", "cpu", "--out", str(root / "r"), "--runs-dir", str(root)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 0 and RunFolder(root / "r").summary().status == "trained"
    assert [r.name for r in list_runs(root)] == ["r"]  # found from its folder, and indexed now


# --- 11-16. what the second hostile trial broke (issue 24) -----------------------------------------

BENCH = ["bench", "--space", "nb201", "--datasets", "cifar10", "--methods", "rs,rea,local", "--seeds", "0-5", "--budgets", "20,40",
         "--quiet"]


def test_two_benches_on_one_folder_never_write_a_row_twice(tmp_path):
    """Started together on one folder: one takes the folder's lock, the other is refused with
    the holder's pid (or, if the first finished first, finds every row done). Either way each
    run's rows are there once, and the summary counts each seed once."""
    import csv

    procs = [_crlso(*BENCH, "--out", str(tmp_path / "b"), cwd=tmp_path) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) in ([0, 0], [0, 2]), outs
    for code, (_, err) in zip(codes, outs):
        if code == 2:
            assert "is in use by process" in err and err.count("\n") == 1 and "Traceback" not in err
    rows = list(csv.DictReader(open(tmp_path / "b" / "results.csv")))
    keys = [(r["method"], r["dataset"], r["seed"], r["budget"]) for r in rows]
    assert len(keys) == len(set(keys)) == 3 * 6 * 2
    assert "| 40 | rs | 6 |" in (tmp_path / "b" / "summary.md").read_text()
    assert not (tmp_path / "b" / ".bench.lock").exists()  # given back at the end


def test_a_bench_lock_whose_holder_died_is_taken_over(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / ".bench.lock").write_text(json.dumps({"pid": dead.pid, "started": None, "since": 0}))
    assert main([*BENCH[:8], "0", "--budgets", "20", "--quiet", "--out", str(folder)]) == 0
    assert (folder / "results.csv").exists() and not (folder / ".bench.lock").exists()


def test_a_ray_address_that_accepts_and_never_answers_is_one_line_within_seconds(tmp_path):
    """Something listens at the address but never greets us as a Ray head does: the probe
    says so (rc 2, one line) before the bench takes its folder; Ray's own join waited 60 s."""
    from tests.fake_ray_head import listener

    with listener(None) as address:
        started = time.time()
        proc = _crlso("bench", "--methods", "rs", "--seeds", "0", "--budgets", "20", "--backend", "ray", "--address",
                      address, "--out", str(tmp_path / "b"), "--quiet", cwd=tmp_path)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 2 and "did not answer" in err and "Traceback" not in err, err
        assert time.time() - started < 60
        assert not (tmp_path / "b" / ".bench.lock").exists()


def test_sigterm_stops_a_bench_joining_a_ray_head_that_greets_and_then_stalls(tmp_path):
    """A head that sends gRPC's first frame (so the probe passes) and then nothing: joining is
    bounded, and a SIGTERM meanwhile stops the command at once (Ray's connect loop ignored it)."""
    from tests.fake_ray_head import SETTINGS_FRAME, listener

    with listener(SETTINGS_FRAME) as address:
        proc = _crlso("bench", "--methods", "rs", "--seeds", "0", "--budgets", "20", "--backend", "ray", "--address",
                      address, "--out", str(tmp_path / "b"), "--quiet", cwd=tmp_path)
        deadline = time.time() + 120  # past the probe (the lock is taken after it), into Ray's join; slow on a busy machine
        while not (tmp_path / "b" / ".bench.lock").exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        assert proc.poll() is None, proc.communicate()[1]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 143 and "terminated" in err and "Traceback" not in err


def test_sigterm_stops_a_bench_and_its_worker_processes(tmp_path):
    """A bench of two worker processes stopped a few seconds into jobs that take minutes
    (lesson pairs): the command exits 143 within a minute and takes its workers with it.
    It used to wait for the running jobs, and a second signal then orphaned the workers."""
    import psutil

    proc = _crlso("bench", "--methods", "crlso", "--seeds", "0-3", "--budgets", "500", "--preset", "lesson", "--workers", "2",
                  "--device", "cpu", "--out", str(tmp_path / "b"), "--quiet", cwd=tmp_path)
    parent = psutil.Process(proc.pid)

    def command_line(p):
        try:
            return " ".join(p.cmdline())
        except psutil.Error:  # a short-lived child (git, a resource tracker) ended between listing and reading
            return ""

    def workers():
        return [p for p in parent.children() if "spawn_main" in command_line(p)]

    found = []
    try:
        assert _wait_for(lambda: len(workers()) == 2 or proc.poll() is not None, timeout=120)
        found = workers()
        assert len(found) == 2 and proc.poll() is None
        time.sleep(5)  # into their jobs
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 143 and "Traceback" not in err
        _, alive = psutil.wait_procs(found, timeout=15)
        assert not alive, [command_line(p) for p in alive]
    finally:
        for p in [parent, *found]:
            if p.is_running():
                p.kill()


@pytest.mark.parametrize("suffix, gzipped", [(".csv", False), (".csv.gz", True)])
def test_a_table_is_gzipped_only_when_its_name_says_so_and_force_replaces_only_a_file(tmp_path, capsys, suffix, gzipped):
    from tests.benchmarks.readers.nb101_records import metrics_b64, record_json, write_tfrecord
    from tests.data import NATS_SIMPLE_DIR

    record = write_tfrecord(tmp_path / "in.tfrecord", [record_json("a" * 32, 108, metrics=metrics_b64(0.9, 0.8, 100.0))])
    builds = (["data", "build-nb101", "--tfrecord", str(record), "--quiet"], ["data", "build-nb201", "--nats-dir", str(NATS_SIMPLE_DIR)])
    for argv in builds:
        out = tmp_path / f"table-{argv[1]}{suffix}"
        out.write_text("old")
        assert main([*argv, "--out", str(out)]) == 2 and out.read_text() == "old"  # refused without --force
        assert main([*argv, "--out", str(out), "--force"]) == 0
        head = out.read_bytes()[:2]
        assert (head == b"\x1f\x8b") == gzipped
    capsys.readouterr()


def test_a_named_data_folder_without_the_table_says_which_table_was_used(tmp_path, capsys):
    empty = tmp_path / "data"
    empty.mkdir()
    assert main(["run", "--preset", "smoke", "--seed", "1", "--data-dir", str(empty), "--out", str(tmp_path / "r"), "--quiet",
                 "--runs-dir", str(tmp_path / "runs")]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(notes) == 1 and notes[0].startswith("crlso: note: --data-dir") and "holds no nb201/" in notes[0]
    assert "using the package's copy" in notes[0]
