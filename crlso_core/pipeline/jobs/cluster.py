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
GREETING_S = 3.0  # a Ray head greets a new connection at once (gRPC's HTTP/2 SETTINGS frame)
JOIN_S = 60.0  # joining a head that answers (Ray's own retries give up only after minutes)
PAGE_JOIN_S = 20.0  # what a page waits to join a head that greeted it
_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])  # HTTP/2's, and an empty SETTINGS
_SETTINGS = 4  # the HTTP/2 frame type a server must send first


def probe(address: str) -> None:
    """Refuse, within seconds, an address where nothing listens (Ray itself retries a closed
    port for minutes, deaf to SIGTERM) or where something listens that never greets us as a
    Ray head does (Ray would wait JOIN_S for it). "auto" (a cluster this machine belongs to)
    is left to Ray, and so is a head with TLS on (it speaks only after our TLS hello)."""
    if address == "auto":
        return
    target = address.split("://", 1)[-1].rstrip("/")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CRLSOError(f"{quoted(address, 80)} is not a Ray address; write HOST:PORT (`ray start --head` prints it).")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_S) as conn:
            if os.environ.get("RAY_USE_TLS", "0").lower() not in ("1", "true"):
                _expect_greeting(conn, address)
    except OSError as exc:
        raise CRLSOError(f"The Ray cluster at {quoted(address, 80)} cannot be reached ({exc.strerror or exc}); check that its head "
                         "runs (`ray start --head` prints its address), or run without Ray.") from None


def _expect_greeting(conn: socket.socket, address: str) -> None:
    """A Ray head (a gRPC server) sends an HTTP/2 SETTINGS frame as soon as a client
    connects; a socket that accepts and stays silent is not one, whatever Ray would wait."""
    conn.settimeout(GREETING_S)
    header = b""
    try:
        conn.sendall(_H2_PREFACE)
        while len(header) < 9:
            part = conn.recv(9 - len(header))
            if not part:
                break
            header += part
    except socket.timeout:
        pass
    version = RAY_PIN.split("==")[1]
    if not header:
        raise CRLSOError(f"The Ray cluster at {quoted(address, 80)} accepted a connection but did not answer within "
                         f"{GREETING_S:.0f} s as a Ray head does, so it cannot be used; check that it is a Ray head of version {version}.")
    if len(header) < 9 or header[3] != _SETTINGS:
        raise CRLSOError(f"What listens at {quoted(address, 80)} answered, but not as a Ray head does (gRPC), so it cannot be "
                         f"used; check the address (`ray start --head` prints it) and that it is a Ray head of version {version}.")


def _join(ray, address: str, join_s: float = JOIN_S) -> None:
    """ray.init(address) in a thread the main thread waits for in short steps, so a head
    that answers but never lets us join costs join_s at most and Ctrl-C or SIGTERM still
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
    deadline = time.monotonic() + join_s
    while thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.2)
    if thread.is_alive():
        raise CRLSOError(f"The Ray cluster at {quoted(address, 80)} accepted a connection but did not let us join within "
                         f"{join_s:.0f} s; check that it is a Ray head of version {RAY_PIN.split('==')[1]}.")
    if "error" in outcome:
        raise outcome["error"]


def connect(address: Optional[str], cpus: Optional[int] = None, join_s: float = JOIN_S) -> bool:
    """Join `address` (waiting join_s at most), or start a local Ray with `cpus` CPUs; True
    when this call started or joined it (and so must shut it down)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    if address:
        probe(address)
    try:
        if address:
            _join(ray, address, join_s)
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
    """CPUs and GPUs of the cluster at `address` (joined once per process, then kept), for a
    page: every wait is bounded in seconds (PROBE_S, GREETING_S, PAGE_JOIN_S)."""
    connect(address, join_s=PAGE_JOIN_S)
    have = import_ray().cluster_resources()
    return {"CPU": int(have.get("CPU", 0)), "GPU": int(have.get("GPU", 0))}


def task_error(error) -> CRLSOError:
    """One clear message for a task that failed on the cluster: ours as it was raised."""
    cause = getattr(error, "cause", None)
    return CRLSOError(str(cause) if isinstance(cause, CRLSOError) else f"The job failed on the Ray cluster: {cause or error}")
