"""The sidebar's run picker, shared by every page that shows a trained pair, and the
first-visit button that trains a small pair when there is none."""

from __future__ import annotations

import time
from typing import Optional

import streamlit as st

from crlso_app.cluster import job_address
from crlso_app.jobs_panel import job_panel
from crlso_app.navigation import page
from crlso_app.state import runs_root, url_select, url_set, view
from crlso_core.catalog.methods import side_name
from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import dataset_title, get_spec
from crlso_core.pipeline.jobs.local import active_job, start_job
from crlso_core.store.pairs import Pair, list_pairs
from crlso_core.store.view import RunView

WEAK_RECON, WEAK_TAU = 0.95, 0.3  # below these, a run's latent space and predictor say little


def _label(name: str, pair: Pair) -> str:
    return f"{name} (example)" if pair.example else name


def _by_name(pairs: list[Pair]) -> dict[str, Pair]:
    """Each pair under a name of its own: a pair whose name an earlier one took (a run of the
    root named like a shipped example, say) is listed as 'name (2)', so every pair can be picked."""
    out: dict[str, Pair] = {}
    for pair in pairs:
        name, n = pair.name, 1
        while name in out:
            n += 1
            name = f"{pair.name} ({n})"
        out[name] = pair
    return out


def pick_pair() -> Optional[Pair]:
    """The picked pair (its name lives in the URL as ?run=), the user's own first, then the
    examples shipped with the app; picking one also sets the space the other pages show."""
    pairs = list_pairs(runs_root())
    if not pairs:
        st.info(f"No trained runs yet in `{runs_root()}`. Train a pair of latent spaces on the Train page.")
        st.page_link(page("train"), label="Go to Train", icon=":material/model_training:")
        quick_start()
        return None
    by_name = _by_name(pairs)
    names = list(by_name)
    with st.sidebar:
        name = url_select("Run", "run", names, format_func=lambda n: _label(n, by_name[n]),
                          help="The LS/CR-LS pair trained together (or a single run); examples ship with the app.")
        pair = by_name[name]
        url_set(space=pair.space, dataset=pair.dataset)  # one selection for every page: the run decides the space
        # the whole name once more, wrapped: the box above cuts a long one
        st.caption(f"{_label(name, pair)}: {get_spec(pair.space).title} · {dataset_title(pair.dataset)} · "
                   + " + ".join(side_name(s) for s in pair.sides))
        if pair.example:
            st.caption(f":material/inventory_2: An example shipped with the app ({pair.first.preset or 'unknown'} preset): read only. "
                       "A search on it runs on a copy in your runs folder; train your own on the Train page.")
    return pair


def quick_start() -> None:
    """First visit: one button trains a small LS/CR-LS pair so every page has something to show."""
    if active_job(runs_root()) is None and st.button(
        "Train a small pair now (lesson preset)", key="quick-start"
    ):
        config = preset("lesson")
        start_job(runs_root(), "train_pair", {"config": config.to_dict(), "name": time.strftime("lesson-%m%d-%H%M%S")},
                  "Train LS + CR-LS pair (lesson preset)", job_address())
    job_panel(("train_pair",))


def weak_models(runs: dict[str, RunView]) -> Optional[str]:
    """Why a pair's models are too weak to read anything into, or None: a smoke run, or a
    reconstruction or Kendall tau under the thresholds."""
    reasons = []
    for side, run in runs.items():
        s = run.summary
        if s.preset == "smoke":
            reasons.append(f"{side_name(side)} is a smoke run (a first look: it learns nothing)")
            continue
        if s.recon_acc is not None and s.recon_acc < WEAK_RECON:
            reasons.append(f"{side_name(side)} decodes only {100 * s.recon_acc:.0f} % of its cells back (under {100 * WEAK_RECON:.0f} %)")
        for what, tau in (("teacher", s.teacher_kendall_tau), ("predictor", s.icnn_kendall_tau)):
            if tau is not None and tau < WEAK_TAU:
                reasons.append(f"{side_name(side)}'s {what} ranks cells with Kendall tau {tau:.2f} (under {WEAK_TAU})")
    return "; ".join(reasons) or None


def pair_views() -> tuple[Pair, dict[str, RunView]]:
    """The picked pair and its runs loaded (side -> view); stops the page when there is none.
    A pair whose models are too weak to interpret says so above everything else."""
    pair = pick_pair()
    if pair is None:
        st.stop()
    runs = {side: view(pair.path(side)) for side in pair.sides}
    weak = weak_models(runs)
    if weak:
        st.warning(f"**These models are too weak to interpret.** {weak}. Positions, colours and predictions below say "
                   "little about the space; train with the lesson preset or larger.", icon=":material/warning:")
    return pair, runs
