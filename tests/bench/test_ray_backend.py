"""`crlso bench --backend ray` on a local Ray started by the test (2 CPUs), stopped at the end."""

import csv

import pytest

from crlso_core.bench.grid import BenchPlan, run_bench
from crlso_core.common.errors import CRLSOError

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield
    ray.shutdown()


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_the_command_starts_a_local_ray_and_stops_it(tmp_path, capsys):
    """Runs before the module's own Ray is started (the fixture is first used below)."""
    from crlso_core.cli import main

    assert main(["bench", "--space", "nb201", "--datasets", "cifar10", "--methods", "rea,rs", "--seeds", "0-1",
                 "--budgets", "20", "--backend", "ray", "--workers", "2", "--out", str(tmp_path), "--quiet"]) == 0
    assert len(_rows(tmp_path / "results.csv")) == 2 * 2 and not ray.is_initialized()
    assert main(["bench", "--space", "nb201", "--datasets", "cifar10", "--methods", "rs", "--seeds", "0", "--budgets", "20",
                 "--address", "127.0.0.1:1", "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert "--backend ray" in capsys.readouterr().err


def test_ray_backend_gives_the_process_backends_rows(tmp_path, local_ray):
    plan = BenchPlan("nb201", ["cifar10"], ["crlso", "lso", "rea"], [0, 1], [40, 60], preset="smoke", workers=2, device="cpu")
    by_process = _rows(run_bench(plan, tmp_path / "process"))
    plan.backend = "ray"
    done = []
    by_ray = _rows(run_bench(plan, tmp_path / "ray", progress=lambda n, total, what: done.append((n, total))))
    drop = lambda rows: sorted(tuple((k, v) for k, v in r.items() if k != "wall_s") for r in rows)
    assert len(by_ray) == 3 * 2 * 2 and drop(by_ray) == drop(by_process)
    assert done[-1] == (6, 6) and [n for n, _ in done] == list(range(7))  # streamed back one run at a time
    assert ray.is_initialized()  # a Ray the caller started is left running
    # resumable as with processes: nothing is left to run
    assert drop(_rows(run_bench(plan, tmp_path / "ray"))) == drop(by_ray)


def test_cuda_jobs_on_a_cluster_without_a_gpu_are_refused_not_left_waiting(tmp_path, local_ray):
    plan = BenchPlan("nb201", ["cifar10"], ["crlso"], [0], [40], preset="smoke", workers=2, device="cuda", backend="ray")
    with pytest.raises(CRLSOError, match="the Ray cluster has 0; add a GPU worker or use the CPU"):
        run_bench(plan, tmp_path / "out")
    assert not (tmp_path / "out" / "results.csv").exists() or not _rows(tmp_path / "out" / "results.csv")
