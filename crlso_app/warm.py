"""Warm the server's caches so that a lecturer's first visit to an example's page in class
reads memory instead of waiting seconds for torch, the G-VAE, the tables and the pages' own
computations.

- `warm`: the libraries every page imports, then each shipped example's models and
  projections (the pair the first page shows first of all) in the caches the pages read
  through (crlso_app/state.py's `view` and `projection`).
- `rehearse`: each of those pairs' pages opened once through Streamlit's AppTest, so that
  whatever a page caches (its figures, checks and pictures) is computed with the settings a
  first visit has.

Streamlit's caches are process-wide, so `crlso app` (crlso_app/launch.py) runs both before its
server listens; a server started otherwise (`streamlit run crlso_app/main.py`) runs `warm` in
a background thread on its first page. Neither draws for a browser, writes a file (the
examples are read only) or raises: a failure leaves the page to load what it needs."""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Optional

import streamlit as st

from crlso_core.common.errors import CRLSOError

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


def pairs_to_warm() -> list:
    """The pairs to warm, in order: the one a first page shows (the first listed: the user's
    newest, else the first example), then every shipped example."""
    from crlso_app.state import runs_root
    from crlso_core.store.pairs import list_pairs

    pairs = list_pairs(runs_root())
    return list({p.name: p for p in pairs[:1] + [p for p in pairs[1:] if p.example]}.values())


def runs_to_warm() -> list:
    """The run folders of `pairs_to_warm`, at most MAX_RUNS."""
    paths = [pair.path(side) for pair in pairs_to_warm() for side in pair.sides]
    return list(dict.fromkeys(paths))[:MAX_RUNS]


def pairs_to_rehearse() -> list[str]:
    """The pairs whose pages `rehearse` opens: those of `pairs_to_warm`, by name."""
    return [pair.name for pair in pairs_to_warm()]


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
        try:
            run = view(path)
            for method, dims in SHOWN:
                projection(run, method, dims)  # read from the run's analysis/ (a missing t-SNE/UMAP stays missing)
        except CRLSOError as exc:  # one run that cannot be opened (its page says why) leaves the others warmed
            print(f"The warm-up skipped {path.name}: {exc}", file=sys.stderr)
            continue
        spent[path.name] = time.perf_counter() - t0
    _warmed.set()
    return spent


_warmed = threading.Event()  # set once warm() has run in this process (crlso_app/launch.py runs it before serving)


def rehearse(pairs: list[str], timeout: float = 180.0) -> dict[str, float]:
    """Open each pair's pages once as a first visitor does (the app's own script through
    Streamlit's AppTest, in this process, before the server listens): the latent space in
    PCA, 3-D and t-SNE, Similarity, Convexity, Search and its t-SNE map, with their default
    settings. Everything those pages cache (cache_data and cache_resource are process-wide)
    is then in memory when the browser asks for the same page. Returns seconds per pair; a
    page that fails here is left to compute on its first visit."""
    from streamlit.testing.v1 import AppTest

    main = Path(__file__).resolve().parent / "main.py"
    spent = {}
    for pair in pairs:
        t0 = time.perf_counter()
        for steps in _VISITS:
            try:
                at = AppTest.from_file(str(main), default_timeout=timeout)
                at.query_params["run"] = pair
                at.run()
                for step in steps:
                    step(at)
                    at.run()
                    if at.exception:  # the page itself failed: its message, as a visitor would see it
                        raise RuntimeError(at.exception[0].value)
            except Exception:  # noqa: BLE001 - a rehearsal that fails only leaves that page cold
                print(f"The warm-up's visit of {pair} stopped (that page computes on its first visit):", file=sys.stderr)
                traceback.print_exc(file=sys.stderr)
        spent[f"{pair} pages"] = time.perf_counter() - t0
    return spent


def _page(name: str):
    return lambda at: at.switch_page(f"views/{name}.py")


def _choose(widget: str, key: str, value, kept: bool = True):
    from crlso_app.state import WIDGET_PREFIX

    return lambda at: getattr(at, widget)(key=(WIDGET_PREFIX + key) if kept else key).set_value(value)


_VISITS = (  # each a fresh session (AppTest), opened on the landing page (Latent space, PCA)
    (_choose("radio", "dims", 3),),
    (_choose("selectbox", "proj", "tsne", kept=False),),
    (_page("similarity"), _page("convexity"), _page("search"), _choose("toggle", "found-on", True)),
)


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


def silence_warm_up_thread() -> None:
    """Drop Streamlit's "missing ScriptRunContext" warnings of the warm-up's own thread."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_WarmUpThreadFilter())


@st.cache_resource(show_spinner=False)
def start_warm_up() -> Optional[threading.Thread]:
    """Start the warm-up thread: once per server (cache_resource), never waited on. Under
    crlso_app/launch.py (`crlso app`) the caches are already full and it finds them so."""
    silence_warm_up_thread()
    if _warmed.is_set():
        return None
    thread = threading.Thread(target=_warm_in_background, name=THREAD, daemon=True)
    thread.start()
    return thread
