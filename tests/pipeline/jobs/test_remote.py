"""The app's jobs on a Ray cluster: a local Ray started by the test (2 CPUs) stands in for
one; the job's worker process joins it through $CRLSO_RAY_ADDRESS, as the app's would."""

import time

import pytest

from crlso_core.catalog.presets import preset
from crlso_core.common.files import read_json
from crlso_core.pipeline.jobs.cluster import ADDRESS_ENV
from crlso_core.pipeline.jobs.local import cancel_job, job_info, start_job, wait_for
from crlso_core.store.folder import RunFolder
from crlso_core.store.index import list_runs

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture
def on_cluster(cluster, monkeypatch):
    monkeypatch.setenv(ADDRESS_ENV, cluster)
    return cluster


def test_a_pair_trains_and_searches_on_the_cluster_and_comes_back_into_the_store(tmp_path, on_cluster):
    config = preset("smoke", seed=3, device="cpu")
    info = start_job(tmp_path, "train_pair", {"config": config.to_dict(), "name": "far", "projections": ["pca"]}, "train far")
    assert info.params and read_json(info.path / "job.json")["ray_address"] == on_cluster
    done = wait_for(info, timeout=600)  # a smoke pair, slower on a busy machine
    assert done.status == "done", done.error
    runs = {r.path.name: r for r in list_runs(tmp_path)}  # indexed in the app's store
    assert set(runs) == {"far-ls", "far-crls"} and done.result["runs"] == [str(tmp_path / n) for n in ("far-ls", "far-crls")]
    assert not list(tmp_path.glob(".*partial"))
    progress = done.progress  # events from the worker reached the job's progress file
    assert progress["plan"] == ["ls:teacher", "ls:gvae", "ls:check", "crls:teacher", "crls:gvae", "crls:check", "ls:pca", "crls:pca"]
    assert progress["index"] == len(progress["plan"]) - 1 and progress["step"] == progress["total"]

    before = (tmp_path / "far-crls" / "gvae.pt").read_bytes()
    info = start_job(tmp_path, "search", {"runs": [str(tmp_path / "far-ls"), str(tmp_path / "far-crls")], "budget": 40,
                                          "rule": "step", "baselines": ["rs"]}, "search far")
    done = wait_for(info, timeout=600)  # a smoke pair, slower on a busy machine
    assert done.status == "done", done.error
    for side in ("far-ls", "far-crls"):
        summary = RunFolder(tmp_path / side).summary()
        assert summary.status == "complete" and summary.queries_used == 40
    assert RunFolder(tmp_path / "far-ls").summary().baselines["rs"].budget == 40
    assert (tmp_path / "far-crls" / "gvae.pt").read_bytes() == before  # the trained model came back untouched
    assert done.progress["curves"]  # the live search curve arrived point by point
    assert {r.path.name: r.summary.status for r in list_runs(tmp_path)} == {"far-ls": "complete", "far-crls": "complete"}


def test_cancel_stops_the_task_and_nothing_reaches_the_store(tmp_path, on_cluster):
    config = preset("smoke", seed=4, device="cpu")
    config.gvae.epochs = 400  # long enough to be cancelled while it runs on the worker
    info = start_job(tmp_path, "train_pair", {"config": config.to_dict(), "name": "stop"}, "train stop")
    deadline = time.time() + 120
    while job_info(info.path).progress is None and time.time() < deadline:
        time.sleep(0.2)
    assert job_info(info.path).progress is not None, "no progress came back from the worker"
    cancel_job(job_info(info.path))
    done = wait_for(info, timeout=60)
    assert done.status == "cancelled", done.error
    assert not [p.name for p in tmp_path.iterdir() if p.name not in (".jobs", "index.sqlite")]
    deadline = time.time() + 30  # the task gave its 2 CPUs back: it no longer runs
    while ray.available_resources().get("CPU", 0) < 2 and time.time() < deadline:
        time.sleep(0.5)
    assert ray.available_resources().get("CPU", 0) == 2


def test_a_cuda_job_on_a_cluster_without_a_gpu_fails_with_a_message(tmp_path, on_cluster):
    config = preset("smoke", seed=4, device="cuda")
    done = wait_for(start_job(tmp_path, "train_pair", {"config": config.to_dict(), "name": "g"}, "train g"), timeout=120)
    assert done.status == "failed" and "GPU" in done.error and "cluster has 0" in done.error
