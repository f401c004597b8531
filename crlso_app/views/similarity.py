"""Similarity: cosine similarity of the latent codes of the best cells with each other and
with the worst cells, LS beside CR-LS (the paper's heatmaps), with each block's mean."""

import numpy as np
import streamlit as st

from crlso_app.figures import similarity_figures
from crlso_app.reference import over_seeds
from crlso_app.run_picker import pair_views
from crlso_app.state import run_stamp, view
from crlso_core.analysis.similarity import cosine_blocks
from crlso_core.catalog.methods import side_name


@st.cache_data(max_entries=32, show_spinner=False)
def blocks(path: str, stamp: float, k: int):
    run = view(path)
    return cosine_blocks(run.codes, run.valid, k)


pair, runs = pair_views()
known = min(int(np.isfinite(run.valid).sum()) for run in runs.values())
top = max(2, min(500, known // 2))  # at most half the cells with a known accuracy
k = st.slider("k (best and worst cells compared)", min(10, top), top, min(100, top), step=10 if top >= 20 else 1, key="k")
st.caption("Cells are ranked by true validation accuracy. In a well-ordered latent space the best cells' codes point "
           "the same way (high top × top similarity) and away from the worst cells' (low top × worst).")
columns = st.columns(len(pair.sides))
for column, (side, run) in zip(columns, runs.items()):
    info = blocks(str(run.path), run_stamp(run), k)
    top_top, top_worst = similarity_figures(info, side_name(side))
    with column:
        st.markdown(f"#### {run.label}")
        m = st.columns(2)
        m[0].metric("mean top×top", f"{info.mean_top_top:.3f}")
        m[1].metric("mean top×worst", f"{info.mean_top_worst:.3f}")
        st.plotly_chart(top_top, key=f"tt-{side}")
        st.plotly_chart(top_worst, key=f"tw-{side}")
measured = min((50, 100, 200), key=lambda m: abs(m - k))
over_seeds(pair.space, pair.dataset, pair.first.preset, [f"top_top_{measured}", f"top_worst_{measured}"])
