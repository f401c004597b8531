"""Benchmark: the cells a benchmark holds (or a seeded sample of the space, for a surrogate)
with their accuracies; filter, sort, pick one, see it."""

import numpy as np
import pandas as pd
import streamlit as st

from crlso_app.cell_render import chart_and_cell, show_cell
from crlso_app.figures import accuracy_histogram
from crlso_app.navigation import page
from crlso_app.state import md, runs_root, url_cell, url_get, url_select, url_set
from crlso_core.benchmarks import NO_TEST
from crlso_core.catalog.registry import get_spec, load_benchmark, names
from crlso_core.spaces.base import Cell, SearchSpace
from crlso_core.store.index import list_runs


@st.cache_data(show_spinner="Reading the benchmark…")
def cell_frame(space: str, dataset: str, sample: str = "random") -> tuple[pd.DataFrame, str]:
    """One row per cell shown, with one hidden boolean column per op (for the op filter), and
    a line saying which cells these are. `sample="reference"`: the space's published sample,
    with the accuracy its source recorded beside the benchmark's."""
    benchmark, spec = load_benchmark(space), get_spec(space)
    cells = benchmark.listed_cells()
    recorded = None
    if sample == "reference" and spec.reference is not None:
        label, loader = spec.reference
        cells, recorded = map(list, zip(*loader(None)))
        what = f"{label}, with the accuracy their source recorded and {benchmark.title}'s"
    elif cells is not None:
        what = f"all {len(cells):,} cells of {benchmark.title}"
    else:
        cells = benchmark.space.sample(np.random.default_rng(0), spec.browse_sample)
        what = f"{len(cells):,} random cells (seed 0) answered by {benchmark.title}, which answers any cell"
    if benchmark.source:
        what += f", read from {benchmark.source}"
    valid = benchmark.valid_accuracy(cells, dataset)
    rank = np.empty(len(valid), dtype=np.int64)
    rank[np.argsort(-valid, kind="stable")] = np.arange(1, len(valid) + 1)
    frame = pd.DataFrame({"cell": [benchmark.space.label(c) for c in cells], "cell string": benchmark.space.format_many(cells),
                          "valid acc": valid})
    if recorded is not None:
        frame["recorded acc"] = recorded
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
        needle = text.strip()
        keep &= (frame["cell string"].str.contains(needle, regex=False, case=False)
                 | frame["cell"].str.contains(needle, regex=False, case=False)).to_numpy()
    for op in ops:
        keep &= frame[f"uses {op}"].to_numpy()
    return frame[keep]


def optimum_line(benchmark, dataset: str) -> str:
    best = benchmark.optimum(dataset)
    if best is None:
        return f"the optimum of {benchmark.title} is not known"
    test = f" (its test accuracy {best.test:.2f} %)" if best.test is not None else ""
    return f"validation optimum {best.valid:.2f} %{test}"


def cell_panel(space: SearchSpace, cell: Cell, heading: str) -> None:
    st.markdown(heading)
    show_cell(space, cell)
    st.code(space.format(cell), language=None, wrap_lines=True)


def introduction() -> None:
    """What this app is, for a first visit (open until a pair has been trained)."""
    with st.expander("What is this? Start here", expanded=not list_runs(runs_root())):
        st.markdown(
            "**CR-LSO** searches for good neural-network cells by taking gradient steps in a *latent space*: a graph "
            "autoencoder turns every cell into a vector and back, and while it learns, a convex network (an ICNN) must "
            "predict each cell's error from its vector, so the space is laid out with error close to convex in it. "
            "The paper compares that space (**CR-LS**) with one trained without the convexity term (**LS**).\n\n"
            "1. This page lists the benchmark's cells with their accuracies.\n"
            "2. Example pairs (NB201, NB301, NB101) ship with the app: pick one in the sidebar of **Latent space**, "
            "**Similarity**, **Search** or **Convexity**, or **Train** your own (the lesson preset takes a few minutes).\n"
            "3. **Latent space**, **Similarity** and **Convexity** show the two spaces side by side.\n"
            "4. **Search** runs CR-LSO, LSO and baselines and shows each step the search took."
        )
        st.page_link(page("train"), label="Train a pair", icon=":material/model_training:")


introduction()
left, right = st.columns(2)
with left:
    space = url_select("Search space", "space", names(), format_func=lambda n: get_spec(n).title,
                       help=" · ".join(f"{s.title}: {s.about}" for s in map(get_spec, names())))
spec = get_spec(space)
with right:
    dataset = url_select("Dataset", "dataset", list(spec.datasets), format_func=spec.dataset_title)
benchmark = load_benchmark(space)
sample = "random"
if spec.reference is not None:
    sample = url_select("Cells shown", "sample", ["random", "reference"],
                        format_func={"random": f"{spec.browse_sample:,} random cells", "reference": spec.reference[0]}.get)
frame, what = cell_frame(space, dataset, sample)
has_test = "test acc" in frame
row_of = dict(zip(frame["cell string"], range(len(frame))))

f1, f2, f3 = st.columns([2, 2, 3])
text = f1.text_input("Filter by cell string", value=url_get("filter") or "", placeholder="a part of a cell string", key="filter-text")
chosen_ops = [o for o in (url_get("ops") or "").split(",") if o in benchmark.space.op_names]
ops = f2.multiselect("Cells that use every one of these ops", benchmark.space.op_names, default=chosen_ops, key="filter-ops")
typed = f3.text_input("Find a cell (type or paste its string)", key="typed-cell", placeholder="a cell string, as in the table")
url_set(filter=text or None, ops=",".join(ops) or None)
outside = None  # a typed cell the table does not show
if typed.strip():
    typed_cell = benchmark.space.parse(typed)  # the text box's edge: the one parse of a typed cell
    arch = benchmark.space.format(typed_cell)
    if arch in row_of:
        url_set(cell=arch)
    else:
        outside = typed_cell
shown = filtered(frame, text, ops)
row = url_cell(row_of, len(frame))
no_test = "" if has_test or "no test accuracy" in what else f" · {NO_TEST}"
short = getattr(benchmark.space, "label_help", "") or "the cell"
st.caption(f"{len(shown):,} of {len(frame):,} cells shown: {md(what)} · {optimum_line(benchmark, dataset)}{no_test} · "
           f"click a row to see the cell, click a header to sort · cell: the short form ({md(short)}); cell string: the full one")
numbers = {c: st.column_config.NumberColumn(format="%.2f") for c in ("valid acc", "test acc")}
shown = shown.assign(picked=np.where(shown.index == row, "▶", ""))  # the picked cell stands out in the table
table = f"cells-{space}-{dataset}-{sample}"  # each table its own selection: a row picked in one never carries to another
event = st.dataframe(
    shown,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key=table,
    height=360,
    column_order=[c for c in ("picked", "cell", "valid acc", "recorded acc", "test acc", "rank", "cell string") if c in shown],
    column_config={
        **numbers,
        "recorded acc": st.column_config.NumberColumn(format="%.2f", help="as the sample's source recorded it"),
        "picked": st.column_config.TextColumn("picked", width="small", help="the cell picked on any page"),
        "cell": st.column_config.TextColumn("cell", help="the short form; the full string is in the last column"),
        "cell string": st.column_config.TextColumn("cell string", width="medium"),
    },
)
picked = event.selection.rows if event is not None else []
if picked and st.session_state.get(f"seen-{table}") != picked[0]:  # a new click in the table
    st.session_state[f"seen-{table}"] = picked[0]
    row = int(shown.index[picked[0]])
    url_set(cell=frame["cell string"].iloc[row])

chart, cell = chart_and_cell(benchmark.space)
best = benchmark.optimum(dataset)
selected = float(frame["valid acc"].iloc[row]) if row is not None and outside is None else None
chart.plotly_chart(accuracy_histogram(frame["valid acc"].to_numpy(), best.valid if best else None,
                                      f"Validation accuracy on {spec.dataset_title(dataset)}", selected), key="hist")
with cell:
    if outside is not None:  # a cell the table does not show: ask the benchmark about it
        valid = benchmark.valid_accuracy([outside], dataset)[0]
        answer = f"valid {valid:.2f} %" if np.isfinite(valid) else f"{md(benchmark.title)} has no accuracy for it"
        cell_panel(benchmark.space, outside, f"**Not among the cells shown** · {answer}")
    elif row is None:
        st.info("Pick a row of the table (or type a cell string) to see the cell.")
    else:
        r = frame.iloc[row]
        test = f" · test {r['test acc']:.2f} %" if has_test else ""
        picked_cell = benchmark.space.parse(r["cell string"])  # the cached table holds strings: the picked row's, parsed once
        cell_panel(benchmark.space, picked_cell, f"**Rank {r['rank']:,}** of {len(frame):,} · valid {r['valid acc']:.2f} %{test}")
