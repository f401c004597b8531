"""Children that die with their parent (common/lifeline.py), checked on real processes: a
parent is SIGKILLed (it runs no cleanup) and its child must be gone within seconds.

A zombie counts as gone: nobody reaps orphans in this container."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# The parent: starts the child one of three ways, prints its pid, then waits to be killed.
PARENT = r"""
import subprocess, sys, threading, time
from crlso_core.common.lifeline import preexec_die_with_parent
how, marker = sys.argv[1], sys.argv[2]
CHILD = {
    "preexec": "import time; time.sleep(600)",
    "watchdog": "import os, sys, time; from crlso_core.common.lifeline import die_with_parent; "
                "print(die_with_parent(int(sys.argv[1]), kernel=False), flush=True); time.sleep(600)",
    "orphan": "import os, sys, time; from pathlib import Path; from crlso_core.common.lifeline import die_with_parent; "
              "die_with_parent(int(sys.argv[1]), kernel=False, on_orphan=lambda: (Path(sys.argv[2]).touch(), os._exit(3))); "
              "print('armed', flush=True); time.sleep(600)",
}[how]
out = {}
def start():  # from a thread that ends at once, as a Streamlit script run launches a job
    out["child"] = subprocess.Popen([sys.executable, "-c", CHILD, str(__import__("os").getpid()), marker],
                                    preexec_fn=preexec_die_with_parent() if how == "preexec" else None)
if how == "preexec":
    start()  # the kernel's signal follows the forking thread: preexec is for the main thread
else:
    thread = threading.Thread(target=start); thread.start(); thread.join()
print(out["child"].pid, flush=True)
time.sleep(600)
"""


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)
    return _gone(pid)


@pytest.fixture
def family(tmp_path):
    """start(how) -> (parent Popen, child pid); every process left is killed afterwards."""
    started = []

    def start(how: str):
        parent = subprocess.Popen([sys.executable, "-c", PARENT, how, str(tmp_path / "orphaned")], stdout=subprocess.PIPE,
                                  text=True, cwd=Path(__file__).resolve().parents[2])
        child = int(parent.stdout.readline())
        started.append((parent, child))
        if how != "preexec":  # the child says when its watchdog runs (it shares the parent's stdout)
            assert parent.stdout.readline().strip() in ("watchdog", "armed")
        return parent, child

    yield start
    for parent, child in started:
        parent.kill()
        parent.wait()
        if not _gone(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.parametrize("how", ["preexec", "watchdog"])
def test_a_child_is_gone_within_seconds_of_its_parents_sigkill(family, how):
    parent, child = family(how)
    time.sleep(1.5)  # the thread that launched the watchdog child ended long ago: it lives on
    assert not _gone(child), "the child must live as long as its parent"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _wait_gone(child, 5), f"the child ({how}) outlived its SIGKILLed parent"


def test_an_orphaned_child_is_told_first_so_it_can_stop_cleanly(family, tmp_path):
    parent, child = family("orphan")
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _wait_gone(child, 5)
    assert (tmp_path / "orphaned").exists()


def test_a_child_whose_parent_is_already_gone_stops_at_once(tmp_path):
    """die_with_parent named a pid that is no longer its parent (it died before the child
    asked): the child ends there and then."""
    code = "import os; from crlso_core.common.lifeline import die_with_parent; die_with_parent(os.getppid() + 10**6); print('ran on')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 1 and "ran on" not in done.stdout
