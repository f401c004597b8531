"""Live view of the background job: one bar for the whole job (stage k of n) and one for the
stage, with its ETA and losses, a cancel button, and the outcome of the latest job (for a
training, what the pair reached and a link onward). Refreshes itself every second without
rerunning the page."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import streamlit as st

from crlso_app.navigation import page
from crlso_core.catalog.methods import SIDE_TABLE, SIDES, method_words, pair_run_name, side_name
from crlso_core.common import progress
from crlso_core.pipeline.jobs.local import JobInfo, active_job, cancel_job, list_jobs
from crlso_core.store.folder import RunFolder
from crlso_core.store.folder import default_root as runs_root

STAGES = {
    "teacher": "teacher (GNN predictor on the labelled cells)",
    "gvae": "G-VAE training",
    "check": "codes, reconstruction and the search's predictor",
    "search": "latent search",
    "pca": "PCA", "tsne": "t-SNE", "umap": "UMAP",
}  # and a baseline's stage is its id, said in its method's words (catalog/methods.py)
METRICS = {  # what the losses mean, in words; KL is left out (its first epochs run to 1e5: true, but no help in a class)
    "mse": "teacher MSE", "recon": "reconstruction loss", "icnn": "ICNN fit (MSE)", "best_valid": "best validation accuracy %",
}


def stage_label(stage: str) -> str:
    side, _, name = stage.rpartition(":")
    prefix = f"{side_name(side)} · " if side else ""
    return prefix + STAGES.get(name, method_words(name))


def _seconds(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


FIRST_STEP = {"teacher": 1, "gvae": 1, "check": 0}  # the step of a stage's first report (its clock starts there)


def job_left(p: dict, seconds: float) -> str:
    """The job's ETA: the whole job at the pace measured so far, by its stages' measured
    shares (common/progress.py); "estimating…" until a step has been measured."""
    left = progress.job_left(p.get("plan") or [], p.get("index"), p["step"], p["total"], seconds)
    if left is None:
        return " · estimating the time left…"
    return " · finishing…" if left == 0 else f" · about {_seconds(left)} left in all"


def stage_text(p: dict) -> str:
    """The stage bar's text: steps and the stage's ETA from its own pace ("estimating…"
    until the pace is measured, never 0 s before its last step); a stage that only knows how
    long it usually takes (t-SNE, UMAP) says that instead, and when it runs over."""
    metrics = p.get("metrics", {})
    label = stage_label(p["stage"])
    if metrics.get("estimated"):
        elapsed, usual = p["step"], metrics.get("usual_s")
        if usual is None:
            return f"{label}: done"
        if metrics.get("over"):
            return f"{label}: {_seconds(elapsed)} so far, longer than the usual {_seconds(usual)} (a busy machine?)"
        return f"{label}: {_seconds(elapsed)} of about {_seconds(usual)}"
    kind = p["stage"].rpartition(":")[2]
    unit = {"search": "queries", "check": "steps"}.get(kind, "epochs" if ":" in p["stage"] else "queries")
    if kind in FIRST_STEP:
        eta = progress.stage_left(p["step"], p["total"], p.get("stage_elapsed_s") or 0.0, FIRST_STEP[kind])
    else:  # the writer's own pace, but never 0 s before the end
        eta = p.get("eta_s")
        eta = eta if p["step"] >= p["total"] or (eta is not None and eta >= 1) else None
    left = "estimating the time left in this stage…" if eta is None else (f"{_seconds(eta)} left in this stage" if eta else "done")
    return f"{label}: {p['step']} / {p['total']} {unit} · {left}"


def shown_metrics(p: dict) -> dict[str, float]:
    """The losses worth a caption, in words; the ICNN's fit only on a side that has an ICNN
    (the LS side trains none, and its 0 would read as a perfect fit)."""
    side = SIDE_TABLE.get(p["stage"].rpartition(":")[0])
    no_icnn = side is not None and not side.icnn
    return {METRICS[k]: v for k, v in p.get("metrics", {}).items() if k in METRICS and not (k == "icnn" and no_icnn)}


def show_progress(job: JobInfo) -> None:
    p = job.progress
    elapsed = time.time() - job.created
    st.markdown(f"**{job.title}** · started {time.strftime('%H:%M:%S', time.localtime(job.created))}, {_seconds(elapsed)} ago")
    if (job.path / "cancel").exists():
        st.caption("Stopping: what this job was writing is being removed…")
    if not p:
        st.progress(0.0, text="starting (loading PyTorch and the benchmark) · estimating the time left…")
        return
    stage_fraction = min(1.0, p["step"] / max(1, p["total"]))
    plan, index = p.get("plan") or [], p.get("index")
    if plan and index is not None:
        overall = progress.job_fraction(plan, index, p["step"], p["total"])
        measured = p.get("updated", time.time()) - job.created  # the pace as of the last report
        st.progress(overall, text=f"Stage {index + 1} of {len(plan)}: {stage_label(p['stage'])}{job_left(p, measured)}")
    st.progress(stage_fraction, text=stage_text(p))
    shown = shown_metrics(p)
    if shown:
        st.caption(" · ".join(f"{k} {v:.3g}" for k, v in shown.items()))


def _pair_outcome(job: JobInfo) -> None:
    """What a finished training reached, side by side, and where to look at it."""
    parts = []
    for run in (job.result or {}).get("runs", []):
        s = RunFolder(Path(run)).summary_or_none()
        if s is not None and s.recon_acc is not None:
            tau = f", predictor τ {s.icnn_kendall_tau:.2f}" if s.icnn_kendall_tau is not None else ""
            unseen = f" (unseen cells {100 * s.recon_heldout:.0f} %)" if s.recon_heldout is not None else ""
            parts.append(f"{side_name(s.side_name)}: reconstruction {100 * s.recon_acc:.0f} %{unseen}{tau}")
    if parts:
        st.caption(" · ".join(parts))
    name = job.params.get("name")
    if name:
        st.page_link(page("latent"), label="Open the latent space of this pair", icon=":material/scatter_plot:", query_params={"run": name})


def show_outcome(job: JobInfo) -> None:
    when = time.strftime("%H:%M:%S", time.localtime(job.created))
    took = f" in {_seconds(job.seconds)}" if job.seconds is not None else ""
    if job.status == "done":
        st.success(f"{job.title} (started {when}) finished{took}.", icon=":material/check_circle:")
        if job.kind == "train_pair":
            _pair_outcome(job)
    elif job.status == "cancelled":
        st.warning(f"{job.title} (started {when}) was cancelled; nothing half-written was kept.", icon=":material/stop_circle:")
    elif job.status in ("failed", "crashed"):
        st.error(f"{job.title} (started {when}) {job.status}: {job.error}", icon=":material/error:")


def runs_of(job: JobInfo, root: Path) -> set[str]:
    """The run folders a job reads or writes, resolved: a search's runs, a training's pair
    (made or to be made), a projection's run."""
    p = job.params or {}
    made = {pair_run_name(p["name"], side) for side in p.get("sides", SIDES)} if job.kind == "train_pair" and p.get("name") else set()
    named = [*p.get("runs", ()), *([p["run"]] if isinstance(p.get("run"), str) else [])]
    return {str(Path(x).resolve()) for x in named} | {str((Path(root) / m).resolve()) for m in made}


def concerns(job: JobInfo, root: Path, runs: Optional[tuple[str, ...]]) -> bool:
    """Whether a job is one of the page's run (`runs`: its folders; None: every job)."""
    return runs is None or bool(runs_of(job, root) & {str(Path(r).resolve()) for r in runs})


@st.fragment(run_every=1.0)
def job_panel(kinds: tuple[str, ...] = (), runs: Optional[tuple[str, ...]] = None) -> None:
    """The running job (one runs at a time) or, when idle, the outcome of the latest job of
    the given kinds; with `runs` (a page about one run's folders) only the jobs of that run,
    never another run's. Reruns the whole page once when a job ends."""
    root = runs_root()
    job = active_job(root)
    watched = st.session_state.get("watched_job")
    if job is not None and concerns(job, root, runs):
        st.session_state["watched_job"] = job.id
        show_progress(job)
        if not (job.path / "cancel").exists() and st.button("Cancel job", key=f"cancel-{job.id}", type="secondary"):
            cancel_job(job)
        return
    if job is None:
        latest = [j for j in list_jobs(root) if (not kinds or j.kind in kinds) and concerns(j, root, runs)][:1]
        if latest:
            show_outcome(latest[0])
    if watched is not None and (job is None or job.id != watched):  # the job we were showing has ended: refresh the page's data
        st.session_state["watched_job"] = None
        st.rerun(scope="app")
