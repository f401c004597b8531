"""Drive the real app (crlso_app/main.py and its navigation) page by page with AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from crlso_core.store.folder import RunFolder

MAIN = Path(__file__).resolve().parents[3] / "crlso_app" / "main.py"


@pytest.fixture
def open_page(monkeypatch):
    def opener(name: str, root: Path, expect_clean: bool = True, **query) -> AppTest:
        monkeypatch.setenv("CRLSO_RUNS", str(root))
        at = AppTest.from_file(str(MAIN), default_timeout=180)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        at.switch_page(f"views/{name}.py").run()
        if expect_clean:
            assert_clean(at)
        return at

    return opener


def page_components(at: AppTest) -> list:
    """The page's own components: every page's frame adds one more, which loads Plotly in the
    browser (crlso_app/plotly_warm.py), once."""
    components = at.get("bidi_component")
    assert [c.proto.component_name for c in components].count("crlso_plotly_warm") == 1
    return [c for c in components if c.proto.component_name != "crlso_plotly_warm"]


def assert_clean(at: AppTest) -> None:
    """No traceback and no error message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.fixture
def empty_store(tmp_path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def busy_store(tmp_path) -> Path:
    """A store where another tab's job is running (this test process stands in for it)."""
    import json
    import os
    import time

    root = tmp_path / "busy"
    job = root / ".jobs" / "j1"
    job.mkdir(parents=True)
    (job / "job.json").write_text(
        json.dumps(
            {
                "id": "j1",
                "kind": "train_pair",
                "title": "train other",
                "params": {},
                "created": time.time(),
                "root": str(root),
                "pid": os.getpid(),
            }
        )
    )
    (job / "state.json").write_text(json.dumps({"status": "running", "pid": os.getpid()}))
    (root / ".jobs" / "active").write_text("j1")
    return root


@pytest.fixture(name="copy_pair")
def copy_pair_fixture():
    """Copy a stored pair's runs into another store and index them there."""
    import shutil

    from crlso_core.store.index import index_run

    def copy(source: Path, root: Path, name: str = "pair") -> Path:
        for side in ("ls", "crls"):
            shutil.copytree(source / f"{name}-{side}", root / f"{name}-{side}")
            index_run(root / f"{name}-{side}", RunFolder(root / f"{name}-{side}").summary())
        return root

    return copy


@pytest.fixture(name="clean")
def clean_fixture():
    return assert_clean


@pytest.fixture(name="text_of")
def text_of_fixture():
    return markdown_text


def drawn_cells(at: AppTest) -> str:
    """The DOT text of every cell drawing on the page (st.graphviz_chart), joined."""
    return "\n".join(chart.proto.spec for chart in at.get("graphviz_chart"))


@pytest.fixture(name="cells_of")
def cells_of_fixture():
    return drawn_cells
