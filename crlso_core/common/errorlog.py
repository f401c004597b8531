"""The error log: where the CLI and the app write the traceback of a failure that is not
the user's (a bug), so the screen shows one line and a bug report has the details."""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

ENV_VAR = "CRLSO_ERROR_LOG"


def log_path() -> Path:
    """$CRLSO_ERROR_LOG, else $XDG_STATE_HOME/crlso/errors.log, else ~/.local/state/crlso/errors.log."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "crlso" / "errors.log"


def log_exception(exc: BaseException, where: str) -> str:
    """Append the traceback to the error log; returns where it went (or why it could not be
    written: a failure to log must not hide the failure itself)."""
    path = log_path()
    entry = f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {where}\n" + "".join(traceback.format_exception(exc))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as f:
            f.write(entry)
        return str(path)
    except OSError as err:
        return f"nowhere ({path} is not writable: {err.strerror})"
