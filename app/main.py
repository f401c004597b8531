"""Entry point: `streamlit run app/main.py` (what `make run` does)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # streamlit puts only app/ on the path; pages import app.*
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.navigation import build_navigation  # noqa: E402


def main() -> None:
    st.set_page_config(page_title="CR-LSO explorer", page_icon=":material/scatter_plot:", layout="wide")
    build_navigation().run()


main()
