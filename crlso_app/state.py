"""Page state shared by every page: where runs live, what the URL says (run, dataset,
projection, cell: so a view can be shared or reloaded), cached loading, and the guard
that turns any error into one message instead of a traceback. No widgets of its own
beyond URL-backed select boxes (the run picker is crlso_app/run_picker.py)."""

from __future__ import annotations

import sys
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Optional

import streamlit as st

from crlso_core.common.errorlog import log_exception
from crlso_core.common.errors import CRLSOError, describe_os_error
from crlso_core.store.folder import RunFolder, default_root
from crlso_core.store.view import RunView, load_view


def runs_root() -> Path:
    """The run store the app reads and writes: $CRLSO_RUNS, else ./runs (as `crlso runs`)."""
    return default_root()


@contextmanager
def guard():
    """The app's error boundary: errors a user can cause show as their one message; a full
    disk or an unwritable folder as one message too; anything else (a bug) as one line
    that says where its traceback went (the error log, and the terminal), never on the
    page. Streamlit's own stop/rerun signals are BaseExceptions and pass through."""
    try:
        yield
    except CRLSOError as exc:
        st.error(md(str(exc)), icon=":material/error:")
    except OSError as exc:
        st.error(md(describe_os_error(exc)), icon=":material/error:")
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        log = log_exception(exc, "app")
        st.error(f"Something went wrong ({type(exc).__name__}: {str(exc)[:200]}). This is a bug; the traceback is in {log}. "
                 "Please report it.", icon=":material/error:")


def shown_accuracy(value: float) -> str:
    """A predicted accuracy as the pages show it: a predictor extrapolates past 0-100 %, and
    such a value is shown clipped, with what it said and why."""
    if 0.0 <= value <= 100.0:
        return f"{value:.2f} %"
    clipped = min(max(value, 0.0), 100.0)
    return f"{clipped:.0f} % (the predictor says {value:.1f} %: it extrapolates beyond the cells it learnt from)"


def md(text: str) -> str:
    """Text shown through Markdown as written: a cell string's '~' would strike text through
    (GitHub's single-tilde strikethrough), a '$' start LaTeX, a '*' emphasis."""
    return "".join("\\" + ch if ch in "~$*`" else ch for ch in text)


# --- the URL ------------------------------------------------------------------------------

KEPT = ("run", "cell", "proj", "dataset", "space", "colour", "side")  # what a page passes on to the next


def restore_url() -> None:
    """Streamlit's page menu drops the query string: what a page put in the URL is kept in
    the session and put back on the next page, so a picked run and cell follow the user."""
    kept = st.session_state.setdefault("_kept_url", {})
    for key, value in kept.items():
        if key not in st.query_params:
            st.query_params[key] = value
    for key in KEPT:
        if key in st.query_params:
            kept[key] = st.query_params[key]


def url_get(key: str, options: Optional[Iterable[str]] = None, default: Optional[str] = None) -> Optional[str]:
    value = st.query_params.get(key)
    if value is None or (options is not None and value not in list(options)):
        return default
    return value


def url_set(**values) -> None:
    kept = st.session_state.setdefault("_kept_url", {})
    for key, value in values.items():
        if value is None:
            st.query_params.pop(key, None)
            kept.pop(key, None)
        else:
            if st.query_params.get(key) != str(value):
                st.query_params[key] = str(value)
            if key in KEPT:
                kept[key] = str(value)


def url_cell(row_of: dict[str, int], rows: int) -> Optional[int]:
    """The cell in the URL (?cell=): a cell string, found in this page's list of cells (so it
    means the same cell on every page), or a row number (links written before)."""
    value = st.query_params.get("cell")
    if value is None:
        return None
    if value in row_of:
        return row_of[value]
    try:
        row = int(value)
    except ValueError:
        return None
    return row if 0 <= row < rows else None


def url_select(label: str, key: str, options: list[str], default: Optional[str] = None, **kwargs) -> str:
    """A selectbox whose value lives in the URL."""
    current = url_get(key, options, default if default in options else options[0])
    value = st.selectbox(label, options, index=options.index(current), key=f"url-{key}", **kwargs)
    url_set(**{key: value})
    return value


# --- choices that follow the user -----------------------------------------------------------

def kept(key: str, default=None):
    """A choice the user made on some page, kept for the session: Streamlit forgets a
    widget's value once a page stops drawing it (another page, a layout that changed), so
    every page reads its choices from here and writes them back."""
    return st.session_state.setdefault("_choices", {}).get(key, default)


def keep(key: str, value):
    st.session_state.setdefault("_choices", {})[key] = value
    return value


WIDGET_PREFIX = "w-"  # the session-state key of a kept widget is this plus its choice's key


def _keeper(key: str):
    """The widget's on_change: keep the new value the moment the click reaches the server.
    Streamlit runs it before the page's script, so a link clicked at once (which cuts that
    run short and, on a page change, drops every widget's state) cannot lose the choice."""
    return lambda: keep(key, st.session_state[WIDGET_PREFIX + key])


def kept_widget(widget, label: str, key: str, default, form: bool = False, **kwargs):
    """`widget` (st.selectbox, st.multiselect, st.segmented_control, st.checkbox, st.toggle,
    st.radio, st.number_input, st.text_input, or a column's) drawn at the value the user last chose
    anywhere in this session, which it then keeps. `form`: the widget is inside st.form, where
    Streamlit allows no on_change (its value arrives with the submit, and the run keeps it)."""
    value = kept(key, default)
    if not form:
        kwargs["on_change"] = _keeper(key)
    name = getattr(widget, "__name__", "")
    if name in ("selectbox", "radio"):
        options = list(kwargs["options"] if "options" in kwargs else [])
        if value not in options:
            value = default if default in options else options[0]
        return keep(key, widget(label, index=options.index(value), key=WIDGET_PREFIX + key, **kwargs))
    if name == "multiselect":
        options = list(kwargs.get("options", []))
        value = [v for v in (value or []) if v in options]
        return keep(key, widget(label, default=value, key=WIDGET_PREFIX + key, **kwargs))
    if name == "segmented_control":  # one option picked (required=True keeps it from being unpicked)
        options = list(kwargs.get("options", []))
        return keep(key, widget(label, default=value if value in options else default, key=WIDGET_PREFIX + key, **kwargs))
    return keep(key, widget(label, value=value, key=WIDGET_PREFIX + key, **kwargs))


# --- runs ---------------------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner="Loading the run's models…")
def _view(path: str, stamp: float) -> RunView:
    return load_view(Path(path))


def run_stamp(run: RunView) -> float:
    """The version of a run's summary: the key its cached results are kept under, so a run
    searched again is read again."""
    return RunFolder(run.path).stamp()


def view(path: Path) -> RunView:
    """The run's models and codes, loaded once per version of its summary."""
    try:
        stamp = RunFolder(path).stamp()
    except OSError:
        raise CRLSOError(f"The run {Path(path).name} is gone (deleted?). Pick another run.") from None
    return _view(str(path), stamp)


# --- projections --------------------------------------------------------------------------


@st.cache_resource(max_entries=32, show_spinner=False)
def _projection(path: str, stamp: float, method: str, dims: int, file_stamp: Optional[float]):
    from crlso_core.analysis.cache import cached_projection, load_projection

    codes = _view(path, stamp).codes
    if method == "pca":  # a second or less: computed on first sight, then read from disk
        return cached_projection(Path(path), codes, method, dims)
    return load_projection(Path(path), method, dims, len(codes))


def projection(run: RunView, method: str, dims: int = 2):
    """The run's cached projection; None for a t-SNE/UMAP not computed yet (a background
    job computes those: minutes, not seconds). The file's own time is in the cache key, so
    a projection a job writes later is seen."""
    from crlso_core.analysis.cache import projection_path

    file = projection_path(run.path, method, dims)
    file_stamp = file.stat().st_mtime if file.exists() else None
    if file_stamp is None and method != "pca":
        return None
    return _projection(str(run.path), run_stamp(run), method, dims, file_stamp)
