"""Benchmark: every cell of the space with its accuracies; filter, sort, pick one, see it."""

import numpy as np
import pandas as pd
import streamlit as st

from app.cell_render import cell_svg
from app.figures import accuracy_histogram
from app.state import guard, url_int, url_select, url_set
from crlso_core.benchmarks import load_table
from crlso_core.explore import optimum
from crlso_core.spaces.nb201 import OPS

SPACES = ["nb201"]  # the spaces whose benchmark data the app can read


@st.cache_data(show_spinner="Reading the benchmark table…")
def cell_frame(space: str, dataset: str) -> pd.DataFrame:
    table = load_table(space)
    valid, test = table.valid[dataset], table.test[dataset]
    rank = np.empty(len(valid), dtype=np.int64)
    rank[np.argsort(-valid, kind="stable")] = np.arange(1, len(valid) + 1)
    return pd.DataFrame({"cell": table.space.format_many(table.cells), "valid acc": valid, "test acc": test, "rank": rank})


def filtered(frame: pd.DataFrame, text: str, ops: list[str]) -> pd.DataFrame:
    keep = np.ones(len(frame), dtype=bool)
    if text.strip():
        keep &= frame["cell"].str.contains(text.strip(), regex=False, case=False).to_numpy()
    for op in ops:
        keep &= frame["cell"].str.contains(f"{op}~", regex=False).to_numpy()
    return frame[keep]


st.title("Benchmark")
with guard():
    left, right = st.columns(2)
    with left:
        space = url_select("Search space", "space", SPACES, help="NAS-Bench-201: 15,625 cells, 6 edges × 5 ops.")
    table = load_table(space)
    with right:
        dataset = url_select("Dataset", "dataset", table.datasets)
    frame = cell_frame(space, dataset)
    best_valid, best_test = optimum(table, dataset)

    f1, f2 = st.columns([2, 3])
    text = f1.text_input("Filter by cell string", placeholder="e.g. nor_conv_3x3~0|+", key="filter-text")
    ops = f2.multiselect("Cells that use every one of these ops", OPS, key="filter-ops")
    shown = filtered(frame, text, ops)
    st.caption(f"{len(shown):,} of {len(frame):,} cells · validation optimum {best_valid:.2f} % (its test accuracy {best_test:.2f} %) · click a row to see the cell, click a header to sort")
    event = st.dataframe(
        shown, hide_index=True, on_select="rerun", selection_mode="single-row", key="cells", height=360,
        column_config={"valid acc": st.column_config.NumberColumn(format="%.2f"), "test acc": st.column_config.NumberColumn(format="%.2f")},
    )
    picked = event.selection.rows if event is not None else []
    if picked:
        url_set(cell=int(shown.index[picked[0]]))
    row = url_int("cell", None, 0, len(frame) - 1)

    chart, cell = st.columns([3, 2])
    selected = float(frame["valid acc"].iloc[row]) if row is not None else None
    chart.plotly_chart(accuracy_histogram(frame["valid acc"].to_numpy(), best_valid, f"Validation accuracy on {dataset}", selected), key="hist")
    with cell:
        typed = st.text_input("Or type a cell string", key="typed-cell", placeholder="|nor_conv_3x3~0|+|…|")
        if typed.strip():
            row = int(table.row(table.space.parse(typed)))
            url_set(cell=row)
        if row is None:
            st.info("Pick a row of the table (or type a cell string) to see the cell.")
        else:
            r = frame.iloc[row]
            st.markdown(f"**Rank {r['rank']:,}** of {len(frame):,} · valid {r['valid acc']:.2f} % · test {r['test acc']:.2f} %")
            st.markdown(cell_svg(r["cell"], space), unsafe_allow_html=True)  # st.html strips SVG
            st.code(r["cell"], language=None, wrap_lines=True)
