"""Plotly, loaded in the browser before a page needs it.

Streamlit loads its Plotly chunk (4.7 MB of JavaScript) only when a page first shows a Plotly
chart, and parsing and running it is one long task of about 0.9 s in the headless Chromium of
the measurements (the first NB201 Similarity visit after start: 2.12 s before this, 1.07 s
with it, medians of `python -m measurements.app_speed --cold`, results/app_speed.json). The landing page draws
its cloud on a canvas, without Plotly, so the first Plotly page a class opened paid it. Once
any page is drawn and the browser is idle, this imports the same chunk; Streamlit's own
import of that URL then finds the module loaded."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

WARM_JS = """
export default function (component) {
  const chunk = component.data && component.data.chunk;
  if (!chunk || window.__crlsoPlotlyWarm) return;  // once a browser tab
  window.__crlsoPlotlyWarm = true;
  // Streamlit imports its chunks relative to its own index module: the same URL is the same module
  const index = [...document.querySelectorAll('script[type="module"][src]')].find((s) => /\\/index\\.[^/]*\\.js/.test(s.src));
  if (!index) return;
  const url = new URL("./" + chunk, index.src).href;
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 300));
  idle(() => import(url).catch(() => {}), { timeout: 2000 });  // once the page is drawn and the browser has nothing to do
}
"""


@lru_cache(maxsize=1)
def plotly_chunk() -> Optional[str]:
    """The file name of Streamlit's Plotly chunk in this install (its hash changes by
    release), or None when there is none to find (then nothing is warmed)."""
    import streamlit

    found = sorted((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if len(found) == 1 else None


@lru_cache(maxsize=1)
def _component():
    import streamlit as st

    return st.components.v2.component("crlso_plotly_warm", js=WARM_JS, isolate_styles=False)


def warm_plotly_in_the_browser() -> None:
    chunk = plotly_chunk()
    if chunk:
        _component()(key="plotly-warm", data={"chunk": chunk}, height=0)
