import csv

import pytest

from crlso_core.bench.grid import BenchPlan, parse_seeds, run_bench
from crlso_core.bench.report import write_report
from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import load_benchmark
from crlso_core.common.errors import CRLSOError
from crlso_core.search.origins import ORIGINS


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_small_grid_runs_reports_and_resumes(tmp_path, benchmark):
    plan = BenchPlan("nb201", ["cifar10"], ["crlso", "rea", "rs", "local"], [0, 1], [40, 60], preset="smoke", device="cpu")
    results = run_bench(plan, tmp_path)
    rows = _rows(results)
    assert len(rows) == 4 * 2 * 2  # method x seed x budget
    optimum = benchmark.optimum("cifar10").valid
    by_key = {(r["method"], r["seed"], int(r["budget"])): r for r in rows}
    for r in rows:
        cell = benchmark.space.parse(r["best_arch"])
        assert float(r["best_valid_acc"]) == benchmark.valid_accuracy([cell], "cifar10")[0]
        assert float(r["best_test_acc"]) == benchmark.test_accuracy([cell], "cifar10")[0]  # reported, never selected on
        assert int(r["found_valid_optimum"]) == int(float(r["best_valid_acc"]) >= optimum)
        assert 1 <= int(r["queries_to_best"]) <= int(r["budget"])
        assert float(by_key[(r["method"], r["seed"], 60)]["best_valid_acc"]) >= float(
            by_key[(r["method"], r["seed"], 40)]["best_valid_acc"]
        )
    assert {r["labelled"] for r in rows if r["method"] == "crlso"} == {"30"}
    for r in rows:  # latent rows say where their search queries came from; baselines leave it empty
        counts = [r[f"from_{kind}"] for kind in ORIGINS]
        if r["method"] == "crlso":
            assert sum(map(int, counts)) == int(r["budget"]) - 30
            latent = int(r["from_step"]) + int(r["from_nearest"])
            assert float(r["latent_share"]) == pytest.approx(latent / (int(r["budget"]) - 30), abs=1e-4)
        else:
            assert set(counts) == {""} and r["latent_share"] == ""
    # each seed draws its own randomness
    assert by_key[("rs", "0", 60)]["best_arch"] != by_key[("rs", "1", 60)]["best_arch"] or \
        by_key[("rea", "0", 60)]["best_arch"] != by_key[("rea", "1", 60)]["best_arch"]

    before = results.read_bytes()
    calls = []
    run_bench(plan, tmp_path, progress=lambda done, total, what: calls.append(total))
    assert results.read_bytes() == before and calls == [0]  # nothing left to run

    summary = write_report(tmp_path, benchmark)
    text = summary.read_text()
    rule = preset("smoke").search.rule  # crlso's own rule: the preset's
    assert f"| 60 | crlso [smoke, {rule}] | 2 |" in text and "| 60 | rea | 2 |" in text
    assert "latent moves" in text and (tmp_path / "curves.png").stat().st_size > 10_000


def test_new_budget_reruns_only_what_lacks_it(tmp_path):
    plan = BenchPlan("nb201", ["cifar100"], ["rs"], [0], [20], preset="smoke")
    run_bench(plan, tmp_path)
    plan.budgets = [20, 30]
    run_bench(plan, tmp_path)
    assert sorted(int(r["budget"]) for r in _rows(tmp_path / "results.csv")) == [20, 30]


def test_a_space_without_test_accuracy_leaves_those_cells_empty_and_says_so(tmp_path):
    plan = BenchPlan("toy", ["synthetic"], ["crlso", "rea", "local"], [0], [40, 60], preset="smoke", device="cpu")
    rows = _rows(run_bench(plan, tmp_path))
    assert len(rows) == 3 * 2 and {r["best_test_acc"] for r in rows} == {""} and {r["found_valid_optimum"] for r in rows} == {""}
    assert all(60 < float(r["best_valid_acc"]) <= 100 for r in rows)
    text = write_report(tmp_path, load_benchmark("toy")).read_text()
    assert "no test accuracy in this benchmark" in text and "nan" not in text.lower()


def test_bad_plans_are_clear_errors(tmp_path):
    with pytest.raises(CRLSOError, match="Unknown method"):
        run_bench(BenchPlan("nb201", ["cifar10"], ["bogo"], [0], [10]), tmp_path)
    with pytest.raises(CRLSOError, match="'ls' is now called 'local'"):
        run_bench(BenchPlan("nb201", ["cifar10"], ["ls"], [0], [10]), tmp_path)
    with pytest.raises(CRLSOError, match="Unknown dataset 'synthetic'"):
        run_bench(BenchPlan("nb201", ["synthetic"], ["rs"], [0], [10]), tmp_path)
    with pytest.raises(CRLSOError, match="more than the largest budget"):
        run_bench(BenchPlan("nb201", ["cifar10"], ["crlso50"], [0], [40], preset="smoke"), tmp_path)
    with pytest.raises(CRLSOError, match="--seeds"):
        parse_seeds("a-b")
    assert parse_seeds("0-3,7") == [0, 1, 2, 3, 7]
    assert not (tmp_path / "results.csv").exists()


def test_split_by_training_keeps_methods_that_share_a_training_together():
    from crlso_core.bench.grid import split_by_training

    jobs = split_by_training(["crlso", "rea", "lso", "ls-icnn", "crlso50", "crls-mlp", "rs"], "demo", "nb201")
    assert jobs == [["crlso", "crls-mlp"], ["rea", "rs"], ["lso", "ls-icnn"], ["crlso50"]]


def test_parallel_workers_give_the_rows_one_worker_gives(tmp_path):
    """Split jobs restore the same RNG states as one shared group: only wall time differs."""
    import torch

    from crlso_core.bench.methods import torch_threads_for

    plan = BenchPlan("nb201", ["cifar10"], ["crlso", "lso", "rs"], [0], [40, 60], preset="smoke", device="cpu")
    threads = torch.get_num_threads()
    torch.set_num_threads(torch_threads_for(2))  # as each of 2 workers: float sums depend on the thread count,
    try:  # and a latent step decoded near a boundary between two cells can tell them apart
        one = _rows(run_bench(plan, tmp_path / "one"))
    finally:
        torch.set_num_threads(threads)
    plan.workers = 2
    two = _rows(run_bench(plan, tmp_path / "two"))
    drop = lambda rows: sorted(tuple((k, v) for k, v in r.items() if k != "wall_s") for r in rows)
    assert len(one) == 3 * 2 and drop(one) == drop(two)
    recon = _rows(tmp_path / "two" / "reconstruction.csv")
    assert sorted(r["method"] for r in recon) == ["crlso", "lso"]  # latent methods only
    assert all(0.0 <= float(r["recon_pool"]) <= 1.0 and r["recon_heldout"] == "" for r in recon)  # NB201: the pool is the space
    by_method = lambda rows: sorted(rows, key=lambda r: r["method"])
    assert by_method(recon) == by_method(_rows(tmp_path / "one" / "reconstruction.csv"))


def _plan_json(folder):
    import json

    return json.loads((folder / "plan.json").read_text())


def test_plan_json_says_what_produced_the_bench_and_each_resume_adds_a_session(tmp_path):
    from crlso_core.bench.results import baseline_settings_id

    plan = BenchPlan("nb201", ["cifar100"], ["rs", "rea"], [0], [20], preset="smoke", device="cpu")
    run_bench(plan, tmp_path, argv=["/usr/bin/crlso", "bench", "--methods", "rs,rea"])
    data = _plan_json(tmp_path)
    assert data["space"] == "nb201" and data["preset"] == "smoke" and len(data["sessions"]) == 1
    (first,) = data["sessions"]
    assert first["argv"] == ["/usr/bin/crlso", "bench", "--methods", "rs,rea"] and first["device"] == "cpu"
    assert first["commit"] is None or (len(first["commit"]["sha"]) == 40 and isinstance(first["commit"]["dirty"], bool))
    assert first["machine"]["cpus"] >= 1 and first["machine"]["torch"] and first["machine"]["python"]
    assert (first["workers"], first["backend"], first["seeds"], first["budgets"]) == (1, "process", [0], [20])
    assert [(s["method"], s["rule"], s["settings"]) for s in first["settings"]] == [
        ("rs", "", baseline_settings_id("rs")), ("rea", "", baseline_settings_id("rea"))]
    assert "random search" in first["settings"][0]["about"]
    assert first["outcome"] == "finished" and first["finished"] >= first["started"] and first["wall_s"] >= 0
    rows = _rows(tmp_path / "results.csv")
    assert {(r["preset"], r["rule"], r["settings"]) for r in rows if r["method"] == "rs"} == {("", "", baseline_settings_id("rs"))}

    def stop(done, total, what):
        raise KeyboardInterrupt

    plan.seeds = [0, 1]
    with pytest.raises(KeyboardInterrupt):
        run_bench(plan, tmp_path, progress=stop)
    sessions = _plan_json(tmp_path)["sessions"]
    assert len(sessions) == 2 and sessions[0] == first and sessions[1]["outcome"] == "interrupted" and sessions[1]["argv"] is None


def test_a_resume_with_another_space_is_refused_and_changes_nothing(tmp_path):
    run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0], [20]), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(CRLSOError, match="holds a bench whose space is 'nb201', not 'toy'; resume it with the same setting"):
        run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("column, value, what", [("seed", "²", "a whole number"), ("best_valid_acc", "abc", "a number")])
def test_a_results_file_with_a_bad_value_is_refused_and_left_as_it_is(tmp_path, column, value, what):
    run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0, 1], [20]), tmp_path)
    rows = _rows(tmp_path / "results.csv")
    rows[1][column] = value
    with open(tmp_path / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(CRLSOError) as caught:
        run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0, 1, 2], [20]), tmp_path)
    assert f"results.csv, line 3, column '{column}': '{value}' is not {what}" in str(caught.value)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # plan.json too: no session started


def test_rows_of_an_earlier_bench_are_kept_but_not_counted_as_done(tmp_path):
    """An old file lacks preset, rule and settings: its run is another run, rerun beside it."""
    run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0], [20]), tmp_path)
    rows = _rows(tmp_path / "results.csv")
    old = [k for k in rows[0] if k not in ("preset", "rule", "settings")]
    with open(tmp_path / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=old, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0], [20]), tmp_path)
    rows = _rows(tmp_path / "results.csv")
    assert len(rows) == 2 and sorted(bool(r["settings"]) for r in rows) == [False, True]
    assert rows[0]["best_arch"] == rows[1]["best_arch"]  # the same search, told apart by what produced it


def test_rules_are_a_dimension_sharing_one_training(tmp_path):
    from crlso_core.bench.methods import method_config, run_settings
    from crlso_core.bench.results import settings_id

    plan = BenchPlan("nb201", ["cifar10"], ["crlso", "crlso-ray"], [0], [40], preset="smoke", device="cpu", rules=["ranked", "step"])
    rows = _rows(run_bench(plan, tmp_path))
    assert sorted((r["method"], r["rule"]) for r in rows) == [("crlso", "ranked"), ("crlso", "step"), ("crlso-ray", "ray")]
    assert {r["preset"] for r in rows} == {"smoke"}
    for r in rows:
        assert r["settings"] == run_settings(r["method"], r["rule"], "smoke", "nb201", "cifar10")
        assert r["settings"] == settings_id(method_config(r["method"], r["rule"], "smoke", "nb201", "cifar10", 5, 99).to_dict())
    assert len({r["settings"] for r in rows}) == 3
    recon = _rows(tmp_path / "reconstruction.csv")
    assert len(recon) == 3 and len({r["recon_pool"] for r in recon}) == 1  # one G-VAE searched three ways
    runs = {("crlso", "ranked"), ("crlso", "step"), ("crlso-ray", "ray")}
    assert {(r["method"], r["rule"]) for r in _rows(tmp_path / "curves.csv")} == runs
    (session,) = _plan_json(tmp_path)["sessions"]
    assert {(s["method"], s["rule"], s["settings"]) for s in session["settings"]} == {
        (r["method"], r["rule"], r["settings"]) for r in rows}
    assert all(s["config"]["search"]["rule"] == s["rule"] and s["config"]["dataset"] == "cifar10" for s in session["settings"])
    with pytest.raises(CRLSOError, match="Unknown rule 'sideways'"):
        run_bench(BenchPlan("nb201", ["cifar10"], ["crlso"], [0], [40], preset="smoke", rules=["sideways"]), tmp_path)


@pytest.mark.parametrize("option, field, twice", [
    ("--seeds", "seeds", [0, 0]), ("--budgets", "budgets", [20, 20]), ("--methods", "methods", ["rs", "rs"]),
    ("--datasets", "datasets", ["synthetic", "synthetic"]),
])
def test_a_value_listed_twice_runs_once_said_in_one_note(tmp_path, option, field, twice):
    from crlso_core.bench.grid import RepeatedValue

    values = {"seeds": [0], "budgets": [20], "methods": ["rs"], "datasets": ["synthetic"], field: twice}
    plan = BenchPlan("toy", values["datasets"], values["methods"], values["seeds"], values["budgets"])
    with pytest.warns(RepeatedValue) as said:
        run_bench(plan, tmp_path)
    assert [str(w.message) for w in said] == [f"{option} lists {twice[0]} twice; each runs once."]
    assert len(_rows(tmp_path / "results.csv")) == 1 and len(_rows(tmp_path / "curves.csv")) == 2
    assert _plan_json(tmp_path)["sessions"][0][field] == twice[:1]


def test_repeated_rules_and_overlapping_seed_ranges_collapse(tmp_path):
    from crlso_core.bench.grid import RepeatedValue

    plan = BenchPlan("toy", ["synthetic"], ["rs"], parse_seeds("0-2,1-3"), [20], rules=["ranked", "ranked"])
    with pytest.warns(RepeatedValue) as said:
        plan.normalise()
    assert [str(w.message) for w in said] == ["--seeds lists 1 twice, 2 twice; each runs once.",
                                              "--rules lists ranked twice; each runs once."]
    assert plan.seeds == [0, 1, 2, 3] and plan.rules == ["ranked"]


@pytest.mark.parametrize("failing", [3, 4])  # seed 1's curves, then seed 1's results
def test_a_full_disk_mid_row_leaves_whole_rows_and_the_resume_completes(tmp_path, monkeypatch, failing):
    """An append fails half-way (a full disk): each file keeps whole rows only, and a resume
    once there is room again writes every row once."""
    import os

    from crlso_core.bench import folder

    real_write, calls = os.write, []

    def full_disk(fd, data):
        calls.append(1)
        if len(calls) == failing:
            real_write(fd, data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    plan = BenchPlan("toy", ["synthetic"], ["rs"], [0, 1, 2], [10, 20])
    monkeypatch.setattr(folder.os, "write", full_disk)
    with pytest.raises(OSError):
        run_bench(plan, tmp_path)
    for name in ("results.csv", "curves.csv"):
        data = (tmp_path / name).read_bytes()
        assert data.endswith(b"\r\n") and all(line.count(b",") == data.splitlines()[0].count(b",") for line in data.splitlines())
    monkeypatch.setattr(folder.os, "write", real_write)
    run_bench(plan, tmp_path)
    rows = _rows(tmp_path / "results.csv")
    assert sorted((r["seed"], r["budget"]) for r in rows) == [(s, b) for s in "012" for b in ("10", "20")]
    assert len(_rows(tmp_path / "curves.csv")) == 3 * 2


KILLED_BENCH = """
import sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing, os
from crlso_core.bench.grid import _init_pool_worker

if __name__ == "__main__":
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=_init_pool_worker,
                               initargs=(os.getpid(), 1))
    ready = [pool.submit(os.getpid) for _ in range(4)]
    pids = {f.result() for f in ready}  # each worker has run its initializer
    jobs = [pool.submit(time.sleep, 120) for _ in range(2)]
    print(" ".join(map(str, sorted(set(pool._processes)))), flush=True)
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    """A zombie counts as gone: it runs nothing (and in a container nobody may reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_the_workers_of_a_bench_killed_with_sigkill_end_too(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen([sys.executable, "-c", KILLED_BENCH], stdout=subprocess.PIPE, text=True, cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)})
    try:
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in workers)
    finally:
        parent.kill()
        for pid in workers if "workers" in locals() else []:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_lock_left_by_a_killed_bench_is_taken_over_and_said_once(tmp_path):
    import json
    import subprocess
    import sys

    from crlso_core.bench.grid import BenchNote

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / ".bench.lock").write_text(json.dumps({"pid": dead.pid, "started": None, "since": 0}))
    with pytest.warns(BenchNote) as said:
        run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), tmp_path)
    assert [str(w.message) for w in said] == [
        f"{tmp_path / '.bench.lock'} was left by bench process {dead.pid}, which has ended (killed?); this bench takes the folder over."]
    assert (tmp_path / "results.csv").exists() and not (tmp_path / ".bench.lock").exists()
