"""The browser loads Streamlit's Plotly chunk once the first page is drawn, so the first
Plotly page of a class does not pay for it (crlso_app/plotly_warm.py; the browser side is
checked in test_browser.py's lesson)."""

import streamlit

from crlso_app.plotly_warm import plotly_chunk


def test_the_chunk_named_is_the_one_streamlits_index_imports():
    chunk = plotly_chunk()
    assert chunk and chunk.startswith("PlotlyChart.")
    js = streamlit.__file__.replace("__init__.py", "static/static/js/")
    from pathlib import Path

    index = next(Path(js).glob("index.*.js")).read_text()
    assert f"./{chunk}" in index  # the same relative URL: the same module once imported
