"""Latent space: every pool cell's code projected to 2-D/3-D, LS beside CR-LS with one set
of controls, and the picked cell drawn beside them (on the first screen); its nearest
neighbours in each latent space are marked on both panels and listed; a box or lasso on
either panel lights up the same cells on the other, is set against the whole space and can be
saved as CSV; decode any point of the plane."""

from typing import Optional

import numpy as np
import pandas as pd
import streamlit as st

from crlso_app.cell_render import label_help_markdown, show_cell
from crlso_app.cloud_chart import (
    cell_layer,
    cloud_chart,
    cloud_data,
    cloud_panel,
    colour_index,
    picked_row,
    rows_in_polygon,
    wheel_scrolls_the_page,
    with_selection,
)
from crlso_app.cluster import job_address
from crlso_app.figures import draw_order, latent_scatter_3d, side_by_side
from crlso_app.jobs_panel import job_panel
from crlso_app.run_picker import pair_views
from crlso_app.selection import TOP, region_summary, selected_rows, selection_csv
from crlso_app.state import kept_widget, md, projection, run_stamp, runs_root, shown_accuracy, url_cell, url_get, url_set, view
from crlso_app.thinning import ENDS, drawn_rows
from crlso_core.analysis.projections import LABELS, METHODS, plane_to_latent
from crlso_core.benchmarks import NO_TEST
from crlso_core.catalog.methods import side_name
from crlso_core.pipeline.jobs.local import active_job, start_job

COLOURS = {"rank (1 = best)": ("rank", True), "validation accuracy": ("valid", False), "predicted accuracy": ("predicted", False)}
COLOUR_KEYS = {v[0]: k for k, v in COLOURS.items()}


def colour_values(run, key: str) -> np.ndarray:
    return {"valid": run.valid, "rank": run.rank().astype(np.float64), "predicted": run.predicted}[key]


def axis_titles(proj, dims: int) -> tuple[str, ...]:
    if proj.explained_variance is None:
        return tuple(f"{LABELS[proj.method]} {i + 1}" for i in range(dims))
    words = " of variance" if dims == 2 else ""  # 3-D axis titles must be short, or they run off the chart
    return tuple(f"PC{i + 1} ({100 * v:.0f} %{words})" for i, v in enumerate(proj.explained_variance[:dims]))


def side_panel_3d(run, method: str, colour_name: str, mark: Optional[int]):
    colour_key, reverse = COLOURS[colour_name]
    proj = projection(run, method, 3)
    colour = colour_values(run, colour_key)
    return latent_scatter_3d(proj.coords, colour, run.labels, run.valid, run.predicted, run.label, colour_name, reverse, highlight=mark,
                             highlight_label=run.archs[mark] if mark is not None else "", axis_titles=axis_titles(proj, 3),
                             rows=drawn_rows(proj.coords, colour, reverse))


@st.cache_resource(max_entries=16, show_spinner=False)
def cloud_panels(paths: tuple[str, ...], stamps: tuple[float, ...], method: str, colour_name: str) -> list[dict]:
    """Each side's 2-D panel (cloud_chart.py), built once per pair, projection and colouring."""
    colour_key, reverse = COLOURS[colour_name]
    panels = []
    for path in paths:
        run = view(path)
        proj = projection(run, method, 2)
        colour = colour_values(run, colour_key)
        panels.append(cloud_panel(proj.coords, colour, run.labels, run.valid, run.predicted, run.label, colour_name,
                                  drawn_rows(proj.coords, colour, reverse), reverse, axis_titles(proj, 2)))
    return panels


@st.cache_resource(max_entries=16, show_spinner=False)
def scatter_figure_3d(paths: tuple[str, ...], stamps: tuple[float, ...], method: str, colour_name: str, mark: Optional[int]):
    """Both sides in 3-D, one Plotly chart (one WebGL context, one draw), built once per pair,
    projection, colouring and marked cell."""
    panels = [side_panel_3d(view(path), method, colour_name, mark) for path in paths]
    return side_by_side(panels, f"{' and '.join(side_name(view(p).side) for p in paths)} · {LABELS[method]}")


def drawing_rank(colour: np.ndarray, reverse: bool) -> np.ndarray:
    """Each row's place in the order the chart draws every cell (best last)."""
    order = draw_order(colour, reverse)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def neighbour_table(run, row: int, k: int) -> pd.DataFrame:
    rows, distance = run.nearest(row, k)
    return pd.DataFrame({
        "latent distance": distance, "valid acc": run.valid[rows], "predicted acc": run.predicted[rows],
        "cell": [run.labels[r] for r in rows], "cell string": [run.archs[r] for r in rows],
    })


NUMBERS = {c: st.column_config.NumberColumn(format="%.2f") for c in ("valid acc", "predicted acc")}
NUMBERS["latent distance"] = st.column_config.NumberColumn(format="%.3f")


def offer_projection(pair, runs, method: str, missing: list[str]) -> None:
    """t-SNE/UMAP are a background job: a button while none runs, the job's progress while it does."""
    job = active_job(runs_root())
    if job is None:
        st.info(f"{LABELS[method]} of the {len(next(iter(runs.values())).codes):,} codes is not computed yet for "
                f"{' and '.join(side_name(s) for s in missing)}: about {30 if method == 'tsne' else 60} s per run on this CPU, "
                "then kept with the run. The Train page can compute both with the training.")
        if st.button(f"Compute {LABELS[method]}", type="primary"):
            start_job(runs_root(), "project", {"runs": [str(runs[s].path) for s in missing], "methods": [method], "dims": 2},
                      f"{LABELS[method]} of {pair.name}", job_address())
            st.rerun()
    job_panel(("project",))


pair, runs = pair_views()
first = next(iter(runs.values()))
c = st.columns(4)
method = c[0].selectbox("Projection", METHODS, index=METHODS.index(url_get("proj", METHODS, "pca")), format_func=LABELS.get, key="proj")
dims = kept_widget(c[1].radio, "Dimensions", "dims", 2, options=[2, 3] if method == "pca" else [2], horizontal=True,
                   help="3-D: drag to turn the cloud, Ctrl/⌘ + wheel to zoom (the wheel alone scrolls the page)")
colour_key = url_get("colour", list(COLOUR_KEYS), "rank")
colour_name = c[2].selectbox("Colour by", list(COLOURS), index=list(COLOURS).index(COLOUR_KEYS[colour_key]), key="colour")
k = kept_widget(c[3].number_input, "Neighbours to list", "neighbours", 10, min_value=1, max_value=50)
colour_key, reverse = COLOURS[colour_name]
url_set(proj=method, colour=colour_key)

projections = {side: projection(run, method, dims) for side, run in runs.items()}
missing = [side for side, p in projections.items() if p is None]
if missing:
    offer_projection(pair, runs, method, missing)
    st.stop()

cell = url_cell(first.row_of, len(first.archs))
# the picked cell beside the 2-D chart: one screen answers a click (the 3-D cloud needs the page's width; the cell goes below)
chart_column, cell_column = st.columns([5, 2], gap="small") if dims == 2 else (st.container(), st.container())
# Read the chart's events before drawing it: a click then costs one run, which draws the chart
# with the new cell marked
colours = {side: colour_values(run, colour_key) for side, run in runs.items()}
orders = {side: drawn_rows(projections[side].coords, colours[side], reverse) for side in runs}
paths = tuple(str(run.path) for run in runs.values())
stamps = tuple(run_stamp(run) for run in runs.values())
region: dict[str, list[int]] = {}
if dims == 2:
    key, view_name = "cloud", f"{pair.name}-{method}"  # the chart's identity: it stays mounted across runs and projections
    event = st.session_state.get(key) or {}
    picked = picked_row(event.get("pick"), list(orders.values()))
    if picked is not None:
        cell = picked[1]
        st.session_state.pop("latent-region", None)  # a click ends a region's selection
    if isinstance(event.get("region"), dict):
        st.session_state["latent-region"] = {"view": view_name, **event["region"]}
    chosen = st.session_state.get("latent-region")
    area = None
    if chosen and chosen.get("view") == view_name and chosen.get("panel") in range(len(runs)):  # a region belongs to one projection
        area = (chosen["panel"], chosen["polygon"])
        side = list(runs)[area[0]]
        if rows := rows_in_polygon(projections[side].coords, area[1]):
            region[side] = rows
else:
    key = "scatter-3"  # Plotly's 3-D chart: where Streamlit keeps its selection
    event = st.session_state.get(key)
    for i, side in enumerate(runs):  # side i's cells are trace i, on subplot i
        rows, is_region = selected_rows(event, orders[side], curve=i)
        if len(rows) == 1 and not is_region and st.session_state.get(f"seen-{key}-{side}") != rows[0]:
            st.session_state[f"seen-{key}-{side}"] = cell = rows[0]  # a new click
if cell is not None:
    url_set(cell=first.archs[cell])
neighbours = {side: run.nearest(cell, k)[0] for side, run in runs.items()} if cell is not None else {}
with chart_column, st.spinner(f"Drawing {len(first.codes):,} cells on each side…"):
    if dims == 2:
        marks = [projections[side].coords[cell] if cell is not None else None for side in runs]
        coords = [projections[side].coords for side in runs]
        selected = None
        if region:  # the region's cells, on every panel: where one side's cluster lands on the other
            (rows,) = region.values()
            selected = [cell_layer(xy, rows, run.labels, colour_index(colours[side], reverse), drawing_rank(colours[side], reverse))
                        for xy, (side, run) in zip(coords, runs.items())]
        marked = [[cell_layer(xy, near) for near in neighbours.values()] for xy in coords] if neighbours else None
        panels = with_selection(cloud_panels(paths, stamps, method, colour_name), marks, area, selected, marked)
        title = f"{' and '.join(side_name(s) for s in runs)} · {LABELS[method]}"
        legend = [f"{k} nearest in the {side_name(s)} latent space" for s in neighbours]
        cloud_chart(cloud_data(panels, title, view_name, reverse, legend), key)
    else:
        figure = scatter_figure_3d(paths, stamps, method, colour_name, cell)
        wheel_scrolls_the_page()  # the wheel alone scrolls the page; Ctrl/⌘ + wheel zooms the cloud
        st.plotly_chart(figure, key=key, on_select="rerun", selection_mode=("points",), config={"scrollZoom": True})

with cell_column:
    st.subheader("Selected cell")
    if cell is None:
        st.info("Click a dot to see its cell here, with its accuracies; its nearest cells in each latent space are then "
                "marked on both panels.")
    else:
        test = f"test {first.test[cell]:.2f} %" if first.test is not None else NO_TEST
        st.markdown(f"True validation accuracy **{first.valid[cell]:.2f} %** ({test})  \n"  # the numbers first: on a short screen too
                    + "  \n".join(f"{side_name(s)} predicts {shown_accuracy(r.predicted[cell])}" for s, r in runs.items()))
        show_cell(first.space, first.pool.cells[cell])
        st.code(first.archs[cell], language=None, wrap_lines=True)

for side, rows in region.items():
    run = runs[side]
    others = " and ".join(side_name(s) for s in runs if s != side)
    st.subheader(f"Selected region in {side_name(side)}: {len(rows):,} cells")
    summary = region_summary(run.valid, rows)
    if summary is None:
        st.markdown(f"{md(run.benchmark.title)} has no accuracy for these cells.")
    else:
        st.markdown(f"{summary.words()} (the top {100 * TOP:.0f} % by true validation accuracy)."
                    + (f" The same cells are lit in {others}; the rest are grey." if others else ""))
    frame = pd.DataFrame({"valid acc": run.valid[rows], "predicted acc": run.predicted[rows], "cell": [run.labels[r] for r in rows],
                          "cell string": [run.archs[r] for r in rows]}).sort_values("valid acc", ascending=False)
    st.download_button(f"Download the {len(rows):,} cells as CSV", key="region-csv",
                       data=selection_csv(rows, run.archs, run.valid, run.test, {side_name(s): r.predicted for s, r in runs.items()}),
                       file_name=f"{pair.name}-{side}-{method}-selection.csv", mime="text/csv", icon=":material/download:")
    st.dataframe(frame, hide_index=True, height=260, column_config=NUMBERS)
drawn = {side: len(order) for side, order in orders.items()}
if min(drawn.values()) < len(first.codes):
    counts = " and ".join(f"{n:,} ({side_name(s)})" for s, n in drawn.items())
    st.caption(f"{counts} of {len(first.codes):,} cells drawn: every one of the best and the worst {100 * ENDS:.0f} %, and an "
               "even share of each part of the plane for the rest (only the dense middle is thinned, so the browser draws "
               "fewer points at once). Neighbour tables, region summaries and the decoder use every cell.")
st.caption(label_help_markdown(first.space))
how = ("Click a point to pick its cell (gold on both sides, its latent neighbours ringed) · Box and Lasso above the chart select a "
       "region, lit on both sides · drag to pan, Ctrl/⌘ + wheel or + and − to zoom (the wheel alone scrolls the page), "
       "double-click to reset" if dims == 2 else "Drag to turn the cloud, Ctrl/⌘ + wheel to zoom (the wheel alone scrolls the page)")
st.caption(f"{how} · hover for the cell and its accuracies · colours follow each cell's rank among the values shown "
           "(the colour bar reads the values at the 2nd to 98th percentiles), "
           "so a space whose accuracies bunch near the top is not painted one colour.")

if cell is not None:
    shapes = ["◯ ringed", "□ boxed"]  # as cloud_chart.js marks neighbour sets 0 and 1 on the chart
    for j, (column, (side, run)) in enumerate(zip(st.columns(len(runs)), runs.items())):
        on_chart = f"; {shapes[j]} on both panels" if dims == 2 and j < len(shapes) else ""
        column.markdown(
            f"**Nearest {k} cells in the {side_name(side)} latent space** (distance in the {run.codes.shape[1]}-d space, "
            f"not in the plot{on_chart})"
        )
        column.dataframe(neighbour_table(run, cell, k), hide_index=True, column_config=NUMBERS)

if dims == 2:
    st.subheader("Decode a point of the plane")
    d = st.columns(4)
    side = kept_widget(d[0].selectbox, "Latent space", "decode-side", list(runs)[-1], options=list(runs), format_func=side_name)
    proj, run = projections[side], runs[side]
    start = proj.coords[cell] if cell is not None else proj.coords.mean(0)
    where_key = f"{pair.name}-{side}-{method}-{cell}"  # a typed point belongs to one projection of one side
    x = kept_widget(d[1].number_input, "x", f"decode-x-{where_key}", float(start[0]), format="%.3f")
    y = kept_widget(d[2].number_input, "y", f"decode-y-{where_key}", float(start[1]), format="%.3f")
    z = plane_to_latent(proj, run.codes, np.array([x, y]))
    (decoded,) = run.decode_cells(z[None])
    arch = run.space.format(decoded)
    (valid,) = run.accuracy_of([arch])
    how = "exactly (PCA inverts)" if method == "pca" else "from the 8 cells projected nearest (t-SNE/UMAP have no inverse)"
    where = "" if arch in run.row_of else ", a cell outside the run's pool"
    truth = f"true validation accuracy {valid:.2f} %" if np.isfinite(valid) else f"{md(run.benchmark.title)} has no accuracy for it"
    d[3].metric("Predicted accuracy there", shown_accuracy(float(run.predict(z[None])[0])),
                help="The predictor extrapolates away from the cells it was fitted on: outside 0-100 % it is shown "
                "clipped, with its own value.")
    st.markdown(f"The point ({x:.3f}, {y:.3f}) maps to a latent code {how}; the decoder makes `{arch}` ({truth}{where}).")
    show_cell(run.space, decoded)
