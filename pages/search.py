"""Search: run CR-LSO (and LSO on the LS side, and the baselines) from a trained pair with a
chosen budget; live best-so-far curve; trajectories drawn over the projection; step
through one trajectory cell by cell."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.cell_render import cell_svg
from app.figures import add_arrows, curves_figure, latent_scatter
from app.jobs_panel import job_panel, stage_label
from app.state import guard, pair_views, projection, runs_root, url_get, url_set
from crlso_core.analysis.projections import LABELS, METHODS
from crlso_core.explore import optimum, run_curves, summary_or_none, trajectories
from crlso_core.jobs import active_job, start_job
from crlso_core.search.baselines import BASELINES, LABELS as BASELINE_LABELS

LATENT_LABEL = {"crls": "CR-LSO", "ls": "LSO"}


@st.fragment(run_every=1.0)
def live_curve(opt: float) -> None:
    job = active_job(runs_root())
    if job is None or job.kind != "search" or not job.progress or not job.progress.get("curves"):
        return
    fig = go.Figure([go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers", name=stage_label(stage))
                     for stage, pts in job.progress["curves"].items()])
    fig.add_hline(y=opt, line=dict(color="green", dash="dash"), annotation_text=f"validation optimum {opt:.2f}")
    fig.update_layout(title="Live: best-so-far validation accuracy", height=320, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis_title="benchmark queries", yaxis_title="accuracy (%)")
    st.plotly_chart(fig, key="live-curve")


def results_table(pair, table, dataset) -> pd.DataFrame:
    rows = []
    for side in pair.sides:
        s = summary_or_none(pair.path(side)) or {}
        if s.get("status") == "complete":
            rows.append({"method": LATENT_LABEL[side], "budget": s["budget"], "best cell": s["best_arch"], "valid acc": s["best_valid_acc"],
                         "test acc": s["best_test_acc"], "found optimum": s["found_valid_optimum"], "queries to best": s["queries_to_best"]})
        for name, b in s.get("baselines", {}).items():
            rows.append({"method": BASELINE_LABELS.get(name, name), "budget": b["budget"], "best cell": b["best_arch"], "valid acc": b["best_valid_acc"],
                         "test acc": b["best_test_acc"], "found optimum": b["best_valid_acc"] >= optimum(table, dataset)[0],
                         "queries to best": b.get("queries_to_best")})
    return pd.DataFrame(rows)


st.title("Search")
with guard():
    pair, runs = pair_views()
    first = next(iter(runs.values()))
    table, dataset = first.table, first.config.dataset
    opt_valid, opt_test = optimum(table, dataset)

    with st.form("search"):
        c = st.columns(3)
        budget = c[0].number_input("Budget (benchmark queries, labelled set included)", first.config.labelled, 5000,
                                   max(first.config.budget, first.config.labelled), key="budget")
        rule = c[1].selectbox("Step rule", ["step", "ranked"], key="rule",
                              help="step: the reference one-step rule · ranked: many candidate steps per start, query the best-predicted")
        baselines = c[2].multiselect("Baselines beside it", list(BASELINES), default=["rea"], format_func=BASELINE_LABELS.get, key="baselines")
        go_search = st.form_submit_button("Start search", type="primary")
    if go_search:
        start_job(runs_root(), "search", {"runs": [str(r.path) for r in runs.values()], "budget": int(budget), "rule": rule, "baselines": baselines},
                  f"Search {pair.name} ({rule}, {budget} queries)")
        st.toast("Search started.")
    job_panel(("search",))
    live_curve(opt_valid)

    curves = [c for side, run in runs.items() for c in run_curves(run.path, table, dataset, LATENT_LABEL[side])]
    if not curves:
        st.info("No search results for this run yet: start a search above.")
        st.stop()
    st.subheader("Results")
    st.dataframe(results_table(pair, table, dataset), hide_index=True)
    metric = st.radio("Curve", ["validation", "test"], horizontal=True, key="metric")
    st.plotly_chart(curves_figure(curves, opt_valid if metric == "validation" else opt_test,
                                  f"Best so far on {dataset}", "valid" if metric == "validation" else "test"), key="curves")

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
    queried = [(run.row_of[s["start_arch"]], run.row_of[s["arch"]], s) for t in paths for s in t.steps if s["queried"]]
    fig = latent_scatter(proj.coords, run.valid, run.archs, run.valid, run.predicted, f"{run.label}: search steps", "validation accuracy")
    if queried:
        add_arrows(fig, proj.coords[[q[0] for q in queried]], proj.coords[[q[1] for q in queried]],
                   [f"round {q[2]['round']}: {q[2]['arch']}" for q in queried])
    st.plotly_chart(fig, key="traj-plot")
    st.caption(f"{len(queried)} queried steps from {len(paths)} start cells; arrows run from the start cell to the cell found.")

    labels = [f"{i + 1}. from {t.start_arch} ({len(t.steps)} steps)" for i, t in enumerate(paths)]
    pick = c[2].selectbox("Trajectory", range(len(paths)), format_func=lambda i: labels[i], key="traj")
    steps = paths[pick].steps
    index = st.slider("Step", 1, len(steps), 1, key=f"step-{side}-{pick}") - 1 if len(steps) > 1 else 0
    step = steps[index]
    row = run.row_of[step["arch"]]
    left, right = st.columns([3, 2])
    left.markdown(cell_svg(step["arch"]), unsafe_allow_html=True)  # st.html strips SVG
    right.markdown(
        f"Round {step['round']}, attempt {step['attempt']}, step size η = {step['eta']:.2f}  \n"
        f"Predicted by the search's predictor: **{step['pred_acc']:.2f} %** at the decoded cell ({step['pred_acc_z']:.2f} % at the stepped point)  \n"
        f"True validation accuracy: **{run.valid[row]:.2f} %** " + ("(queried)" if step["queried"] else "(not queried: already known, or a retry)")
    )
    right.code(step["arch"], language=None, wrap_lines=True)
