"""What a figure's statistic does over many seeds, shown beside the figure: the committed
`crlso figures` table says whether a difference seen in one pair is the rule or luck."""

from __future__ import annotations

import streamlit as st

from crlso_core.compare.figures import STATISTICS, in_words, reference


@st.cache_data(show_spinner=False)
def _reference(space: str, dataset: str):
    return reference(space, dataset)


def over_seeds(space: str, dataset: str, preset: str, statistics: list[str]) -> None:
    ref = _reference(space, dataset)
    if not ref:
        st.caption("No committed figure statistics for this space and dataset: `crlso figures` measures them over seeds.")
        return
    presets = [preset] if any((preset, s) in ref for s in statistics) else sorted({p for p, _ in ref})
    lines = [f"**{STATISTICS[s][0]}** ({p}): {in_words(ref[(p, s)])}" for p in presets for s in statistics if (p, s) in ref]
    if lines:
        st.info("\n\n".join(lines), icon=":material/insights:")  # words and numbers only: nothing for Markdown to misread
