"""`crlso bench --backend ray`: each job of the grid is a Ray task.

A job is what one process worker runs (one dataset and seed, the methods that share one
latent training): its task declares the CPUs its torch threads use and, on CUDA, a share of
a GPU, so Ray places it where those are free. Results stream back as tasks finish and the
driver alone writes files, as with processes. Without an address a local Ray is started on
127.0.0.1 (with the CPUs that --workers processes would use) and stopped at the end; a Ray
already initialised in this process (a test's, an app's) is used as it is and left running.
On a cluster the package travels with the tasks (no shared file system assumed); workers
read benchmark data from --data-dir when they have that path, else the package's defaults.
"""

from __future__ import annotations

import os
from typing import Callable, Optional

from ..errors import CRLSOError, quoted

RAY_PIN = "ray==2.60.0"
GPU_SHARE = 0.5  # jobs per GPU at a time: more only time-slice it (measured on an H200)


def import_ray():
    try:
        import ray
    except ImportError:
        raise CRLSOError(f"The Ray backend needs Ray; install it with `pip install {RAY_PIN}`.") from None
    return ray


def connect(address: Optional[str], cpus: int) -> bool:
    """Join `address`, or start a local Ray with `cpus` CPUs; True when this call started
    or joined it (and so must shut it down)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    import crlso_core

    try:
        if address:
            ray.init(address=address, runtime_env={"py_modules": [os.path.dirname(crlso_core.__file__)]},
                     logging_level="ERROR", log_to_driver=False)
        else:
            ray.init(num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                     logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {quoted(address, 80)}" if address else "a local Ray"
        raise CRLSOError(f"Could not start or reach {where}: {str(e).splitlines()[0] if str(e) else type(e).__name__}. "
                         "Check the head node's address (ray start --head prints it), or leave --address out.") from None
    return True


def task_resources(threads: int, device: str) -> dict:
    return {"num_cpus": threads, "num_gpus": GPU_SHARE if device == "cuda" else 0}


def run_on_ray(job: Callable, jobs: list[tuple], threads: int, device: str, address: Optional[str], cpus: int,
               record: Callable) -> None:
    """Run `job(*args, threads)` for each args tuple in `jobs` as Ray tasks; `record` each
    result of a job as soon as its task finishes."""
    ray = import_ray()
    started = connect(address, cpus)
    resources = task_resources(threads, device)
    have = ray.cluster_resources()
    for name, key in (("num_cpus", "CPU"), ("num_gpus", "GPU")):
        if resources[name] > have.get(key, 0):  # Ray would wait for it forever
            if started:
                ray.shutdown()
            raise CRLSOError(f"Each job needs {resources[name]:g} {key}(s) but the Ray cluster has {have.get(key, 0):g}; "
                             + ("add a GPU worker or use --device cpu." if key == "GPU" else "run fewer threads per job."))
    remote = ray.remote(**resources, max_retries=0)(job)
    pending = [remote.remote(*args, threads) for args in jobs]
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                results = ray.get(done[0])
            except ray.exceptions.RayTaskError as e:
                cause = getattr(e, "cause", None)
                message = str(cause) if isinstance(cause, CRLSOError) else f"A bench job failed on Ray: {cause or e}"
                raise CRLSOError(message) from None
            for result in results:
                record(result)
    finally:
        for ref in pending:  # interrupted or failed: the rest would only be thrown away
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
