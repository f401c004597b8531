"""Search: run CR-LSO (and LSO on the LS side, and the baselines) from a trained pair with a
chosen budget; live best-so-far curve; every queried step drawn over the projection; walk
one trajectory move by move, each move drawn on the projection and as a cell."""

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from crlso_app.cell_render import draws_wide, label_help_markdown, show_cell
from crlso_app.cluster import job_address
from crlso_app.figures import curves_figure, found_figure, live_curve_figure, origins_figure, trajectory_overview
from crlso_app.jobs_panel import concerns, job_panel
from crlso_app.run_picker import pair_views
from crlso_app.state import kept_widget, md, projection, run_stamp, runs_root, url_get, url_set, view
from crlso_app.trajectory_chart import walk_figure
from crlso_core.analysis.curves import query_files, run_curves, search_origins
from crlso_core.analysis.found import cached_found_map, queried
from crlso_core.analysis.projections import LABELS, METHODS, place
from crlso_core.analysis.trajectories import Folded, Move, Trajectory, default_trajectory, trajectories
from crlso_core.benchmarks import NO_TEST
from crlso_core.catalog.config import RULES
from crlso_core.catalog.methods import SIDE_METHODS, method_ids, method_label, side_name
from crlso_core.catalog.registry import dataset_title
from crlso_core.pipeline.jobs.local import active_job, start_job
from crlso_core.search.origins import ABOUT
from crlso_core.spaces.base import SearchSpace
from crlso_core.store.examples import copy_pair
from crlso_core.store.folder import TRAJECTORIES, RunFolder
from crlso_core.store.pairs import list_pairs


@st.fragment(run_every=1.0)
def live_curve(opt: Optional[float], labelled: Optional[int], folders: tuple[str, ...]) -> None:
    job = active_job(runs_root())
    if job is None or job.kind != "search" or not job.progress or not job.progress.get("curves"):
        return
    if not concerns(job, runs_root(), folders):  # another run's search: not this page's
        return
    st.plotly_chart(live_curve_figure(job.progress["curves"], opt, labelled), key="live-curve")


def results_table(pair, optimum: Optional[float], has_test: bool, label) -> pd.DataFrame:
    rows = []

    def row(method, budget, arch, valid, test, queries_to_best):
        found = bool(valid >= optimum) if optimum is not None else "optimum not known"
        out = {"method": method, "budget": budget, "valid acc": valid, "test acc": test, "found optimum": found,
               "queries to best": queries_to_best, "best cell": label(arch), "cell string": arch}
        if not has_test:  # the caption says so; no column of blanks
            del out["test acc"]
        return out

    for side in pair.sides:
        s = RunFolder(pair.path(side)).summary_or_none()
        if s is None:
            continue
        if s.complete:
            rows.append(row(SIDE_METHODS[side], s.budget, s.best_arch, s.best_valid_acc, s.best_test_acc, s.queries_to_best))
        for name, b in s.baselines.items():
            rows.append(row(method_label(name), b.budget, b.best_arch, b.best_valid_acc, b.best_test_acc, b.queries_to_best))
    return pd.DataFrame(rows)


@dataclass
class Walks:
    """A run's trajectories placed on one projection."""

    paths: list[Trajectory]
    xy: dict  # cell string -> its position on the projection (cells outside the pool placed by their codes)
    starts: np.ndarray  # [queried moves, 2]
    ends: np.ndarray
    found: list[str]  # hover text of each queried move
    latent: np.ndarray  # per queried move: a latent move (True) or a fallback, mutation or random cell
    outside: int  # found cells outside the pool


@st.cache_resource(max_entries=8, show_spinner="Placing the trajectories on the projection…")
def walks(path: str, stamp: float, method: str) -> Walks:
    run = view(path)
    proj = projection(run, method, 2)
    paths = trajectories(run.path)
    archs = list(dict.fromkeys(a for t in paths for a in [t.start_arch, *(m.arch for m in t.moves)]))
    xy = dict(zip(archs, place(proj, run.codes, run.codes_of(archs)))) if archs else {}
    steps = [(t.start_arch, m) for t in paths for m in t.found]
    starts = np.array([xy[a] for a, _ in steps]).reshape(-1, 2)
    ends = np.array([xy[m.arch] for _, m in steps]).reshape(-1, 2)
    found = [f"round {m.round}: {run.space.label(run.cell_of(m.arch))} · {m.valid_acc:.2f} % · {ABOUT[m.kind]}" for _, m in steps]
    latent = np.array([m.latent for _, m in steps], dtype=bool)
    outside = sum(m.arch not in run.row_of for _, m in steps)
    return Walks(paths, xy, starts, ends, found, latent, outside)


@st.cache_resource(max_entries=8, show_spinner=False)
def overview(path: str, stamp: float, method: str) -> go.Figure:
    run, w = view(path), walks(path, stamp, method)
    coords = projection(run, method, 2).coords
    return trajectory_overview(coords, w.starts, w.ends, w.found, f"{run.label}: every queried step ({LABELS[method]})",
                               latent=w.latent)


def trajectory_names(paths: list[Trajectory], label) -> list[str]:
    names = []
    for i, t in enumerate(paths):
        best = max((m.valid_acc for m in t.found), default=None)
        names.append(f"#{i + 1} from {label(t.start_arch)} · {len(t.found)} found" + (f", best {best:.2f} %" if best is not None else "")
                     + f" · {len(t.walk)} of {len(t.moves)} moves to walk")
    return names


def walk_columns(space: SearchSpace):
    """The move chart and the cell on one screen for every space: a cell that draws wide
    (NB301's two cells) gets the wider column, where its text keeps 14 px (cell_render.py)."""
    return tuple(st.columns([2, 3] if draws_wide(space) else [3, 2]))


@st.fragment
def walk_one(path: str, stamp: float, method: str, side: str) -> None:
    """Pick a trajectory and walk it; only this part reruns on each move. It opens on the
    trajectory that found the most cells, and moves that decoded to a known cell are folded."""
    run, w = view(path), walks(path, stamp, method)
    label = lambda arch: run.space.label(run.cell_of(arch))  # noqa: E731
    names = trajectory_names(w.paths, label)
    pick = st.selectbox("Trajectory (from one start cell; opens on the one that found the most cells)", range(len(w.paths)),
                        index=default_trajectory(w.paths), format_func=lambda i: names[i], key=f"traj-{side}")
    t = w.paths[pick]
    entries = t.walk
    index = st.slider("Move (0 = the start cell; moves that decoded to a known cell are folded into one)", 0, len(entries), 0,
                      key=f"move-{side}-{pick}")
    nan = np.full(2, np.nan)
    points = np.array([nan if isinstance(e, Folded) else w.xy[e.arch] for e in entries]).reshape(-1, 2)
    folded = np.array([w.xy[m.arch] for e in entries if isinstance(e, Folded) for m in e.moves]).reshape(-1, 2)
    texts = [f"{i + 1}. round {e.round}: {label(e.arch)}" + (f" · {e.valid_acc:.2f} %" if e.valid_acc is not None else "")
             if isinstance(e, Move) else f"{i + 1}. {e.describe(t.start_arch)}" for i, e in enumerate(entries)]
    chart, cell = walk_columns(run.space)
    coords = projection(run, method, 2).coords
    chart.plotly_chart(walk_figure(coords, w.xy[t.start_arch], points, texts, folded, "start: " + label(t.start_arch), index,
                                   f"Trajectory #{pick + 1}, move {index} of {len(entries)}"), key=f"detail-{side}")
    chart.caption(f"{len(t.moves)} moves, {len(t.found)} of them to a new cell; grey dots: moves that decoded to a known cell "
                  "(folded). A number not printed beside its dot is in the dot's hover text.")
    entry = entries[index - 1] if index else None
    if isinstance(entry, Folded):
        with cell:
            st.markdown(f"**{md(entry.describe(t.start_arch))}.**")
            with st.expander(f"Open the {len(entry.moves)} folded move(s)"):
                st.markdown("  \n".join(md(m.describe(t.start_arch)) + f": {md(label(m.arch))}" for m in entry.moves))
        return
    arch = t.start_arch if entry is None else entry.arch
    (valid,) = run.accuracy_of([arch])
    truth = f"**{valid:.2f} %**" if np.isfinite(valid) else f"unknown ({md(run.benchmark.title)} cannot answer this cell)"
    with cell:
        show_cell(run.space, run.cell_of(arch))
        if entry is None:
            st.markdown(f"The start cell, one of the best queried when the round began. True validation accuracy {truth}.")
        else:
            last = entry.steps[-1]
            st.markdown(f"{md(entry.describe(t.start_arch))}.  \n"
                        f"Predicted by the search's predictor: **{last.pred_acc:.2f} %** at the decoded cell  \n"
                        f"True validation accuracy: {truth} " + ("(queried)" if entry.queried else "(not queried: already known)"))
        st.code(arch, language=None, wrap_lines=True)


@st.cache_data(show_spinner=False, max_entries=8)
def where_methods_looked(paths: dict[str, str], coder: str, stamps: tuple):
    sources = {}
    for side, path in paths.items():
        for method, csv in query_files(Path(path), SIDE_METHODS[side]).items():
            sources.setdefault(method, csv)
    cells = sum(len(rows) for rows in queried(sources).values())
    # t-SNE of a few thousand cells: tens of seconds on 2 cores the first time, then read from the run folder
    with st.spinner(f"Laying out {cells:,} queried cells in one t-SNE (about {max(5, cells // 60)} s the first time)…"):
        return cached_found_map(Path(coder), sources, view(Path(coder)).codes_of)


def found_section(runs) -> None:
    """The paper's NB301 figure, on any space: where each method's queries lie."""
    st.subheader("Where each method looked")
    if not kept_widget(st.toggle, "Lay out every queried cell of every method in one t-SNE", "found-on", False):
        return
    coder = runs.get("crls") or next(iter(runs.values()))
    stamps = tuple(run_stamp(r) for r in runs.values())
    found = where_methods_looked({s: str(r.path) for s, r in runs.items()}, str(coder.path), stamps)
    if found is None:
        st.info("No queried cells yet.")
        return
    st.plotly_chart(found_figure(found, f"Every queried cell, coded by {side_name(coder.side)} and laid out by one t-SNE"),
                    key="found")
    st.caption("Each dot is a cell a method queried (the labelled set, the same random cells for every latent method, is "
               "left out); a star marks each method's best. Methods that search near each other overlap; the t-SNE keeps "
               "neighbours in the latent space together, not distances between groups.")


def origins_section(runs) -> None:
    """Per latent method, where its search queries came from: a latent search that fell
    back to neighbours says so, in numbers."""
    by_method = {SIDE_METHODS[side]: o for side, run in runs.items() if (o := search_origins(run.path)) is not None}
    if not by_method:
        return
    st.subheader("Where each search's queries came from")
    st.plotly_chart(origins_figure(by_method, "Origin of every search query"), key="origins")
    st.caption(" · ".join(f"{method}: {o.describe()}" for method, o in by_method.items()) + ". Latent moves are decoded "
               "steps and, where the benchmark cannot answer a decoded cell, the nearest answerable cell to that point.")


pair, runs = pair_views()
first = next(iter(runs.values()))
benchmark, dataset = first.benchmark, first.dataset
best = first.optimum
opt_valid = best.valid if best else None

with st.form("search"):
    c = st.columns(3)
    budget = kept_widget(c[0].number_input, "Budget (benchmark queries, labelled set included)", f"budget-{pair.name}",
                         max(first.config.budget, first.config.labelled), min_value=first.config.labelled, max_value=5000,
                         form=True)
    rule = kept_widget(c[1].selectbox, "Step rule", "rule", first.config.search.rule, form=True, options=RULES,
                       help="authors (the paper and demo presets'): from each of the 10 best cells, one gradient step down "
                       "the predicted error from a noisy copy of its code, the first new decoded cell queried · authors-uphill: "
                       "the same with the sign of the authors' code, which climbs the predicted error (a diagnostic) · "
                       "ranked: many steps along each start's descent direction, the decoded cells the predictor ranks best "
                       "queried · ray: walk the descent direction in steps of the codes' spacing and query the first new cell "
                       "· step: one step without noise, growing on repeats · mixed: ranked, with the starts' one-mutation "
                       "neighbours among the candidates (not all latent moves)")
    baselines = kept_widget(c[2].multiselect, "Baselines beside it", "baselines", ["rea"], form=True, options=method_ids("baseline"),
                            format_func=method_label)
    if pair.example:
        st.caption("This example pair ships with the app and is never changed: the search runs on a copy of it in your runs folder.")
    go_search = st.form_submit_button("Start search", type="primary")
if go_search:
    target = pair
    if pair.example:  # copy on write: the shipped example stays as it is
        name = copy_pair({side: pair.path(side) for side in pair.sides}, runs_root())
        target = next(p for p in list_pairs(runs_root(), examples=False) if p.name == name)
        url_set(run=name)
    start_job(
        runs_root(),
        "search",
        {"runs": [str(target.path(side)) for side in target.sides], "budget": int(budget), "rule": rule, "baselines": baselines},
        f"Search {target.name} ({rule}, {budget} queries)",
        job_address(),
    )
    if target is not pair:
        st.rerun()
folders = tuple(str(pair.path(side)) for side in pair.sides)  # the page's run: only its jobs are shown here
job_panel(("search",), folders)
live_curve(opt_valid, first.config.labelled, folders)

curves = [c for side, run in runs.items() for c in run_curves(run.path, benchmark, dataset, SIDE_METHODS[side])]
if not curves:
    job = active_job(runs_root())
    if job is None or not concerns(job, runs_root(), folders):
        st.info("No search results for this run yet: start a search above.")
    st.stop()
st.subheader("Results")
st.caption(
    f"On {benchmark.title}, {dataset_title(dataset)}" + ("" if first.has_test else f": {NO_TEST}; methods compare on validation accuracy")
)
percent = st.column_config.NumberColumn(format="%.2f")
st.dataframe(results_table(pair, opt_valid, first.has_test, lambda a: first.space.label(first.cell_of(a))), hide_index=True,
             column_config={"valid acc": percent, "test acc": percent, "cell string": st.column_config.TextColumn(width="small")})
metrics = ["validation", "test"] if first.has_test else ["validation"]
metric = kept_widget(st.radio, "Curve", "curve-metric", "validation", options=metrics, horizontal=True)
st.plotly_chart(curves_figure(curves, opt_valid if metric == "validation" else (best.test if best else None),
                              f"Best so far on {dataset_title(dataset)}", "valid" if metric == "validation" else "test",
                              labelled=first.config.labelled), key="curves")

origins_section(runs)
found_section(runs)

st.subheader("Trajectories")
searched = [s for s, run in runs.items() if RunFolder(run.path).has(TRAJECTORIES)]
if not searched:
    st.stop()
c = st.columns(2)
default_side = url_get("side", searched, "crls" if "crls" in searched else searched[0])
side = c[0].selectbox("Latent space", searched, index=searched.index(default_side), format_func=side_name, key="traj-side")
method = c[1].selectbox(
    "Projection", METHODS, index=METHODS.index(url_get("proj", METHODS, "pca")), format_func=LABELS.get, key="traj-proj"
)
url_set(proj=method, side=side)
run = runs[side]
if projection(run, method, 2) is None:
    st.info(f"{LABELS[method]} is not computed for this run yet; compute it on the Latent space page, or pick PCA.")
    st.stop()
stamp = run_stamp(run)
w = walks(str(run.path), stamp, method)
st.plotly_chart(overview(str(run.path), stamp, method), key=f"overview-{side}-{method}")
latent = int(w.latent.sum())
st.caption(f"{len(w.found)} queries from {len(w.paths)} start cells: {latent} latent moves (solid red: each runs from a start "
           "cell to the cell decoded along its ray)" + (f", {len(w.found) - latent} not latent moves (grey, dashed: a fallback "
           "neighbour, a mutation or a random cell, drawn from the start it replaced)" if latent < len(w.found) else "")
           + (f"; {w.outside} found cells lie outside the pool and are placed by their latent codes" if w.outside else "")
           + ". Points along a ray that decoded to the same cell count as one move.")
st.caption(label_help_markdown(run.space))
walk_one(str(run.path), stamp, method, side)
