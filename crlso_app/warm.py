"""Warm the server in the background, once, when its first page runs: the libraries every page
imports, then each shipped example's models and projections (and the pair the first page
shows, first of all), so a lecturer's first visit to an example's page in class reads what is
already in memory instead of waiting seconds for torch, the G-VAE and the tables.

It only fills the caches the pages read through (crlso_app/state.py's `view` and
`projection`: Streamlit's cache_resource, shared by every session and computed once per key,
so a page asking for a run the warm-up is loading waits for that load instead of repeating
it). It never draws, never writes a file (the examples are read only) and never raises: a
failure leaves the page to load what it needs as it always did."""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
import traceback

import streamlit as st

THREAD = "crlso-warm-up"
MODULES = (  # what the pages import (a second or more each on a busy 2-core machine: torch alone takes several)
    "torch", "pandas", "plotly.graph_objects", "matplotlib.figure", "crlso_core.store.view", "crlso_app.figures",
    "crlso_app.pictures", "crlso_app.cell_render", "crlso_app.cloud_chart", "crlso_app.thinning", "crlso_app.selection",
    "crlso_core.analysis.convexity", "crlso_core.analysis.similarity", "crlso_core.analysis.found",
    "crlso_core.analysis.curves", "crlso_core.analysis.trajectories", "crlso_core.analysis.projections",
)
SHOWN = (("pca", 2), ("pca", 3), ("tsne", 2), ("umap", 2))  # the projections the Latent and Search pages read
MAX_RUNS = 8  # state._view keeps 8 runs: warming more would push out the first ones


class _WarmUpThreadFilter(logging.Filter):
    """Streamlit logs "missing ScriptRunContext" for every cached call outside a page's script:
    the warm-up makes them on purpose, so its own are dropped (a page's are kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD


def runs_to_warm() -> list:
    """The runs to load, in order: the pair a first page shows (the first listed: the user's
    newest, else the first example), then every shipped example; at most MAX_RUNS."""
    from crlso_app.state import runs_root
    from crlso_core.store.pairs import list_pairs

    pairs = list_pairs(runs_root())
    ordered = pairs[:1] + [p for p in pairs[1:] if p.example]
    paths = [pair.path(side) for pair in ordered for side in pair.sides]
    return list(dict.fromkeys(paths))[:MAX_RUNS]


def warm(log=None) -> dict[str, float]:
    """Import the pages' libraries and load each run of `runs_to_warm` with its shipped
    projections; returns seconds spent per step (what the warm-up log line says)."""
    from crlso_app.state import projection, view

    spent: dict[str, float] = {}
    t0 = time.perf_counter()
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module another version of the app lacks is simply not warmed
            pass
    spent["imports"] = time.perf_counter() - t0
    for path in runs_to_warm():
        t0 = time.perf_counter()
        run = view(path)
        for method, dims in SHOWN:
            projection(run, method, dims)  # read from the run's analysis/ (a missing t-SNE/UMAP stays missing)
        spent[path.name] = time.perf_counter() - t0
    return spent


def _warm_in_background() -> None:
    # not niced: a page that asks for a run being loaded waits on this thread (cache_resource's lock)
    t0 = time.perf_counter()
    try:
        spent = warm()
    except Exception:  # noqa: BLE001 - the pages load what they need themselves; the terminal says why this did not
        print("The background warm-up stopped (the pages load what they need as they open):", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return
    print(f"Warmed up in {time.perf_counter() - t0:.1f} s: " + ", ".join(f"{k} {v:.1f} s" for k, v in spent.items()),
          file=sys.stderr, flush=True)


@st.cache_resource(show_spinner=False)
def start_warm_up() -> threading.Thread:
    """Start the warm-up thread: once per server (cache_resource), never waited on."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_WarmUpThreadFilter())
    thread = threading.Thread(target=_warm_in_background, name=THREAD, daemon=True)
    thread.start()
    return thread
