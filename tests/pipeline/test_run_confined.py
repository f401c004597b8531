"""A search or a train never writes where it must not: the package's shipped examples
(searched as a copy in the runs folder, said in one line; never trained into), and a run
folder deleted meanwhile (the delete is refused while the search holds the run, and a
folder removed anyway is never made again). Issue 34, classes 1 and 6."""

import hashlib
import os
import shutil

import pytest

from crlso_core.catalog.presets import preset
from crlso_core.common.errors import CRLSOError
from crlso_core.pipeline import run as pipeline
from crlso_core.pipeline.run import search_run, train_run
from crlso_core.store.examples import EXAMPLES
from crlso_core.store.folder import RunFolder
from crlso_core.store.index import delete_run, list_runs

EXAMPLE = EXAMPLES / "example-nb201-crls"


def _hashes(path):
    return {p.relative_to(path).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("through_link", [False, True])
def test_a_search_on_a_shipped_example_works_on_a_copy_said_in_one_line(tmp_path, capsys, through_link):
    root = tmp_path / "runs"
    root.mkdir()
    given = EXAMPLE
    if through_link:  # E06: a link in one's runs folder that points at the example
        given = root / "ex-link-crls"
        given.symlink_to(EXAMPLE, target_is_directory=True)
    before = _hashes(EXAMPLES)
    summary = search_run(given, budget=310, index_root=root)
    assert _hashes(EXAMPLES) == before and sorted(p.name for p in EXAMPLES.iterdir() if p.name.startswith(".")) == []
    copies = [r for r in list_runs(root)]
    assert len(copies) == 1 and copies[0].summary.queries_used == summary.queries_used == 310
    copy = copies[0].path
    assert copy.parent == root.resolve() and copy.name.startswith("nb201-") and copy.name.endswith("-crls")
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"{given} is an example shipped with crlso and is never changed: working on a copy of it, {root / copy.name}"]


def test_train_into_the_examples_folder_is_refused_before_training(tmp_path, monkeypatch):
    def trained(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(pipeline, "load_benchmark", trained)
    before = sorted(p.name for p in EXAMPLES.iterdir())
    with pytest.raises(CRLSOError, match="inside the crlso_core package"):
        train_run(preset("smoke", device="cpu"), EXAMPLES / "example-evil-crls", index_root=tmp_path)
    assert sorted(p.name for p in EXAMPLES.iterdir()) == before


def _copy(smoke_run, tmp_path):
    root = tmp_path / "runs"
    run = root / "R"
    shutil.copytree(smoke_run[0], run)
    return root, run


def test_a_delete_during_a_search_is_refused_and_the_search_saves_whole(smoke_run, tmp_path, monkeypatch):
    root, run = _copy(smoke_run, tmp_path)
    list_runs(root)
    real, refused = pipeline.search_stage, []

    def stage(*args, **kwargs):  # the Runs page's Delete, in the middle of the search stage (S17b)
        with pytest.raises(CRLSOError, match="is being searched by process") as exc:
            delete_run(run, root)
        refused.append(str(exc.value))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "search_stage", stage)
    summary = search_run(run, budget=45, index_root=root)
    assert refused and summary.complete and RunFolder(run).summary().queries_used == 45
    assert {"gvae.pt", "latent.npz", "predictor.pt", "summary.json"} <= {p.name for p in run.iterdir()}
    assert not (run / ".lock").exists()
    assert delete_run(run, root) and not run.exists()  # the search done, the delete goes through


def test_a_run_removed_during_its_search_is_not_made_again(smoke_run, tmp_path, monkeypatch):
    root, run = _copy(smoke_run, tmp_path)
    list_runs(root)
    real = pipeline.search_stage

    def stage(*args, **kwargs):  # removed by other means (rm -r, a file manager) while the search runs
        steps = real(*args, **kwargs)
        os.rename(run, tmp_path / "away")
        return steps

    monkeypatch.setattr(pipeline, "search_stage", stage)
    with pytest.raises(CRLSOError, match="was deleted \\(or replaced\\) while it was searched; nothing was saved"):
        search_run(run, budget=45, index_root=root)
    assert not run.exists() and [r.name for r in list_runs(root)] == []
