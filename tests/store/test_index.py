from pathlib import Path

import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.store.folder import RunFolder, default_root
from crlso_core.store.index import index_run, list_runs
from crlso_core.store.records import RunSummary


def test_index_lists_runs_newest_first_and_forgets_deleted_folders(tmp_path):
    for i, name in enumerate(["old", "new", "gone"]):
        (tmp_path / name).mkdir()
        index_run(tmp_path / name, RunSummary(dataset="cifar10", status="complete", created=i + 1, best_valid_acc=90.0 + i))
    (tmp_path / "gone").rmdir()
    runs = list_runs(tmp_path)
    assert [r.name for r in runs] == ["new", "old"]
    assert runs[0].summary.best_valid_acc == 91.0 and runs[0].path == (tmp_path / "new").resolve()
    assert list_runs(tmp_path / "nothing-here") == []


def test_the_runs_root_is_one_setting_for_the_app_and_the_cli(tmp_path, monkeypatch):
    monkeypatch.delenv("CRLSO_RUNS", raising=False)
    assert default_root() == Path("runs")
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path))
    assert default_root() == tmp_path
    (tmp_path / "r").mkdir()
    index_run(tmp_path / "r", RunSummary(dataset="cifar10", status="trained", created=1.0))
    assert [r.name for r in list_runs()] == ["r"]


def test_export_zip_holds_the_runs_record_and_delete_removes_it_from_the_index(smoke_pair, tmp_path):
    import io
    import shutil
    import zipfile

    from crlso_core.store.bundles import export_zip
    from crlso_core.store.index import delete_run

    run = tmp_path / "pair-crls"
    shutil.copytree(smoke_pair / "pair-crls", run)
    index_run(run, RunFolder(run).summary())
    names = zipfile.ZipFile(io.BytesIO(export_zip(run))).namelist()
    assert {"pair-crls/config.json", "pair-crls/summary.json", "pair-crls/queries.csv", "pair-crls/trajectories.csv",
            "pair-crls/baselines/rea.csv", "pair-crls/latent.npz", "pair-crls/gvae.pt", "pair-crls/predictor.pt"} <= set(names)
    assert not any("index.sqlite" in n or "/." in n for n in names)  # the run's own files, nothing of the store
    assert delete_run(run, tmp_path)
    assert not run.exists() and list_runs(tmp_path) == []
    (tmp_path / "not-a-run").mkdir()
    with pytest.raises(CRLSOError, match="not a run folder"):
        delete_run(tmp_path / "not-a-run", tmp_path)


# --- a delete is refused while the run is written, and on a folder that cannot be written ----------

def _listed_run(root: Path) -> Path:
    run = root / "r"
    run.mkdir(parents=True)
    (run / "config.json").write_text("{}")
    (run / "summary.json").write_text('{"dataset": "cifar10", "status": "complete"}')
    index_run(run, RunSummary(dataset="cifar10", status="complete", created=1.0), root)
    return run


def test_a_delete_is_refused_while_a_search_holds_the_run(tmp_path):
    from crlso_core.store.index import delete_run

    run = _listed_run(tmp_path)
    with RunFolder(run).lock():
        with pytest.raises(CRLSOError, match="is being searched by process .*Nothing was deleted"):
            delete_run(run, tmp_path)
    assert (run / "summary.json").exists() and [r.name for r in list_runs(tmp_path)] == ["r"]
    assert delete_run(run, tmp_path) and not run.exists() and list_runs(tmp_path) == []  # once the search is done


def test_a_delete_in_a_read_only_runs_folder_is_one_message_and_keeps_the_run(tmp_path, monkeypatch):
    """As on a read-only mount (root ignores chmod, so the file system's answer is simulated)."""
    import errno
    import os

    from crlso_core.store.index import delete_run

    run = _listed_run(tmp_path)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    monkeypatch.setattr(os, "rename", read_only)
    with pytest.raises(CRLSOError, match="Cannot delete r: .* cannot be written \\(Read-only file system\\); nothing was deleted"):
        delete_run(run, tmp_path)
    monkeypatch.undo()
    assert (run / "summary.json").exists() and [r.name for r in list_runs(tmp_path)] == ["r"]


def test_a_delete_whose_index_cannot_be_written_keeps_the_run_and_its_row(tmp_path, monkeypatch):
    """An index that SQLite may only read (opened read-only): its OperationalError is one message."""
    import sqlite3

    from crlso_core.store import index
    from crlso_core.store.index import delete_run

    run = _listed_run(tmp_path)
    monkeypatch.setattr(index, "_connect", lambda root: sqlite3.connect(f"file:{root / index.INDEX_NAME}?mode=ro", uri=True))
    with pytest.raises(CRLSOError, match="runs index .* cannot be changed \\(attempt to write a readonly database\\); nothing was deleted"):
        delete_run(run, tmp_path)
    monkeypatch.undo()
    assert (run / "summary.json").exists() and [r.name for r in list_runs(tmp_path)] == ["r"]
    assert not list(tmp_path.glob(".*deleting"))
