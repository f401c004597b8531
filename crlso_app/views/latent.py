"""Latent space: every pool cell's code projected to 2-D/3-D, LS beside CR-LS with one set
of controls; click a cell to render it and list its nearest neighbours in the latent space;
box/lasso to summarise a region; decode any point of the plane."""

from typing import Optional

import numpy as np
import pandas as pd
import streamlit as st

from crlso_app.cell_render import chart_and_cell, label_help_markdown, show_cell
from crlso_app.cluster import job_address
from crlso_app.figures import latent_scatter, panel_axis, side_by_side
from crlso_app.jobs_panel import job_panel
from crlso_app.run_picker import pair_views
from crlso_app.selection import rows_inside, selected_rows
from crlso_app.state import kept_widget, md, projection, runs_root, shown_accuracy, url_cell, url_get, url_set, view
from crlso_app.thinning import ENDS, drawn_rows
from crlso_core.analysis.projections import LABELS, METHODS, plane_to_latent
from crlso_core.benchmarks import NO_TEST
from crlso_core.catalog.methods import side_name
from crlso_core.pipeline.jobs.local import active_job, start_job
from crlso_core.store.folder import RunFolder

COLOURS = {"rank (1 = best)": ("rank", True), "validation accuracy": ("valid", False), "predicted accuracy": ("predicted", False)}
COLOUR_KEYS = {v[0]: k for k, v in COLOURS.items()}


def colour_values(run, key: str) -> np.ndarray:
    return {"valid": run.valid, "rank": run.rank().astype(np.float64), "predicted": run.predicted}[key]


def axis_titles(proj, dims: int) -> tuple[str, ...]:
    if proj.explained_variance is None:
        return tuple(f"{LABELS[proj.method]} {i + 1}" for i in range(dims))
    words = " of variance" if dims == 2 else ""  # 3-D axis titles must be short, or they run off the chart
    return tuple(f"PC{i + 1} ({100 * v:.0f} %{words})" for i, v in enumerate(proj.explained_variance[:dims]))


def side_panel(run, method: str, dims: int, colour_name: str, mark: Optional[int]):
    colour_key, reverse = COLOURS[colour_name]
    proj = projection(run, method, dims)
    colour = colour_values(run, colour_key)
    return latent_scatter(proj.coords, colour, run.labels, run.valid, run.predicted, run.label, colour_name, reverse, highlight=mark,
                          highlight_label=run.archs[mark] if mark is not None else "", axis_titles=axis_titles(proj, dims),
                          rows=drawn_rows(proj.coords, colour, reverse))


@st.cache_resource(max_entries=16, show_spinner=False)
def scatter_figure(paths: tuple[str, ...], stamps: tuple[float, ...], method: str, dims: int, colour_name: str, mark: Optional[int]):
    """Both sides in one chart (one WebGL context, one draw), built once per pair, projection,
    colouring and mark: a click that changes none of these sends the browser the same figure,
    which it does not redraw."""
    panels = [side_panel(view(path), method, dims, colour_name, mark) for path in paths]
    return side_by_side(panels, f"{' and '.join(side_name(view(p).side) for p in paths)} · {LABELS[method]}")


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
                   help="3-D: drag to turn the cloud, scroll to zoom")
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
# Read the charts' selections before drawing them: a click then costs one rerun, and the charts
# (cached, unchanged unless the mark is on) are not redrawn
colours = {side: colour_values(run, colour_key) for side, run in runs.items()}
orders = {side: drawn_rows(projections[side].coords, colours[side], reverse) for side in runs}
key = f"scatter-{dims}"  # where Streamlit keeps the chart's selection (a changed figure is still mounted anew: its id includes the spec)
event = st.session_state.get(key)
region: dict[str, list[int]] = {}
for i, side in enumerate(runs):  # side i's cells are trace i, on subplot i
    rows, is_region = selected_rows(event, orders[side], curve=i)
    if is_region:
        rows = rows_inside(event, projections[side].coords, panel_axis(i)) or rows  # every cell in the region, drawn or not
    if is_region and rows:
        region[side] = rows
    elif len(rows) == 1 and st.session_state.get(f"seen-{key}-{side}") != rows[0]:
        st.session_state[f"seen-{key}-{side}"] = cell = rows[0]  # a new click
if cell is not None:
    url_set(cell=first.archs[cell])
marked = st.checkbox("Mark the selected cell on both plots", value=url_get("mark") == "1", key="mark-box",
                     help="The clicked plot shows its point large and gold at once. Marking it on both redraws the chart on every click.")
url_set(mark="1" if marked else None)
mark = cell if marked else None
with st.spinner(f"Drawing {len(first.codes):,} cells on each side…"):
    figure = scatter_figure(tuple(str(run.path) for run in runs.values()), tuple(RunFolder(run.path).stamp() for run in runs.values()),
                            method, dims, colour_name, mark)
st.plotly_chart(figure, key=key, on_select="rerun", selection_mode=("points", "box", "lasso"), config={"scrollZoom": True})
drawn = {side: len(order) for side, order in orders.items()}
if min(drawn.values()) < len(first.codes):
    counts = " and ".join(f"{n:,} ({side_name(s)})" for s, n in drawn.items())
    st.caption(f"{counts} of {len(first.codes):,} cells drawn: every one of the best and the worst {100 * ENDS:.0f} %, and an "
               "even share of each part of the plane for the rest (only the dense middle is thinned, so the browser draws "
               "fewer points at once). Neighbour tables, region summaries and the decoder use every cell.")
st.caption(label_help_markdown(pair.space))
st.caption("Click a point to pick its cell · the box and lasso tools in a chart's toolbar summarise a region · hover for the "
           "cell and its accuracies · colours follow each cell's rank among the values shown (the colour bar reads the values at the 2nd "
           "to 98th percentiles), so a space whose accuracies bunch near the top is not painted one colour.")

for side, rows in region.items():
    run = runs[side]
    frame = pd.DataFrame({"valid acc": run.valid[rows], "predicted acc": run.predicted[rows], "cell": [run.labels[r] for r in rows],
                          "cell string": [run.archs[r] for r in rows]}).sort_values("valid acc", ascending=False)
    st.subheader(f"Selected region in {side_name(side)}: {len(rows):,} cells")
    st.markdown(f"mean validation accuracy {frame['valid acc'].mean():.2f} % · best {frame['valid acc'].max():.2f} % "
                f"(`{frame['cell string'].iloc[0]}`) · worst {frame['valid acc'].min():.2f} %")
    st.dataframe(frame, hide_index=True, height=260, column_config=NUMBERS)

if cell is not None:
    st.subheader("Selected cell")
    left, right = chart_and_cell(first.config.space)
    show_cell(first.archs[cell], first.config.space, left)
    right.code(first.archs[cell], language=None, wrap_lines=True)
    test = f"test {first.test[cell]:.2f} %" if first.test is not None else NO_TEST
    right.markdown(f"True validation accuracy **{first.valid[cell]:.2f} %** ({test})  \n"
                   + "  \n".join(f"{side_name(s)} predicts {shown_accuracy(r.predicted[cell])}" for s, r in runs.items()))
    for column, (side, run) in zip(st.columns(len(runs)), runs.items()):
        column.markdown(
            f"**Nearest {k} cells in the {side_name(side)} latent space** (distance in the {run.codes.shape[1]}-d space, not in the plot)"
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
    (arch,) = run.decode(z[None])
    (valid,) = run.accuracy_of([arch])
    how = "exactly (PCA inverts)" if method == "pca" else "from the 8 cells projected nearest (t-SNE/UMAP have no inverse)"
    where = "" if arch in run.row_of else ", a cell outside the run's pool"
    truth = f"true validation accuracy {valid:.2f} %" if np.isfinite(valid) else f"{md(run.benchmark.title)} has no accuracy for it"
    d[3].metric("Predicted accuracy there", shown_accuracy(float(run.predict(z[None])[0])),
                help="The predictor extrapolates away from the cells it was fitted on: outside 0-100 % it is shown "
                "clipped, with its own value.")
    st.markdown(f"The point ({x:.3f}, {y:.3f}) maps to a latent code {how}; the decoder makes `{arch}` ({truth}{where}).")
    show_cell(arch, run.config.space)
