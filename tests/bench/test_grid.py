import csv

import pytest

from crlso_core.bench.grid import BenchPlan, parse_seeds, run_bench
from crlso_core.bench.report import write_report
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
    assert "| 60 | crlso | 2 |" in text and "latent moves" in text and (tmp_path / "curves.png").stat().st_size > 10_000


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
