"""A fresh install: an empty runs folder and no data folder, and every page that shows a
trained pair opens at once on the example pair of each space."""

from __future__ import annotations

import pytest

from crlso_core.store.examples import PREFIX

PAGES = ("latent", "similarity", "search", "convexity")


@pytest.mark.parametrize("space", ["nb201", "nb301", "nb101"])  # the examples shipped (tests/store/test_examples.py)
def test_each_page_opens_on_the_example_pair_with_nothing_trained(open_page, empty_store, tmp_path, monkeypatch, space):
    monkeypatch.chdir(tmp_path)  # no ./data here, and no ../shared/data: the package's own tables
    monkeypatch.delenv("CRLSO_DATA_DIR", raising=False)
    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)  # the suite hides them elsewhere
    for name in PAGES:
        at = open_page(name, empty_store, run=f"{PREFIX}{space}")
        assert at.query_params["space"] == space, name
        captions = "\n".join(c.value for c in at.sidebar.caption)
        assert "example shipped with the app" in captions, name
        charts = at.get("plotly_chart") or at.get("bidi_component") or at.get("image")  # our own canvas (Latent), pictures (Convexity)
        assert charts or at.get("arrow_data_frame") or at.dataframe, f"{name} drew nothing for {space}"
        if name == "latent" and space == "nb201":  # 15,625 cells a side: the dense middle is thinned, and the page says so
            assert any("of 15,625 cells drawn" in c.value for c in at.caption)
    assert not empty_store.exists() or not any(p for p in empty_store.iterdir() if not p.name.startswith("."))
