"""The Streamlit explorer: navigation, figure builders, the cell renderer and page state.
All computation lives in crlso_core; nothing in crlso_core imports this package."""
