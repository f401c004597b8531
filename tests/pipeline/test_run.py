"""The smoke run (tests/conftest.py) end to end: what a run folder must hold."""

import csv
import json

import numpy as np
import torch

from crlso_core.catalog.config import RunConfig
from crlso_core.common.files import read_csv, read_json
from crlso_core.models import ICNN
from crlso_core.pipeline.run import search_run
from crlso_core.search.origins import ORIGINS, Origins
from crlso_core.store.folder import RUN_FILES, SUMMARY, RunFolder
from crlso_core.store.index import list_runs
from crlso_core.store.models import load_latent
from crlso_core.store.records import RUN_FORMAT


def test_run_folder_holds_everything(smoke_run, benchmark, space):
    out, summary = smoke_run
    assert summary.complete and summary == RunFolder(out).summary() and summary.run_format == RUN_FORMAT
    assert summary.benchmark == benchmark.title and summary.pool_size == 15625
    assert None not in (summary.recon_acc, summary.teacher_kendall_tau, summary.icnn_kendall_tau, summary.best_test_acc)
    assert set(summary.wall_s) >= {"teacher", "gvae", "search", "total"}
    assert summary.queries_used == summary.budget == 60
    for name in ["config.json", "summary.json", "queries.csv", "trajectories.csv", "latent.npz",
                 "teacher.pt", "gvae.pt", "predictor.pt", "predictor_search.pt"]:
        assert (out / name).is_file(), name
    assert not any(p.name.startswith(".") for p in out.iterdir())  # no temp files left

    queries = list(csv.DictReader(open(out / "queries.csv")))
    assert len(queries) == 60 and len({q["arch"] for q in queries}) == 60
    assert [q["source"] for q in queries[:30]] == ["labelled"] * 30
    # the summary says where every search query came from, and the counts add up to them
    assert sum(summary.query_origins.values()) == 30 and set(summary.query_origins) == set(ORIGINS)
    assert summary.query_origins == Origins.of(q["source"] for q in queries).counts
    assert summary.latent_share == Origins.of(q["source"] for q in queries).latent_share
    # best_arch is the best-validation query, and its test accuracy comes from the table
    best = max(queries, key=lambda q: float(q["valid_acc"]))
    assert summary.best_arch == best["arch"]
    cell = space.parse(best["arch"])
    assert summary.best_test_acc == benchmark.test_accuracy([cell], "cifar10")[0]
    assert float(best["valid_acc"]) == benchmark.valid_accuracy([cell], "cifar10")[0]
    assert summary.valid_optimum == benchmark.optimum("cifar10").valid

    archs, mu = load_latent(out / "latent.npz")
    assert archs == space.format_many(benchmark.cells)  # NB201's pool: every cell, in the table's order
    assert mu.shape == (15625, 8) and np.isfinite(mu).all()
    assert RunConfig.from_dict(json.loads((out / "config.json").read_text())).preset == "smoke"
    assert any(r.path == out.resolve() for r in list_runs(out.parent))


def test_every_saved_icnn_is_convex(smoke_run):
    out, _ = smoke_run
    for name in ["predictor.pt", "predictor_search.pt"]:
        state = torch.load(out / name, weights_only=True)
        for key, value in state.items():
            if key.startswith(("hidden_path", "out_hidden")):
                assert bool((value >= 0).all()), (name, key)
        icnn = ICNN(8, 16, 2)
        icnn.load_state_dict(state)
        assert icnn.is_convex_by_construction()


def test_labelled_set_is_random_and_seeded(smoke_run, space):
    out, _ = smoke_run
    labelled = [q["arch"] for q in csv.DictReader(open(out / "queries.csv")) if q["source"] == "labelled"]
    expected = space.format_many(space.sample(np.random.default_rng(3), 30))
    assert labelled == expected  # drawn from the run's seed, not the first rows of the file


def test_search_again_with_another_rule_replaces_search_results(smoke_run, tmp_path):
    import shutil

    out, _ = smoke_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    summary = search_run(copy, budget=50, rule="ranked")
    assert summary.rule == "ranked" and summary.queries_used == 50
    rows = list(csv.DictReader(open(copy / "queries.csv")))
    assert len(rows) == 50 and sum(r["source"] == "labelled" for r in rows) == 30


def test_a_pair_shares_its_seed_and_labelled_set_and_differs_only_in_the_convexity_term(smoke_pair):
    ls, crls = (read_json(smoke_pair / f"pair-{s}" / "config.json") for s in ("ls", "crls"))
    assert ls["seed"] == crls["seed"] and not ls["gvae"]["icnn"] and crls["gvae"]["icnn"]
    assert ls["search"]["predictor"] == "mlp" and crls["search"]["predictor"] == "icnn"
    labelled = [
        [r["arch"] for r in read_csv(smoke_pair / f"pair-{s}" / "queries.csv") if r["source"] == "labelled"] for s in ("ls", "crls")
    ]
    assert labelled[0] == labelled[1]


def test_a_baseline_beside_a_run_uses_the_runs_dataset_and_budget(smoke_pair):
    summary = RunFolder(smoke_pair / "pair-crls").summary()
    rea = summary.baselines["rea"]
    assert rea.budget == 60 and 0 < rea.best_valid_acc <= 91.61 and rea.best_test_acc is not None
    assert summary.complete  # the search's own result is kept


def test_a_sampled_pool_without_test_accuracy_runs_end_to_end(toy_pair):
    """The toy space: a pool of 150 sampled cells plus the labelled ones, a surrogate with
    no test accuracy and no known optimum; said as None, never 0 or NaN."""
    from crlso_core.catalog.registry import load_benchmark

    toy = load_benchmark("toy")
    for side in ("ls", "crls"):
        run = toy_pair / f"toy-{side}"
        summary = RunFolder(run).summary()
        assert summary.complete and summary.space == "toy" and summary.queries_used == 60
        assert summary.best_test_acc is None and summary.valid_optimum is None and summary.found_valid_optimum is None
        if side == "crls":  # REA ran beside CR-LS
            assert summary.baselines["rea"].best_test_acc is None and summary.baselines["rea"].budget == 60
        archs, mu = load_latent(run / "latent.npz")
        assert 150 <= len(archs) <= 180 and len(set(archs)) == len(archs) and summary.pool_size == len(archs)
        labelled = [r["arch"] for r in read_csv(run / "queries.csv") if r["source"] == "labelled"]
        assert set(labelled) <= set(archs)  # the labelled cells are always in the pool
        queried = [toy.space.parse(r["arch"]) for r in read_csv(run / "queries.csv")]
        assert toy.can_answer(queried).all() and summary.best_valid_acc == toy.valid_accuracy(queried, "synthetic").max()
        assert "NaN" not in (run / "summary.json").read_text()


def test_a_sampled_pool_reports_reconstruction_of_cells_it_never_saw(nb301_pair, smoke_pair):
    from crlso_core.pipeline.stages import HELDOUT_CELLS

    darts = RunFolder(nb301_pair / "darts-crls").summary()
    assert darts.recon_heldout is not None and 0.0 <= darts.recon_heldout <= 1.0 and HELDOUT_CELLS == 2_000
    assert RunFolder(smoke_pair / "pair-crls").summary().recon_heldout is None  # NB201's pool is the whole space: nothing held out


def test_crlso_run_hands_its_trained_models_to_the_search_in_memory(tmp_path, monkeypatch):
    """`full_run` loads the benchmark once and never reads back what training wrote (the
    models, the config, the labelled set), yet leaves the folder `train_run` then
    `search_run` leave, file for file."""
    from crlso_core.catalog.presets import preset
    from crlso_core.pipeline import run as pipeline_run

    config = preset("smoke", space="toy", dataset="synthetic", seed=2, device="cpu")
    pipeline_run.train_run(config, tmp_path / "on-disk")
    pipeline_run.search_run(tmp_path / "on-disk")

    loads = []
    real_load = pipeline_run.load_benchmark
    monkeypatch.setattr(pipeline_run, "load_benchmark", lambda *a: loads.append(a) or real_load(*a))

    def read_back(*_):
        raise AssertionError("crlso run read its trained run back from disk")

    for name in ("load_trained", "read_queries"):
        monkeypatch.setattr(pipeline_run, name, read_back)
    monkeypatch.setattr(RunFolder, "open", read_back)
    summary = pipeline_run.full_run(preset("smoke", space="toy", dataset="synthetic", seed=2, device="cpu"), tmp_path / "in-memory")

    assert len(loads) == 1 and summary.complete
    disk, memory = tmp_path / "on-disk", tmp_path / "in-memory"
    assert sorted(p.name for p in memory.iterdir()) == sorted(p.name for p in disk.iterdir())
    for name in RUN_FILES:
        if name != SUMMARY:
            assert (memory / name).read_bytes() == (disk / name).read_bytes(), name
    on_disk, in_memory = RunFolder(disk).summary(), RunFolder(memory).summary()
    timeless = {"created", "wall_s"}
    assert {k: v for k, v in vars(in_memory).items() if k not in timeless} == {k: v for k, v in vars(on_disk).items() if k not in timeless}
