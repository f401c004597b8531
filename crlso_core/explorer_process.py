"""The explorer's server process, as `crlso app` runs it (the core never imports the app: it
starts the app's launcher, crlso_app/launch.py, which warms the pages' caches and then runs
`streamlit run` on the app's main.py, as a child process).

- The address is checked first (the host resolves, within seconds, and the port can be
  bound), so a bad --host or a busy --port is one line, not Streamlit's traceback.
- The server dies with crlso, whatever signal ends crlso: SIGKILL runs no cleanup, so the
  child asks the kernel for a SIGTERM the moment its parent exits (PR_SET_PDEATHSIG, see
  common/lifeline.py; Popen is called from crlso's main thread, which lives as long as
  crlso). SIGHUP (the terminal closed), SIGTERM and SIGINT stop the server and wait for it.
- Streamlit's own stderr is passed on line by line, except a Python traceback, which goes
  to the error log with one line on screen saying where.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import IO, Optional, Sequence

from crlso_core.common.errorlog import log_path
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.lifeline import preexec_die_with_parent

RESOLVE_S = 5.0  # a host name the resolver cannot answer for in this long is refused
STOP_S = 10.0  # a server asked to stop is killed after this long
_STOPPING = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
_LINKS = ("During handling", "The above exception")  # the lines between a chained traceback's parts


def check_address(host: str, port: int) -> None:
    """Refuse, before Streamlit starts, a host that does not resolve or a port this machine
    cannot listen on (taken, privileged, or an address that is not this machine's)."""
    if not 1 <= port <= 65535:
        raise CRLSOError(f"--port must be between 1 and 65535, got {port}.")
    found: dict = {}

    def resolve() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            found["error"] = exc

    resolver = threading.Thread(target=resolve, name="resolve-host", daemon=True)
    resolver.start()
    resolver.join(RESOLVE_S)
    if resolver.is_alive():
        raise CRLSOError(f"--host {quoted(host, 80)} could not be resolved within {RESOLVE_S:.0f} s; give an address "
                         "such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).")
    if "error" in found or not found.get("infos"):
        why = getattr(found.get("error"), "strerror", None) or found.get("error") or "no address"
        raise CRLSOError(f"--host {quoted(host, 80)} is not an address this machine knows ({why}); give an address "
                         "such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).")
    family, kind, proto, _, address = found["infos"][0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server sets it: a TIME_WAIT port is free
            probe.bind(address)
    except OSError as exc:
        raise CRLSOError(f"Cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port "
                         "(another program may be using it) or another --host.") from None


class _Stop(BaseException):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum, frame):
    raise _Stop(signum)


class _ErrorFilter:
    """Passes a child's stderr through, folding each Python traceback into the error log
    and one line on screen."""

    def __init__(self, source: IO[bytes], out: IO[str]):
        self.source, self.out = source, out
        self.held: list[str] = []  # the traceback being read
        self.last: Optional[str] = None  # the last error line seen, for the exit message
        self.folded = False  # a traceback was just folded
        self.thread = threading.Thread(target=self._run, name="explorer-stderr", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for raw in iter(self.source.readline, b""):
            self._line(raw.decode("utf-8", "replace").rstrip("\n"))
        if self.held:
            self._fold()

    def _line(self, line: str) -> None:
        if line.startswith("Traceback (most recent call last)"):
            self.held.append(line)
        elif self.held:
            self.held.append(line)
            if line and not line[0].isspace() and not line.startswith(_LINKS):  # the exception's own line: the end
                self._fold()
        elif self.folded and (not line.strip() or line.startswith(_LINKS)):
            pass  # what links a chained traceback to the next: the next one is folded too
        else:
            self.folded = False
            if line.strip():
                self.last = line.strip()
            self._say(line)

    def _say(self, line: str) -> None:
        """Print a line; a closed terminal must not stop the draining, or the server would
        block on a full pipe."""
        try:
            print(line, file=self.out, flush=True)
        except (OSError, ValueError):
            pass

    def _fold(self) -> None:
        text, self.held, self.folded = "\n".join(self.held), [], True
        self.last = text.splitlines()[-1].strip()
        path = log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a") as f:
                f.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} crlso app (the explorer's server)\n{text}\n")
            where = str(path)
        except OSError as err:
            where = f"nowhere ({path} is not writable: {err.strerror})"
        self._say(f"crlso: the explorer's server reported an error ({self.last[:200]}); the traceback is in {where}.")

    def close(self) -> None:
        self.thread.join(2.0)


def _stop(child: subprocess.Popen, signum: Optional[int]) -> None:
    """Stop the server and wait for it: a Ctrl-C in the terminal already reached it (same
    process group), so it gets a moment to stop by itself first."""
    if child.poll() is None and signum == signal.SIGINT:
        try:
            child.wait(2.0)
        except subprocess.TimeoutExpired:
            pass
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(STOP_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def serve(command: Sequence[str], env: dict) -> tuple[int, Optional[str], Optional[int]]:
    """Run the server until it exits or crlso is asked to stop: (its exit code, the last error
    line it printed, the signal that stopped crlso or None)."""
    on_main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, _raise_stop) for s in _STOPPING} if on_main else {}
    child: Optional[subprocess.Popen] = None
    stopped_by: Optional[int] = None
    errors = None
    try:
        try:
            child = subprocess.Popen(list(command), env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=preexec_die_with_parent(signal.SIGTERM))
            errors = _ErrorFilter(child.stderr, sys.stderr)
            child.wait()
        except _Stop as stop:
            stopped_by = stop.signum
    finally:
        if child is not None:
            try:
                _stop(child, stopped_by)
            except _Stop:  # a second signal while stopping: stop at once
                child.kill()
                child.wait()
        if errors is not None:
            errors.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return (child.returncode if child else 0), (errors.last if errors else None), stopped_by


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def environment(runs_dir: Optional[os.PathLike]) -> dict:
    env = dict(os.environ)
    if runs_dir is not None:
        env["CRLSO_RUNS"] = str(runs_dir)
    return env
