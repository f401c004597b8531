"""Search: run CR-LSO (and LSO on the LS side, and the baselines) from a trained pair with a
chosen budget; live best-so-far curve; trajectories drawn over the projection; step
through one trajectory cell by cell."""

from typing import Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.cell_render import cell_svg
from app.figures import add_arrows, curves_figure, latent_scatter
from app.jobs_panel import job_panel, stage_label
from app.run_picker import pair_views
from app.state import guard, projection, runs_root, url_get, url_set
from crlso_core.analysis.projections import LABELS, METHODS, place
from crlso_core.benchmarks import NO_TEST
from crlso_core.config import RULES
from crlso_core.explore import run_curves, trajectories
from crlso_core.jobs import active_job, start_job
from crlso_core.records import SIDE_METHODS, summary_or_none
from crlso_core.registry import dataset_title
from crlso_core.search.baselines import BASELINES, LABELS as BASELINE_LABELS


@st.fragment(run_every=1.0)
def live_curve(opt: Optional[float]) -> None:
    job = active_job(runs_root())
    if job is None or job.kind != "search" or not job.progress or not job.progress.get("curves"):
        return
    fig = go.Figure([go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers", name=stage_label(stage))
                     for stage, pts in job.progress["curves"].items()])
    if opt is not None:
        fig.add_hline(y=opt, line=dict(color="green", dash="dash"), annotation_text=f"validation optimum {opt:.2f}")
    fig.update_layout(title="Live: best-so-far validation accuracy", height=320, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis_title="benchmark queries", yaxis_title="accuracy (%)")
    st.plotly_chart(fig, key="live-curve")


def results_table(pair, optimum: Optional[float], has_test: bool) -> pd.DataFrame:
    rows = []

    def row(method, budget, arch, valid, test, queries_to_best):
        found = bool(valid >= optimum) if optimum is not None else "optimum not known"
        out = {"method": method, "budget": budget, "best cell": arch, "valid acc": valid, "test acc": test,
               "found optimum": found, "queries to best": queries_to_best}
        if not has_test:  # the caption says so; no column of blanks
            del out["test acc"]
        return out

    for side in pair.sides:
        s = summary_or_none(pair.path(side))
        if s is None:
            continue
        if s.complete:
            rows.append(row(SIDE_METHODS[side], s.budget, s.best_arch, s.best_valid_acc, s.best_test_acc, s.queries_to_best))
        for name, b in s.baselines.items():
            rows.append(row(BASELINE_LABELS.get(name, name), b.budget, b.best_arch, b.best_valid_acc, b.best_test_acc, b.queries_to_best))
    return pd.DataFrame(rows)


st.title("Search")
with guard():
    pair, runs = pair_views()
    first = next(iter(runs.values()))
    benchmark, dataset = first.benchmark, first.dataset
    best = first.optimum
    opt_valid = best.valid if best else None

    with st.form("search"):
        c = st.columns(3)
        budget = c[0].number_input("Budget (benchmark queries, labelled set included)", first.config.labelled, 5000,
                                   max(first.config.budget, first.config.labelled), key="budget")
        rule = c[1].selectbox("Step rule", RULES, key="rule",
                              help="step: the reference one-step rule · ranked: many candidate steps per start, query the best-predicted")
        baselines = c[2].multiselect("Baselines beside it", list(BASELINES), default=["rea"], format_func=BASELINE_LABELS.get, key="baselines")
        go_search = st.form_submit_button("Start search", type="primary")
    if go_search:
        start_job(runs_root(), "search", {"runs": [str(r.path) for r in runs.values()], "budget": int(budget), "rule": rule, "baselines": baselines},
                  f"Search {pair.name} ({rule}, {budget} queries)")
        st.toast("Search started.")
    job_panel(("search",))
    live_curve(opt_valid)

    curves = [c for side, run in runs.items() for c in run_curves(run.path, benchmark, dataset, SIDE_METHODS[side])]
    if not curves:
        st.info("No search results for this run yet: start a search above.")
        st.stop()
    st.subheader("Results")
    st.caption(f"On {benchmark.title}, {dataset_title(dataset)}" + ("" if first.has_test else f": {NO_TEST}; methods compare on validation accuracy"))
    st.dataframe(results_table(pair, opt_valid, first.has_test), hide_index=True)
    metrics = ["validation", "test"] if first.has_test else ["validation"]
    metric = st.radio("Curve", metrics, horizontal=True, key="metric")
    st.plotly_chart(curves_figure(curves, opt_valid if metric == "validation" else (best.test if best else None),
                                  f"Best so far on {dataset_title(dataset)}", "valid" if metric == "validation" else "test"), key="curves")

    st.subheader("Trajectories")
    steps_of = {s: trajectories(run.path) for s, run in runs.items()}
    searched = [s for s, paths in steps_of.items() if paths]
    if not searched:
        st.stop()
    c = st.columns(3)
    side = c[0].selectbox("Latent space", searched, format_func=str.upper, key="traj-side")
    method = c[1].selectbox("Projection", METHODS, index=METHODS.index(url_get("proj", METHODS, "pca")), format_func=LABELS.get, key="traj-proj")
    url_set(proj=method)
    run = runs[side]
    proj = projection(run, method, 2)
    if proj is None:
        st.info(f"{LABELS[method]} is not computed for this run yet; compute it on the Latent space page, or pick PCA.")
        st.stop()
    paths = steps_of[side]
    queried = [s for t in paths for s in t.steps if s.queried]
    fig = latent_scatter(proj.coords, run.valid, run.labels, run.valid, run.predicted, f"{run.label}: search steps", "validation accuracy")
    if queried:
        starts = [s.start_arch for s in queried]
        found = [s.arch for s in queried]
        xy = place(proj, run.codes, run.codes_of(starts + found))  # cells outside the pool are placed among their neighbours
        add_arrows(fig, xy[: len(queried)], xy[len(queried):], [f"round {s.round}: {s.arch}" for s in queried])
    st.plotly_chart(fig, key="traj-plot")
    outside = sum(a not in run.row_of for a in {s.arch for s in queried})
    st.caption(f"{len(queried)} queried steps from {len(paths)} start cells; arrows run from the start cell to the cell found"
               + (f"; {outside} found cells lie outside the pool and are placed by their latent codes" if outside else "") + ".")

    labels = [f"{i + 1}. from {t.start_arch} ({len(t.steps)} steps)" for i, t in enumerate(paths)]
    pick = c[2].selectbox("Trajectory", range(len(paths)), format_func=lambda i: labels[i], key="traj")
    steps = paths[pick].steps
    index = st.slider("Step", 1, len(steps), 1, key=f"step-{side}-{pick}") - 1 if len(steps) > 1 else 0
    step = steps[index]
    (valid,) = run.accuracy_of([step.arch])
    truth = f"**{valid:.2f} %**" if np.isfinite(valid) else f"unknown ({benchmark.title} cannot answer this cell)"
    left, right = st.columns([3, 2])
    left.markdown(cell_svg(step.arch, run.config.space), unsafe_allow_html=True)  # st.html strips SVG
    right.markdown(
        f"Round {step.round}, attempt {step.attempt}, step size η = {step.eta:.2f}  \n"
        f"Predicted by the search's predictor: **{step.pred_acc:.2f} %** at the decoded cell ({step.pred_acc_z:.2f} % at the stepped point)  \n"
        f"True validation accuracy: {truth} " + ("(queried)" if step.queried else "(not queried: already known, or a retry)")
    )
    right.code(step.arch, language=None, wrap_lines=True)
