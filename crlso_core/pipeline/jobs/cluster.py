"""Joining a Ray cluster, shared by the bench's Ray backend and the app's jobs on Ray.

Without an address a local Ray is started (dashboard off; Ray turns 127.0.0.1 into the
machine's address and gives no way to keep its servers on loopback: see the README); a Ray
already initialised in this process (a test's, the app's) is used as it is and left running.
On a cluster the package travels with the tasks (no shared file system assumed).
"""

from __future__ import annotations

import os
import socket
import threading
import time
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


PROBE_S = 5.0  # a head that does not accept a connection in this long is not there
JOIN_S = 60.0  # joining a head that answers (Ray's own retries give up only after minutes)


def probe(address: str) -> None:
    """Refuse, within seconds, an address where nothing listens: Ray itself retries a closed
    port for minutes, deaf to SIGTERM. "auto" (a cluster this machine belongs to) is left to Ray."""
    if address == "auto":
        return
    target = address.split("://", 1)[-1].rstrip("/")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CRLSOError(f"{quoted(address, 80)} is not a Ray address; write HOST:PORT (`ray start --head` prints it).")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_S).close()
    except OSError as exc:
        raise CRLSOError(f"The Ray cluster at {quoted(address, 80)} cannot be reached ({exc.strerror or exc}); check that its head "
                         "runs (`ray start --head` prints its address), or run without Ray.") from None


def _join(ray, address: str) -> None:
    """ray.init(address) in a thread the main thread waits for in short steps, so a head
    that answers but never lets us join costs JOIN_S at most and Ctrl-C or SIGTERM still
    stop the command at once."""
    import crlso_core

    outcome: dict = {}

    def init() -> None:
        try:
            ray.init(address=address, runtime_env={"py_modules": [os.path.dirname(crlso_core.__file__)]},
                     logging_level="ERROR", log_to_driver=False)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=init, name="ray-join", daemon=True)
    thread.start()
    deadline = time.monotonic() + JOIN_S
    while thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.2)
    if thread.is_alive():
        raise CRLSOError(f"The Ray cluster at {quoted(address, 80)} accepted a connection but did not let us join within "
                         f"{JOIN_S:.0f} s; check that it is a Ray head of version {RAY_PIN.split('==')[1]}.")
    if "error" in outcome:
        raise outcome["error"]


def connect(address: Optional[str], cpus: Optional[int] = None) -> bool:
    """Join `address`, or start a local Ray with `cpus` CPUs; True when this call started
    or joined it (and so must shut it down)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    if address:
        probe(address)
    try:
        if address:
            _join(ray, address)
        else:
            ray.init(num_cpus=cpus, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
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
