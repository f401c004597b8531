"""What a figure's statistic does over many seeds, shown beside the figure: the committed
`crlso figures` table says whether a difference seen in one pair is the rule or luck. Every
verdict is worded by the one rule, crlso_core/analysis/verdict.py (docs/explorer.md)."""

from __future__ import annotations

import streamlit as st

from crlso_core.analysis.verdict import HOLDS, OPPOSITE, SE_MULTIPLE, WITHIN_NOISE
from crlso_core.bench.figure_stats import STATISTICS, in_words, reference

# Statistics whose CR-LS value is fixed by how CR-LS is built, said beside them wherever they are shown.
BY_CONSTRUCTION = {
    "jensen_predicted": "CR-LS's 0 is true by construction (its ICNN is convex in the code), so this says nothing about the "
                        "cells",
}
RULE = (f"verdict: the paired difference CR-LS − LS over seeds, beyond {SE_MULTIPLE:g} standard errors, from 2 seeds or more")


@st.cache_data(show_spinner=False)
def _reference(space: str, dataset: str):
    return reference(space, dataset)


def _seeds(ref: dict, name: str) -> int:
    return max((c.seeds for (p, _), c in ref.items() if p == name), default=0)


def over_seeds(space: str, dataset: str, preset: str, statistics: list[str]) -> None:
    """The committed statistics over seeds for this pair's preset; when that preset was not
    measured, the measured presets' rows, with a line naming this pair's preset as not among them."""
    ref = _reference(space, dataset)
    if not ref:
        st.caption("No committed figure statistics for this space and dataset: `crlso figures` measures them over seeds.")
        return
    measured = sorted({p for p, _ in ref})
    mine = any((preset, s) in ref for s in statistics)
    presets = [preset] if mine else measured
    lines = []
    if not mine:
        others = ", ".join(f"`{p}` ({_seeds(ref, p)} seed{'s' if _seeds(ref, p) != 1 else ''})" for p in measured)
        lines.append(f"This pair's preset, `{preset}`, was not measured over seeds; the measured presets are {others}.")
    for p in presets:
        for s in statistics:
            if (p, s) in ref:
                note = f" ({BY_CONSTRUCTION[s]}.)" if s in BY_CONSTRUCTION else ""
                lines.append(f"**{STATISTICS[s][0]}**: {in_words(ref[(p, s)])}{note}")
    if lines:
        lines.append(f"*{RULE[0].upper() + RULE[1:]}.*")
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

    def named(word: str) -> list[str]:
        return [STATISTICS[c.statistic][0] + (" (by construction)" if c.statistic in BY_CONSTRUCTION else "")
                for c in rows if c.verdict == word]

    held, opposite, noise = named(HOLDS), named(OPPOSITE), named(WITHIN_NOISE)
    rest = (f" The opposite holds for: {'; '.join(opposite) or 'none'}. Within noise (not shown either way) for: "
            f"{'; '.join(noise) or 'none'}. ({RULE}.)")
    if held:
        st.caption(f"Over {seeds} seeds of the {preset} preset, the paper's direction for CR-LS holds for: {'; '.join(held)}." + rest)
    else:
        st.caption(f"Over {seeds} seeds of the {preset} preset, none of the paper's claims for the figures holds by more than "
                   "two standard errors: a pair from this preset can show a difference, or the opposite, by chance." + rest)
