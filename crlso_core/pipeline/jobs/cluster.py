"""Joining a Ray cluster, shared by the bench's Ray backend and the app's jobs on Ray.

Without an address a local Ray is started (dashboard off; Ray turns 127.0.0.1 into the
machine's address and gives no way to keep its servers on loopback: see the README); a Ray
already initialised in this process (a test's, the app's) is used as it is and left running.
On a cluster the package travels with the tasks (no shared file system assumed).
"""

from __future__ import annotations

import os
from typing import Optional

from crlso_core.common.errors import CRLSOError, quoted

RAY_PIN = "ray==2.60.0"
ADDRESS_ENV = "CRLSO_RAY_ADDRESS"  # the app's jobs run on this cluster when it is set


def import_ray():
    try:
        import ray
    except ImportError:
        raise CRLSOError(f"Running on Ray needs Ray; install it with `pip install {RAY_PIN}`.") from None
    return ray


def connect(address: Optional[str], cpus: Optional[int] = None) -> bool:
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
            ray.init(num_cpus=cpus, include_dashboard=False,
                     logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {quoted(address, 80)}" if address else "a local Ray"
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise CRLSOError(f"Could not start or reach {where}: {first}. "
                         "Check the head node's address (`ray start --head` prints it), or leave it out.") from None
    return True


def check_fits(resources: dict) -> None:
    """Refuse a task the cluster could never place (Ray would wait for it forever)."""
    have = import_ray().cluster_resources()
    for name, key in (("num_cpus", "CPU"), ("num_gpus", "GPU")):
        if resources.get(name, 0) > have.get(key, 0):
            raise CRLSOError(
                f"Each job needs {resources[name]:g} {key}(s) but the Ray cluster has {have.get(key, 0):g}; "
                + ("add a GPU worker or use the CPU (device cpu)." if key == "GPU" else "add CPUs or run fewer threads per job.")
            )


def cluster_resources(address: str) -> dict:
    """CPUs and GPUs of the cluster at `address` (joined once per process, then kept)."""
    connect(address)
    have = import_ray().cluster_resources()
    return {"CPU": int(have.get("CPU", 0)), "GPU": int(have.get("GPU", 0))}


def task_error(error) -> CRLSOError:
    """One clear message for a task that failed on the cluster: ours as it was raised."""
    cause = getattr(error, "cause", None)
    return CRLSOError(str(cause) if isinstance(cause, CRLSOError) else f"The job failed on the Ray cluster: {cause or error}")
