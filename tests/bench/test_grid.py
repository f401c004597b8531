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
    with pytest.raises(CRLSOError, match="holds a bench of 'nb201', not 'toy'; use another --out folder"):
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
