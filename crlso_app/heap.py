"""Keep Python's full garbage collections cheap in the app's server.

Streamlit collects every generation after each script run (runner.postScriptGC), and the
libraries the pages import (torch, scikit-learn, UMAP, Plotly, pandas) leave about half a
million long-lived objects for each full collection to scan: 0.24-0.27 s holding the GIL
after every run, which held back the browser's next requests and, with a job panel
refreshing each second, kept 0.3-0.4 of a core busy on an idle Search page. Moving what is
alive once a run has imported new modules into the permanent generation (gc.freeze) leaves
each later collection the objects made since."""

from __future__ import annotations

import gc
import sys

_modules_at_freeze = 0


def freeze_after_imports() -> bool:
    """After a run: when modules were imported since the last call, collect the garbage and
    freeze what is left (the modules, the caches, the loaded models: all alive for the
    server's life). A no-op otherwise. Returns whether it froze."""
    global _modules_at_freeze
    if len(sys.modules) <= _modules_at_freeze:
        return False
    gc.collect()
    gc.freeze()
    _modules_at_freeze = len(sys.modules)
    return True
