"""The app's pages, in menu order. `build_navigation` is a function so that tests and the
end-to-end browser test drive the same app `make run` starts."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent / "views"  # not "pages": Streamlit would list a pages/ folder by itself
PAGES = {  # file stem -> (title, icon)
    "benchmark": ("Benchmark", ":material/table_chart:"),
    "train": ("Train", ":material/model_training:"),
    "latent": ("Latent space", ":material/scatter_plot:"),
    "similarity": ("Similarity", ":material/grid_on:"),
    "search": ("Search", ":material/explore:"),
    "convexity": ("Convexity", ":material/landscape:"),
    "runs": ("Runs", ":material/folder_open:"),
}
# The app opens where the README's lesson starts: the example pair's two latent spaces side by
# side, with nothing to click first (the Benchmark page, one click away, introduces the data)
LANDING = "latent"
BENCHMARK_QUERY = ("sample", "filter", "ops")  # the Benchmark page's own: a link made when it was the landing page, at /


def page(name: str) -> st.Page:
    title, icon = PAGES[name]
    return st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, url_path=name)


def _to_landing() -> None:
    query = st.query_params.to_dict()
    st.switch_page(page("benchmark" if set(query) & set(BENCHMARK_QUERY) else LANDING), query_params=query)


def build_navigation():
    """The pages, and a hidden default page that opens the landing page with the address's
    query: every page keeps its own address (/latent, /benchmark), since Streamlit serves its
    default page at / only and answers /<its name> with a console error and a redirect."""
    home = st.Page(_to_landing, title="CR-LSO explorer", url_path="home", default=True, visibility="hidden")
    return st.navigation([home, *(page(name) for name in PAGES)])
