"""A fresh install: an empty runs folder and no data folder, and every page that shows a
trained pair opens at once on the example pair of each space."""

from __future__ import annotations

import pytest

from crlso_core.store.examples import PREFIX
from tests.crlso_app.views.conftest import page_components

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
        charts = at.get("plotly_chart") or page_components(at) or at.get("image")  # our own canvas (Latent), pictures (Convexity)
        assert charts or at.get("arrow_data_frame") or at.dataframe, f"{name} drew nothing for {space}"
        if name == "latent" and space == "nb201":  # 15,625 cells a side: the dense middle is thinned, and the page says so
            assert any("of 15,625 cells drawn" in c.value for c in at.caption)
    assert not empty_store.exists() or not any(p for p in empty_store.iterdir() if not p.name.startswith("."))


def _refuse(*args, **kwargs):
    raise AssertionError("a projection was laid out on an example's first load: its shipped cache was not read")


@pytest.mark.parametrize("space", ["nb201", "nb301", "nb101"])
def test_an_example_opens_from_its_shipped_caches_laying_out_nothing(open_page, empty_store, monkeypatch, space):
    """Every projection the pages show of an example (PCA 2-D and 3-D, t-SNE, UMAP) and Search's
    map of where each method looked ship with it: computing one (up to a minute for the map on
    2 cores) would make a first load in class slow, so here computing one fails the page."""
    from crlso_core.analysis import cache, found

    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)
    monkeypatch.setattr(cache, "project", _refuse)
    monkeypatch.setattr(found, "project", _refuse)
    at = open_page("latent", empty_store, run=f"{PREFIX}{space}")
    for method in ("tsne", "umap", "pca"):
        at.selectbox(key="proj").set_value(method).run()
        assert not at.exception and not at.error, (method, [e.value for e in at.exception])
        assert page_components(at), f"{method}: nothing drawn"  # the canvas chart, not the offer to compute
    at.radio(key="w-dims").set_value(3).run()
    assert not at.exception and at.get("plotly_chart"), [e.value for e in at.exception]
    at.switch_page("views/search.py").run()
    at.toggle(key="w-found-on").set_value(True).run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    titles = [chart.proto.spec for chart in at.get("plotly_chart")]
    assert any("Every queried cell" in spec for spec in titles), "Search's found map was not drawn"
