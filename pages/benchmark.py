"""Benchmark: the cells a benchmark holds (or a seeded sample of the space, for a surrogate)
with their accuracies; filter, sort, pick one, see it."""

import numpy as np
import pandas as pd
import streamlit as st

from app.cell_render import cell_svg
from app.figures import accuracy_histogram
from app.state import guard, url_int, url_select, url_set
from crlso_core.benchmarks import NO_TEST
from crlso_core.registry import get_spec, load_benchmark, names


@st.cache_data(show_spinner="Reading the benchmark…")
def cell_frame(space: str, dataset: str) -> tuple[pd.DataFrame, str]:
    """One row per cell shown, with one hidden boolean column per op (for the op filter), and
    a line saying which cells these are."""
    benchmark, spec = load_benchmark(space), get_spec(space)
    cells = benchmark.listed_cells()
    if cells is not None:
        what = f"all {len(cells):,} cells of {benchmark.title}"
    else:
        cells = benchmark.space.sample(np.random.default_rng(0), spec.browse_sample)
        what = f"{len(cells):,} random cells (seed 0) answered by {benchmark.title}, which answers any cell"
    if benchmark.source:
        what += f", read from {benchmark.source}"
    valid = benchmark.valid_accuracy(cells, dataset)
    rank = np.empty(len(valid), dtype=np.int64)
    rank[np.argsort(-valid, kind="stable")] = np.arange(1, len(valid) + 1)
    frame = pd.DataFrame({"cell": benchmark.space.format_many(cells), "valid acc": valid})
    test = benchmark.test_accuracy(cells, dataset)
    if test is not None:
        frame["test acc"] = test
    frame["rank"] = rank
    uses = [benchmark.space.ops_in(c) for c in cells]
    for op in benchmark.space.op_names:
        frame[f"uses {op}"] = [op in u for u in uses]
    return frame, what


def filtered(frame: pd.DataFrame, text: str, ops: list[str]) -> pd.DataFrame:
    keep = np.ones(len(frame), dtype=bool)
    if text.strip():
        keep &= frame["cell"].str.contains(text.strip(), regex=False, case=False).to_numpy()
    for op in ops:
        keep &= frame[f"uses {op}"].to_numpy()
    return frame[keep]


def optimum_line(benchmark, dataset: str) -> str:
    best = benchmark.optimum(dataset)
    if best is None:
        return f"the optimum of {benchmark.title} is not known"
    test = f"its test accuracy {best.test:.2f} %" if best.test is not None else NO_TEST
    return f"validation optimum {best.valid:.2f} % ({test})"


def show_cell(space: str, arch: str, heading: str) -> None:
    st.markdown(heading)
    st.markdown(cell_svg(arch, space), unsafe_allow_html=True)  # st.html strips SVG
    st.code(arch, language=None, wrap_lines=True)


st.title("Benchmark")
with guard():
    left, right = st.columns(2)
    with left:
        space = url_select("Search space", "space", names(), format_func=lambda n: get_spec(n).title,
                           help=" · ".join(f"{s.title}: {s.about}" for s in map(get_spec, names())))
    spec = get_spec(space)
    with right:
        dataset = url_select("Dataset", "dataset", list(spec.datasets), format_func=spec.dataset_title)
    benchmark = load_benchmark(space)
    frame, what = cell_frame(space, dataset)
    has_test = "test acc" in frame

    f1, f2 = st.columns([2, 3])
    text = f1.text_input("Filter by cell string", placeholder="a part of a cell string", key="filter-text")
    ops = f2.multiselect("Cells that use every one of these ops", benchmark.space.op_names, key="filter-ops")
    shown = filtered(frame, text, ops)
    st.caption(f"{len(shown):,} of {len(frame):,} cells shown: {what} · {optimum_line(benchmark, dataset)}"
               + ("" if has_test else f" · {NO_TEST}") + " · click a row to see the cell, click a header to sort")
    numbers = {c: st.column_config.NumberColumn(format="%.2f") for c in ("valid acc", "test acc")}
    event = st.dataframe(
        shown, hide_index=True, on_select="rerun", selection_mode="single-row", key="cells", height=360,
        column_order=[c for c in ("cell", "valid acc", "test acc", "rank") if c in frame], column_config=numbers,
    )
    picked = event.selection.rows if event is not None else []
    if picked:
        url_set(cell=int(shown.index[picked[0]]))
    row = url_int("cell", None, 0, len(frame) - 1)

    chart, cell = st.columns([3, 2])
    best = benchmark.optimum(dataset)
    selected = float(frame["valid acc"].iloc[row]) if row is not None else None
    chart.plotly_chart(accuracy_histogram(frame["valid acc"].to_numpy(), best.valid if best else None,
                                          f"Validation accuracy on {spec.dataset_title(dataset)}", selected), key="hist")
    with cell:
        typed = st.text_input("Or type a cell string", key="typed-cell", placeholder="a cell string, as in the table")
        if typed.strip():
            arch = benchmark.space.format(benchmark.space.parse(typed))
            at = np.flatnonzero(frame["cell"].to_numpy() == arch)
            if len(at):
                row = int(at[0])
                url_set(cell=row)
            else:  # a cell the table does not show: ask the benchmark about it
                valid = benchmark.valid_accuracy([benchmark.space.parse(arch)], dataset)[0]
                answer = f"valid {valid:.2f} %" if np.isfinite(valid) else f"{benchmark.title} has no accuracy for it"
                show_cell(space, arch, f"**Not among the cells shown** · {answer}")
                st.stop()
        if row is None:
            st.info("Pick a row of the table (or type a cell string) to see the cell.")
        else:
            r = frame.iloc[row]
            test = f" · test {r['test acc']:.2f} %" if has_test else ""
            show_cell(space, r["cell"], f"**Rank {r['rank']:,}** of {len(frame):,} · valid {r['valid acc']:.2f} %{test}")
