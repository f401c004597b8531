"""The sidebar's run picker, shared by every page that shows a trained pair, and the
first-visit button that trains a small pair when there is none."""

from __future__ import annotations

import time
from typing import Optional

import streamlit as st

from crlso_app.cluster import job_address
from crlso_app.jobs_panel import job_panel
from crlso_app.navigation import page
from crlso_app.state import runs_root, url_select, view
from crlso_core.catalog.methods import side_name
from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import dataset_title, get_spec
from crlso_core.pipeline.jobs.local import active_job, start_job
from crlso_core.store.pairs import Pair, list_pairs
from crlso_core.store.view import RunView


def pick_pair() -> Optional[Pair]:
    """The picked pair (its name lives in the URL as ?run=). None, with a message and a link
    to the Train page, when there is nothing to pick."""
    pairs = list_pairs(runs_root())
    if not pairs:
        st.info(f"No trained runs yet in `{runs_root()}`. Train a pair of latent spaces on the Train page.")
        st.page_link(page("train"), label="Go to Train", icon=":material/model_training:")
        quick_start()
        return None
    names = [p.name for p in pairs]
    with st.sidebar:
        name = url_select("Run", "run", names, help="The LS/CR-LS pair trained together (or a single run).")
        pair = pairs[names.index(name)]
        st.caption(f"{get_spec(pair.space).title} · {dataset_title(pair.dataset)} · " + " + ".join(side_name(s) for s in pair.sides))
    return pair


def quick_start() -> None:
    """First visit: one button trains a small LS/CR-LS pair so every page has something to show."""
    if active_job(runs_root()) is None and st.button(
        "Train a small pair now (smoke preset: about 10 s, nothing learned yet)", key="quick-start"
    ):
        config = preset("smoke")
        start_job(runs_root(), "train_pair", {"config": config.to_dict(), "name": time.strftime("demo-%m%d-%H%M%S")},
                  "Train LS + CRLS demo pair (smoke preset)", job_address())
    job_panel(("train_pair",))


def pair_views() -> tuple[Pair, dict[str, RunView]]:
    """The picked pair and its runs loaded (side -> view); stops the page when there is none."""
    pair = pick_pair()
    if pair is None:
        st.stop()
    return pair, {side: view(pair.path(side)) for side in pair.sides}
