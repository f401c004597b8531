"""Child processes that die with their parent, whatever signal ends it (SIGKILL included).

A parent killed with SIGKILL runs no cleanup, so the child must notice by itself. On Linux
the kernel does it: prctl(PR_SET_PDEATHSIG) sends the child a signal the moment its parent
exits, with no polling and no thread. Elsewhere (and as a backstop for the race where the
parent died before the child asked) a daemon thread compares os.getppid() with the parent's
pid once a second and exits when they differ (an orphan is re-parented to init or a reaper).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from typing import Callable, Optional

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
POLL_S = 1.0


def _set_pdeathsig(sig: int) -> bool:
    """Ask the kernel to send `sig` to this process when its parent exits; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int, on_orphan: Optional[Callable[[], None]], grace_s: float) -> None:
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_S)
        if on_orphan is not None:  # a chance to stop cleanly (say why, remove what was half-written)
            on_orphan()
            time.sleep(grace_s)
        os._exit(1)  # no parent to report to: stop, writing nothing more

    threading.Thread(target=watch, name="crlso-lifeline", daemon=True).start()


def die_with_parent(parent_pid: int, sig: int = signal.SIGTERM, kernel: bool = True,
                    on_orphan: Optional[Callable[[], None]] = None, grace_s: float = 10.0) -> str:
    """Call first thing in a child: it ends when `parent_pid` ends. Returns how ("pdeathsig" or
    "watchdog"); both are armed on Linux, the watchdog covering a parent already gone.

    kernel=False arms the watchdog only. Use it when the parent may have started this child
    from a thread that ends before the parent does (a Streamlit script run): the kernel sends
    the parent-death signal when the *thread* that forked exits, not the process. With
    `on_orphan`, the watchdog calls it first and exits `grace_s` seconds later if the child
    has not ended by then."""
    how = "pdeathsig" if kernel and _set_pdeathsig(sig) else "watchdog"
    if os.getppid() != parent_pid:  # the parent died before we asked
        os._exit(1)
    _watch_parent(parent_pid, on_orphan, grace_s)
    return how


def preexec_die_with_parent(sig: int = signal.SIGTERM) -> Optional[Callable[[], None]]:
    """A subprocess preexec_fn arming the parent-death signal (async-signal-safe enough: one
    prctl call, no Python threads), or None where the platform has none. Only for a Popen
    called from a thread that lives as long as the parent (its main thread): see
    die_with_parent(kernel=False) for the others."""
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()

    def arm() -> None:
        _set_pdeathsig(sig)
        if os.getppid() != parent:
            os._exit(1)

    return arm
