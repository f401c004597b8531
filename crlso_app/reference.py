"""What a figure's statistic does over many seeds, shown beside the figure: the committed
`crlso figures` table says whether a difference seen in one pair is the rule or luck."""

from __future__ import annotations

import streamlit as st

from crlso_core.bench.figure_stats import STATISTICS, in_words, reference


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


def preset_effects(space: str, dataset: str, preset: str) -> None:
    """Which of the paper's claims a preset's pairs reproduce over seeds, for choosing a
    preset that fits a lesson; said plainly when none does or nothing was measured."""
    ref = _reference(space, dataset)
    rows = [c for (p, _), c in (ref or {}).items() if p == preset and c.claim is not None]
    if not rows:
        st.caption(f"The figures' statistics were not measured over seeds for the {preset} preset here (`crlso figures` does that).")
        return
    seeds = rows[0].seeds
    if seeds < 2:
        st.caption(f"The {preset} preset was measured on {seeds} seed only: one pair says nothing about the spread over "
                   "seeds, so no claim is called reproduced or not (`crlso figures` with more seeds does that).")
        return
    held = [STATISTICS[c.statistic][0] for c in rows if c.reproduced]
    missed = [STATISTICS[c.statistic][0] for c in rows if not c.reproduced]
    if held:
        st.caption(f"Over {seeds} seeds of the {preset} preset, the paper's direction for CR-LS holds for: {'; '.join(held)}. "
                   f"It does not hold for: {'; '.join(missed) or 'none'}.")
    else:
        st.caption(f"Over {seeds} seeds of the {preset} preset, none of the paper's claims for the figures holds by more than "
                   "two standard errors: a pair from this preset can show a difference, or the opposite, by chance.")
