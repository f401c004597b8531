import pytest
import torch

from crlso_core.pipeline.jobs.local import cancel_job, list_jobs, wait_for


def _start(at):
    next(b for b in at.button if b.label == "Start training").click().run()


def test_renders_with_the_device_and_the_presets_knobs(open_page, empty_store):
    at = open_page("train", empty_store)
    assert ("no CUDA GPU" in at.markdown[0].value) != torch.cuda.is_available()
    assert at.selectbox(key="url-space").value == "nb201"
    assert at.selectbox(key="w-preset").value == "lesson" and at.number_input(key="labelled-nb201-lesson").value == 300
    at.selectbox(key="w-preset").select("smoke").run()
    assert at.number_input(key="labelled-nb201-smoke").value == 30 and at.number_input(key="epochs-nb201-smoke").value == 1
    assert at.selectbox(key="train-dataset-nb201").options == ["CIFAR-10", "CIFAR-100", "ImageNet16-120"]


def test_start_launches_a_background_pair_job(open_page, empty_store, clean):
    at = open_page("train", empty_store)
    at.selectbox(key="w-preset").select("smoke").run()
    at.text_input(key="run-name").input("mine")
    _start(at)
    clean(at)
    (job,) = list_jobs(empty_store)
    assert job.kind == "train_pair" and job.params["name"] == "mine" and job.params["sides"] == ["ls", "crls"]
    assert job.params["config"]["labelled"] == 30 and job.params["config"]["preset"] == "smoke"
    cancel_job(job)
    assert wait_for(job, timeout=60).status == "cancelled"


def test_another_space_trains_with_its_own_datasets(open_page, empty_store, clean):
    at = open_page("train", empty_store)
    at.selectbox(key="url-space").select("toy").run()
    assert at.selectbox(key="train-dataset-toy").options == ["Synthetic"]
    at.selectbox(key="w-preset").select("smoke").run()
    at.text_input(key="run-name").input("toy-run")
    _start(at)
    clean(at)
    (job,) = list_jobs(empty_store)
    assert job.params["config"]["space"] == "toy" and job.params["config"]["dataset"] == "synthetic"
    cancel_job(job)
    wait_for(job, timeout=60)


def test_bad_settings_are_one_clear_message(open_page, empty_store):
    at = open_page("train", empty_store)
    at.text_input(key="run-name").input("no spaces allowed")
    _start(at)
    assert not at.exception and "A run name may use letters" in at.error[0].value
    if not torch.cuda.is_available():
        at.text_input(key="run-name").input("")
        at.selectbox(key="device").select("cuda")
        _start(at)
        assert not at.exception and "sees no CUDA GPU" in at.error[0].value
    assert list_jobs(empty_store) == []


def test_a_job_running_in_another_tab_blocks_a_second_one_with_a_message(open_page, busy_store):
    at = open_page("train", busy_store)
    assert "train other" in at.markdown[1].value  # the other tab's job is shown live
    _start(at)
    assert not at.exception and "Another job is running: train other" in at.error[0].value


def test_a_finished_training_says_what_the_pair_reached_and_links_onward(open_page, smoke_pair, tmp_path, copy_pair, text_of):
    import json
    import time

    root = copy_pair(smoke_pair, tmp_path / "store")
    job = root / ".jobs" / "j1"
    job.mkdir(parents=True)
    runs = [str(root / "pair-ls"), str(root / "pair-crls")]
    (job / "job.json").write_text(
        json.dumps(
            {
                "id": "j1",
                "kind": "train_pair",
                "title": "Train LS + CR-LS 'pair'",
                "params": {"name": "pair"},
                "created": time.time() - 60,
                "root": str(root),
            }
        )
    )
    (job / "state.json").write_text(json.dumps({"status": "done", "result": {"runs": runs}}))
    at = open_page("train", root)
    captions = " ".join(c.value for c in at.caption)
    assert "LS: reconstruction" in captions and "CR-LS: reconstruction" in captions and "predictor τ" in captions
    assert any("latent space of this pair" in link.label for link in at.get("page_link"))


def test_each_preset_says_which_of_the_papers_claims_it_reproduces_over_seeds(open_page, empty_store):
    from crlso_core.bench.figure_stats import reference

    ref = reference("nb201", "cifar10")  # the committed crlso figures table
    at = open_page("train", empty_store)
    for name in ("demo", "paper", "smoke"):
        at.selectbox(key="w-preset").select(name).run()
        said = " ".join(c.value for c in at.caption)
        seeds = {c.seeds for (p, _), c in ref.items() if p == name}
        if not seeds:
            assert f"not measured over seeds for the {name} preset" in said
        elif seeds == {1}:
            assert "measured on 1 seed only" in said and "holds for" not in said
        else:
            held = [c for (p, _), c in ref.items() if p == name and c.reproduced]
            assert f"Over {seeds.pop()} seeds of the {name} preset" in said
            assert ("holds for" in said) == bool(held) and ("none of the paper's claims" in said) == (not held)


def test_with_a_ray_cluster_the_page_shows_it_and_a_training_runs_there_end_to_end(open_page, empty_store, clean, monkeypatch):
    """$CRLSO_RAY_ADDRESS names a cluster (here a local Ray started by the test, 2 CPUs):
    the page shows its CPUs and GPUs, and the pair it starts trains there and lands in the store."""
    ray = pytest.importorskip("ray")
    from crlso_core.pipeline.jobs.cluster import ADDRESS_ENV
    from crlso_core.store.index import list_runs

    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        monkeypatch.setenv(ADDRESS_ENV, ray.get_runtime_context().gcs_address)
        at = open_page("train", empty_store)
        assert "Ray cluster at" in at.markdown[0].value and "2 CPUs, no GPU" in at.markdown[0].value
        at.selectbox(key="w-preset").select("smoke").run()
        at.text_input(key="run-name").input("onray")
        _start(at)
        clean(at)
        (job,) = list_jobs(empty_store)
        done = wait_for(job, timeout=600)  # a smoke pair, slower on a busy machine
        assert done.status == "done", done.error
        assert sorted(r.path.name for r in list_runs(empty_store)) == ["onray-crls", "onray-ls"]
    finally:
        ray.shutdown()


def test_with_an_unreachable_ray_cluster_the_page_says_so_and_jobs_run_here(open_page, empty_store, monkeypatch):
    """$CRLSO_RAY_ADDRESS names a port where nothing listens: the page says so (the address is
    probed, not waited on) and a training it starts runs on this machine, not "running" forever."""
    import json

    from crlso_core.pipeline.jobs.cluster import ADDRESS_ENV

    monkeypatch.setenv(ADDRESS_ENV, "127.0.0.1:1")
    at = open_page("train", empty_store, expect_clean=False)
    assert not at.exception and not at.error
    (warning,) = [w.value for w in at.warning if "cannot be reached" in w.value]
    assert "127.0.0.1:1" in warning and "run on this machine" in warning
    at.selectbox(key="w-preset").select("smoke").run()
    at.text_input(key="run-name").input("here")
    _start(at)
    (job,) = list_jobs(empty_store)
    assert json.loads((job.path / "job.json").read_text())["ray_address"] is None
    assert wait_for(job, timeout=300).status == "done"


def _progress(store, **p):
    import json

    plan = ["ls:teacher", "ls:gvae", "ls:check", "crls:teacher", "crls:gvae", "crls:check"]
    (store / ".jobs" / "j1" / "progress.json").write_text(json.dumps(
        {"plan": plan, "index": plan.index(p["stage"]), "eta_s": 0.0, "job_eta_s": 0.0, "job_eta_partial": True,
         "updated": __import__("time").time(), **p}))


def test_the_ls_side_shows_no_icnn_fit_and_an_unmeasured_eta_says_estimating(open_page, busy_store):
    """The lesson trial's screenshot: 'reconstruction loss 1.72 · ICNN fit (MSE) 0' on LS, and
    '1 / 8 epochs · 0 s left in this stage'."""
    _progress(busy_store, stage="ls:gvae", step=1, total=8, metrics={"recon": 1.72, "icnn": 0.0}, stage_elapsed_s=0.0)
    at = open_page("train", busy_store)
    said = " ".join(c.value for c in at.caption)
    bars = [getattr(e.proto, "text", "") for e in at.get("progress")]
    assert "reconstruction loss 1.72" in said and "ICNN fit" not in said
    assert any("1 / 8 epochs · estimating the time left in this stage" in b for b in bars), bars
    assert not any(" 0 s left" in b for b in bars), bars
    _progress(busy_store, stage="crls:gvae", step=3, total=8, metrics={"recon": 1.5, "icnn": 0.02}, stage_elapsed_s=4.0)
    at.run()
    assert "ICNN fit (MSE) 0.02" in " ".join(c.value for c in at.caption)


def test_the_lesson_time_is_the_measured_time_of_this_pages_job_which_does_not_search(open_page, empty_store):
    """The lesson trial: 'about 50 s for a pair, each trained and searched' took 9.7 min, and the job does not search."""
    import json
    from pathlib import Path

    measured = json.loads((Path(__file__).resolve().parents[3] / "results" / "lesson_time_nb201.json").read_text())
    at = open_page("train", empty_store)
    said = " ".join(c.value for c in at.caption)
    assert "it does not search" in said and "LS and CR-LS each trained" in said
    assert f"median {measured['median_s']:.0f} s over {len(measured['runs'])} runs" in said and "AMD EPYC" in said
    assert "load average" in said  # and what it takes on a busy machine (results/lesson_time_nb201.json's loaded_runs)
    assert "each trained and searched (`crlso run`" not in said and "about 70 s for a pair" not in said
