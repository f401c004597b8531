"""Convexity: three checks of the paper's claim, one on screen at a time (a lesson shows
them in turn; the choice lives in the URL, ?check=): the learned predictor over the plane of
the first two principal components; a Jensen-gap check of predicted and true error between
random pairs of cells, LS vs CR-LS; the cells the decoder makes along the straight line
between two cells."""

import numpy as np
import pandas as pd
import streamlit as st

from crlso_app.cell_render import draws_wide, show_cell
from crlso_app.figures import surface_figure
from crlso_app.pictures import CONTOUR_DOTS, contour_picture, jensen_picture, line_picture
from crlso_app.reference import over_seeds
from crlso_app.run_picker import pair_views
from crlso_app.state import kept_widget, run_stamp, url_cell, url_get, url_set, view
from crlso_core.analysis.convexity import (
    compare_true_violations,
    convex_by_construction,
    jensen_gaps,
    line_between,
    pc_surface,
    plane_span,
)
from crlso_core.catalog.methods import side_name


@st.cache_data(max_entries=16, show_spinner="Evaluating the predictor over the plane…")
def surface(path: str, stamp: float):
    run = view(path)
    return pc_surface(run.codes, run.predict)


@st.cache_data(max_entries=32, show_spinner="Checking Jensen's inequality…")
def jensen(path: str, stamp: float, pairs: int, seed: int):
    run = view(path)
    return jensen_gaps(run.codes, run.valid, run.predict, lambda z: run.accuracy_of(run.decode(z)), pairs=pairs, seed=seed)


# The 2-D charts are pictures drawn on the server (crlso_app/pictures.py): a Plotly chart cost
# a reload 0.3-0.7 s of the browser's drawing each. Each picture is drawn once per input.
@st.cache_data(max_entries=16, show_spinner="Drawing the contours…")
def contours(paths: tuple[str, ...], stamps: tuple[float, ...]) -> bytes:
    panels = [(surface(path, stamp), view(path).valid, view(path).label) for path, stamp in zip(paths, stamps)]
    return contour_picture(panels, " and ".join(side_name(view(p).side) for p in paths) + ": predicted accuracy")


@st.cache_data(max_entries=32, show_spinner=False)
def jensen_chart(paths: tuple[str, ...], stamps: tuple[float, ...], pairs: int, seed: int) -> bytes:
    return jensen_picture({view(path).side: jensen(path, stamp, pairs, seed) for path, stamp in zip(paths, stamps)})


@st.cache_data(max_entries=64, show_spinner=False)
def line_chart(t: np.ndarray, valid: np.ndarray, predicted: np.ndarray, title: str) -> bytes:
    return line_picture(t, valid, predicted, title)


CHECKS = {  # ?check= value -> what the chooser says
    "plane": "Predicted accuracy over the plane",
    "jensen": "Jensen gaps",
    "line": "Cells along a line",
}


def plane_check(runs: dict, paths: tuple[str, ...], stamps: tuple[float, ...]) -> None:
    st.subheader("Predicted accuracy over the PC1/PC2 plane")
    show = st.radio("Show as", ["contour with the cells", "surface"], horizontal=True, key="surface-kind")
    outside, panels = [], {}
    for (side, run), path, stamp in zip(runs.items(), paths, stamps):
        info = surface(path, stamp)
        low, high = float(np.nanmin(info.predicted)), float(np.nanmax(info.predicted))
        if low < 0.0 or high > 100.0:
            outside.append(f"{side_name(side)} runs from {low:.1f} % to {high:.1f} %")
        if not show.startswith("contour"):
            panels[side] = surface_figure(info, run.label)
    if show.startswith("contour"):
        st.image(contours(paths, stamps), width="stretch", output_format="PNG",
                 alt="Contours of the predicted accuracy over the PC1/PC2 plane, with cells")
    else:  # a 3-D scene a side, each turned on its own
        for column, (side, fig) in zip(st.columns(len(panels)), panels.items()):
            column.plotly_chart(fig, key=f"surface-{side}")
    spans = {side: plane_span(surface(path, stamp), run.valid) for (side, run), path, stamp in zip(runs.items(), paths, stamps)}
    words = "; ".join(span.words(side_name(side)) for side, span in spans.items()) + "."
    if any(span.flat for span in spans.values()):  # said where it is seen: the colours alone paint a landscape
        st.warning(words, icon=":material/straighten:")
    else:
        st.caption(words + " Each side's colours stretch over its own span.")
    shaped = [side_name(s) for s, run in runs.items() if convex_by_construction(run.config.search.predictor)]
    if shaped:
        st.caption(f"{' and '.join(shaped)}: a bowl by construction — the predictor is an ICNN, convex in the code, so its "
                   "surface over any plane is convex; the shape shows how the ICNN was built, not how the cells lie.")
    if outside:
        st.warning("Predicted accuracies outside 0-100 %: " + "; ".join(outside) + ". Far from the cells it learnt from, the "
                   "predictor extrapolates (linearly, for an ICNN); read the shape of the surface, not those values.",
                   icon=":material/warning:")
    st.caption("The plane passes through the mean code" + (f"; dots are {CONTOUR_DOTS:,} cells (a fixed random sample) at their "
               "PC coordinates, coloured by the rank of their true accuracy; each side on its own colour scale."
               if show.startswith("contour") else "; drag to turn the surface."))


def jensen_check(pair, runs: dict, paths: tuple[str, ...], stamps: tuple[float, ...]) -> None:
    st.subheader("Jensen-gap check")
    c = st.columns(2)
    pairs = c[0].slider("Random pairs of cells", 100, 3000, 500, step=100, key="pairs")
    seed = c[1].number_input("Seed", 0, 10**6, 0, key="jensen-seed")
    infos = {side: jensen(path, stamp, pairs, seed) for side, path, stamp in zip(runs, paths, stamps)}
    st.caption("For each pair (a, b) and t ∈ {0.25, 0.5, 0.75}: error at (1−t)·z_a + t·z_b minus the chord (1−t)·err(a) + "
               "t·err(b). A convex error has every gap ≤ 0. 'True' uses the benchmark error of the cell the decoder makes at "
               "the point.")
    # The informative check leads: the true error of the cells the decoder makes. The predicted error's check is true by
    # construction for an ICNN (convex in the code), so it is one line below, not a headline.
    m = st.columns(max(len(infos), 2))
    for column, (side, info) in zip(m, infos.items()):
        rate = f"{100 * info.violation_true:.1f} %" if np.isfinite(info.violation_true) else "no decoded cell answered"
        column.metric(f"{side_name(side)}: violations, true error of the decoded cells", rate,
                      help="Share of the points whose decoded cell's true error is above the chord: 0 % would be convex.")
    if {"ls", "crls"} <= set(infos):
        st.markdown(f"**{compare_true_violations(infos['ls'], infos['crls']).sentence()}**")
    st.caption("Predicted error: " + "; ".join(
        f"{side_name(side)} {100 * info.violation_predicted:.1f} % violations"
        + (" — true by construction (its predictor is an ICNN, convex in the code: this check can only pass)"
           if convex_by_construction(runs[side].config.search.predictor) else " (its predictor is not convex by construction)")
        for side, info in infos.items()) + ".")
    st.image(jensen_chart(paths, stamps, pairs, seed), width="stretch", output_format="PNG",
             alt="Jensen gaps: histograms of the true and the predicted error at a point minus the chord")
    over_seeds(pair.space, pair.dataset, pair.first.preset, ["jensen_true", "jensen_predicted"])


def line_check(runs: dict) -> None:
    st.subheader("Cells along a straight line")
    first = next(iter(runs.values()))
    picked = url_cell(dict(zip(first.archs, range(len(first.archs)))), len(first.archs))  # the cell picked on any page
    best = int(np.nanargmax(first.valid)) if picked is None else picked
    default_b = int(np.random.default_rng(0).integers(len(first.archs)))
    row = st.columns([2, 2, 1, 1])
    text_a = row[0].text_input("From cell", first.archs[best], key="line-a",
                               help="Empty: the best cell" if picked is None else "Empty: the cell picked on another page")
    text_b = row[1].text_input("To cell", first.archs[default_b], key="line-b", help="Empty: a random cell")
    steps = row[2].number_input("Points", 3, 41, 11, key="line-steps")
    side = row[3].selectbox("Latent space", list(runs), format_func=side_name, key="line-side")
    run = runs[side]
    ends = [run.space.format(run.space.parse(t.strip() or default)) for t, default in  # any spelling, inside the pool or not
            ((text_a, first.archs[best]), (text_b, first.archs[default_b]))]
    z_a, z_b = run.codes_of(ends)
    line = line_between(z_a, z_b, run.predict, run.decode, run.accuracy_of, int(steps))
    label = lambda arch: run.space.label(run.cell_of(arch))  # noqa: E731
    title = f"{run.label}: from {label(ends[0])} to {label(ends[1])}"
    st.image(line_chart(line.t, line.valid, line.predicted, title), width="stretch", output_format="PNG",
             alt=f"Accuracy along the line. {title}")
    percent = lambda v: f"{v:.2f}" if np.isfinite(v) else "unknown"  # noqa: E731
    frame = pd.DataFrame({"t": [f"{t:.2f}" for t in line.t], "true valid acc": [percent(v) for v in line.valid],
                          "predicted acc": [percent(v) for v in line.predicted], "decoded cell": [label(a) for a in line.archs]})
    # a plain table: a dataframe grid cost a reload of the page about 0.27 s of drawing for 11 rows; each cell's string is
    # under its drawing below
    st.table(frame, hide_index=True, height="content" if len(frame) <= 12 else 440)
    distinct = {arch: valid for arch, valid in zip(line.archs, line.valid)}
    st.markdown(f"{len(distinct)} distinct cells along the line:")
    grid = st.columns(1 if draws_wide(run.space) else min(3, len(distinct)))
    for i, (arch, valid) in enumerate(distinct.items()):
        with grid[i % len(grid)]:
            show_cell(run.space, run.cell_of(arch))
            st.caption(f"{percent(valid)} % · `{arch}`")


pair, runs = pair_views()
paths, stamps = tuple(str(run.path) for run in runs.values()), tuple(run_stamp(run) for run in runs.values())
# one check at a time: each is a screen of its own on a projector, and the page draws only what is shown (all three
# at once took a reload about 1 s of drawing, half of it the line's cells)
check = kept_widget(st.segmented_control, "Check", "convexity-check", url_get("check", CHECKS, "plane"), options=list(CHECKS),
                    format_func=CHECKS.get, selection_mode="single", required=True)
url_set(check=check)
if check == "plane":
    plane_check(runs, paths, stamps)
elif check == "jensen":
    jensen_check(pair, runs, paths, stamps)
else:
    line_check(runs)
