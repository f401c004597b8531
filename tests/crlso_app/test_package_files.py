import fnmatch
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_the_app_reads_is_installed_with_it():
    """`pip install .` copies only the package data pyproject names: a script or config the app
    reads at run time (the 2-D chart's cloud_chart.js, the pages) must match one of its globs."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["crlso_app"]
    app = ROOT / "crlso_app"
    needed = [p.relative_to(app).as_posix() for p in app.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and (p.suffix != ".py" or p.parent.name == "views")]
    assert "cloud_chart.js" in needed and "views/latent.py" in needed
    assert [f for f in needed if not any(fnmatch.fnmatch(f, g) for g in globs)] == []
