"""Live view of the background job: stage, step, losses, ETA, a cancel button, and the
outcome of the latest job. Refreshes itself every second without rerunning the page."""

from __future__ import annotations

import time
from typing import Optional

import streamlit as st

from crlso_core.runs import default_root as runs_root
from crlso_core.jobs import JobInfo, active_job, cancel_job, list_jobs

STAGES = {
    "teacher": "teacher (GNN predictor on the labelled cells)",
    "gvae": "joint G-VAE training",
    "search": "latent search",
    "rea": "regularised evolution", "rs": "random search", "local": "local search",
}


def stage_label(stage: str) -> str:
    side, _, name = stage.rpartition(":")
    prefix = f"{side.upper()} · " if side else ""
    return prefix + STAGES.get(name, name)


def _eta(seconds: Optional[float]) -> str:
    if seconds is None:
        return "estimating…"
    return f"{seconds:.0f} s left in this stage" if seconds < 120 else f"{seconds / 60:.1f} min left in this stage"


def show_progress(job: JobInfo) -> None:
    p = job.progress
    elapsed = time.time() - job.created
    st.markdown(f"**{job.title}** · {job.status} · started {time.strftime('%H:%M:%S', time.localtime(job.created))}, {elapsed:.0f} s ago")
    if not p:
        st.progress(0.0, text="starting (loading PyTorch and the table)…")
        return
    fraction = min(1.0, p["step"] / max(1, p["total"]))
    st.progress(fraction, text=f"{stage_label(p['stage'])}: {p['step']} / {p['total']} · {_eta(p.get('eta_s'))}")
    if p.get("metrics"):
        st.caption(" · ".join(f"{k} {v:.4g}" for k, v in p["metrics"].items()))


def show_outcome(job: JobInfo) -> None:
    when = time.strftime("%H:%M:%S", time.localtime(job.created))
    if job.status == "done":
        st.success(f"{job.title} (started {when}) finished.", icon=":material/check_circle:")
    elif job.status == "cancelled":
        st.warning(f"{job.title} (started {when}) was cancelled; nothing half-written was kept.", icon=":material/stop_circle:")
    elif job.status in ("failed", "crashed"):
        st.error(f"{job.title} (started {when}) {job.status}: {job.error}", icon=":material/error:")


@st.fragment(run_every=1.0)
def job_panel(kinds: tuple[str, ...] = ()) -> None:
    """The running job (any kind: one runs at a time) or, when idle, the outcome of the
    latest job of the given kinds. Reruns the whole page once when a job ends."""
    root = runs_root()
    job = active_job(root)
    watched = st.session_state.get("watched_job")
    if job is not None:
        st.session_state["watched_job"] = job.id
        show_progress(job)
        if st.button("Cancel job", key=f"cancel-{job.id}", type="secondary"):
            cancel_job(job)
            st.toast("Cancelling…")
        return
    latest = [j for j in list_jobs(root) if not kinds or j.kind in kinds][:1]
    if latest:
        show_outcome(latest[0])
    if watched is not None:  # the job we were showing has ended: refresh the page's data
        st.session_state["watched_job"] = None
        st.rerun(scope="app")
