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


def page(name: str) -> st.Page:
    title, icon = PAGES[name]
    return st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, url_path=name, default=name == "benchmark")


def build_navigation():
    return st.navigation([page(name) for name in PAGES])
