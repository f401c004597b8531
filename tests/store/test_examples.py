"""The example pairs shipped in the package: one per space, small, complete, read only."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crlso_core.catalog.registry import names
from crlso_core.store.bundles import export_zip
from crlso_core.store.examples import EXAMPLES, PREFIX, copy_pair, example_runs, is_example
from crlso_core.store.folder import RunFolder
from crlso_core.store.index import list_runs
from crlso_core.store.pairs import list_pairs

MAX_BUNDLE = 4 * 2**20


@pytest.fixture(autouse=True)
def _examples_shown(monkeypatch):
    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)


SHIPPED = ("nb201", "nb301", "nb101")


def test_every_shipped_example_is_a_searched_pair_with_its_projections(tmp_path):
    pairs = {p.space: p for p in list_pairs(tmp_path / "no-such-root")}
    assert set(SHIPPED) <= set(pairs) <= set(names())
    for space, pair in pairs.items():
        assert pair.example and pair.name == f"{PREFIX}{space}" and pair.sides == ["ls", "crls"]
        for side in pair.sides:
            folder = RunFolder(pair.path(side))
            summary = folder.summary()
            assert summary.space == space and summary.best_arch and summary.query_origins
            projections = sorted(p.name for p in (pair.path(side) / "analysis").glob("*.npz"))
            assert len(projections) >= 4, projections  # PCA 2-D and 3-D, t-SNE, UMAP
            with np.load(pair.path(side) / "latent.npz", allow_pickle=False) as codes:
                assert np.isfinite(codes["mu"].astype(np.float32)).all()


def test_each_example_run_zips_under_4_mb_and_the_readme_says_what_float16_cost():
    for run in example_runs():
        assert len(export_zip(run.path)) < MAX_BUNDLE, run.name
    report = json.loads((EXAMPLES / "examples.json").read_text())
    readme = (EXAMPLES / "README.md").read_text()
    for space, entry in report.items():
        assert entry["preset"] in readme and space in readme
        for side in ("ls", "crls"):
            lost = entry["float32"][side]["recon"] - entry["float16"][side]["recon"]
            assert lost < 0.01, (space, side, lost)  # float16 must not cost what the page shows


def test_a_search_on_an_example_works_on_a_copy_and_the_example_stays_as_shipped(tmp_path):
    (pair,) = [p for p in list_pairs(tmp_path) if p.space == "nb201"]
    before = {side: RunFolder(pair.path(side)).file("summary.json").read_bytes() for side in pair.sides}
    name = copy_pair({side: pair.path(side) for side in pair.sides}, tmp_path)
    copies = {r.summary.side_name: r for r in list_runs(tmp_path)}
    assert sorted(copies) == ["crls", "ls"] and all(not is_example(r.path) for r in copies.values())
    assert all(r.summary.pair == name for r in copies.values())
    assert [p.name for p in list_pairs(tmp_path)][0] == name  # the user's copy comes first
    after = {side: RunFolder(pair.path(side)).file("summary.json").read_bytes() for side in pair.sides}
    assert after == before


@pytest.mark.parametrize("space", SHIPPED)
def test_examples_are_never_inside_a_runs_root(space, tmp_path):
    (pair,) = [p for p in list_pairs(tmp_path / "no-such-root") if p.space == space]
    assert all(not run.inside_root for run in pair.runs.values())


def test_a_lab_can_hide_the_examples(monkeypatch, tmp_path):
    monkeypatch.setenv("CRLSO_EXAMPLES", "off")
    assert example_runs() == [] and list_pairs(tmp_path) == []


def test_every_shipped_file_is_under_4_mb():
    sizes = {str(p.relative_to(EXAMPLES)): p.stat().st_size for p in EXAMPLES.rglob("*") if p.is_file()}
    assert sizes and max(sizes.values()) < MAX_BUNDLE, max(sizes.items(), key=lambda kv: kv[1])


def test_the_package_folder_is_never_a_runs_root():
    """Listing a root writes its index: the examples' folder would gain an index.sqlite, and a run
    trained there would land in the package. One clear message instead, and nothing written."""
    from crlso_core.common.errors import CRLSOError
    from crlso_core.store.examples import EXAMPLES
    from crlso_core.store.folder import new_run_dir
    from crlso_core.store.index import INDEX_NAME, list_runs
    from crlso_core.store.pairs import list_pairs

    before = sorted(p.name for p in EXAMPLES.iterdir())
    for call in (lambda: list_runs(EXAMPLES), lambda: list_pairs(EXAMPLES), lambda: new_run_dir(EXAMPLES / "x", "run")):
        with pytest.raises(CRLSOError, match="inside the crlso_core package"):
            call()
    assert sorted(p.name for p in EXAMPLES.iterdir()) == before and not (EXAMPLES / INDEX_NAME).exists()
