"""Entry point of the explorer: `crlso app` (what `make run` does) runs
crlso_app/launch.py, which warms the caches and then serves this script with
`streamlit run crlso_app/main.py` on 127.0.0.1. The package is installed (`pip install .`,
or `pip install -e .` by the Makefile), so the pages import it like any other. This file
is every page's frame (title, error boundary); crlso_app/views/ holds only content."""

from __future__ import annotations

import streamlit as st

from crlso_app.heap import freeze_after_imports
from crlso_app.navigation import build_navigation
from crlso_app.plotly_warm import warm_plotly_in_the_browser
from crlso_app.state import guard, restore_url
from crlso_app.warm import start_warm_up

LOCAL = ("127.0.0.1", "localhost", "::1")


def warn_if_reachable() -> None:
    """crlso_app/.streamlit/config.toml binds 127.0.0.1 wherever the app starts; say so plainly
    when someone asked for another address, since whoever reaches it can train and delete runs."""
    address = st.get_option("server.address")
    if address not in LOCAL:
        st.sidebar.warning(f"This server listens on {address or 'every network interface'}: anyone who can reach it can "
                           "train, search and delete runs here.", icon=":material/public:")


# The sidebar's run picker shows names like "nb201-lesson-1207-142311 (example)": Streamlit's
# 256 px sidebar cut them with an ellipsis, in the box and in its list: a wider sidebar, names
# that wrap in the list (the box is one line: run_picker's caption repeats the whole name)
SIDEBAR_CSS = """<style>
section[data-testid="stSidebar"] { min-width: 20rem; }
section[data-testid="stSidebar"] [data-baseweb="select"] div,
ul[data-testid="stSelectboxVirtualDropdown"] li div { white-space: normal; overflow: visible; text-overflow: clip; }
</style>"""


def main() -> None:
    st.set_page_config(page_title="CR-LSO explorer", page_icon="🧭", layout="wide")
    st.html(SIDEBAR_CSS)
    warn_if_reachable()
    if not st.get_option("global.appTest"):  # a server's first page starts it; a test's AppTest loads what it asks for
        start_warm_up()
    navigation = build_navigation()
    restore_url()
    st.title(navigation.title)  # every page's frame: its title, and one error boundary around it
    with guard():
        navigation.run()
    warm_plotly_in_the_browser()  # after the page's own elements: the first Plotly page then finds it loaded
    freeze_after_imports()  # a page's first run imports its libraries: keep them out of later collections


# A worker process spawned while this script is __main__ (AppTest runs it in the test process)
# imports it as __mp_main__: it must not build the app
if __name__ != "__mp_main__":
    main()
