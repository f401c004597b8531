"""Entry point: `streamlit run app/main.py` (what `make run` does)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # streamlit puts only app/ on the path; pages import app.*
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.navigation import build_navigation  # noqa: E402


LOCAL = ("127.0.0.1", "localhost", "::1")


def warn_if_reachable() -> None:
    """app/.streamlit/config.toml binds 127.0.0.1 wherever the app starts; say so plainly
    when someone asked for another address, since whoever reaches it can train and delete runs."""
    address = st.get_option("server.address")
    if address not in LOCAL:
        st.sidebar.warning(f"This server listens on {address or 'every network interface'}: anyone who can reach it can "
                           "train, search and delete runs here.", icon=":material/public:")


def main() -> None:
    st.set_page_config(page_title="CR-LSO explorer", page_icon=":material/scatter_plot:", layout="wide")
    warn_if_reachable()
    build_navigation().run()


main()
