"""`crlso bench --backend ray`: each job of the grid is a Ray task.

A job is what one process worker runs (one dataset and seed, the methods that share one
latent training): its task declares the CPUs its torch threads use and, on CUDA, a share of
a GPU, so Ray places it where those are free. Results stream back as tasks finish and the
driver alone writes files, as with processes. Without an address a local Ray is started
(with the CPUs that --workers processes would use) and stopped at the end (ray_cluster.py).
Workers read benchmark data from --data-dir when they have that path, else the package's
defaults.
"""

from __future__ import annotations

from typing import Callable, Optional

from crlso_core.pipeline.jobs.cluster import check_fits, connect, import_ray, task_error

GPU_SHARE = 0.5  # jobs per GPU at a time: more only time-slice it (measured on an H200)


def task_resources(threads: int, device: str) -> dict:
    return {"num_cpus": threads, "num_gpus": GPU_SHARE if device == "cuda" else 0}


def run_on_ray(job: Callable, jobs: list[tuple], threads: int, device: str, address: Optional[str], cpus: int,
               record: Callable) -> None:
    """Run `job(*args, threads)` for each args tuple in `jobs` as Ray tasks; `record` each
    result of a job as soon as its task finishes."""
    ray = import_ray()
    started = connect(address, cpus)
    pending = []
    try:
        resources = task_resources(threads, device)
        check_fits(resources)
        remote = ray.remote(**resources, max_retries=0)(job)
        pending = [remote.remote(*args, threads) for args in jobs]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                results = ray.get(done[0])
            except ray.exceptions.RayTaskError as e:
                raise task_error(e) from None
            for result in results:
                record(result)
    finally:
        for ref in pending:  # interrupted or failed: the rest would only be thrown away
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
