"""A run folder's names never lead outside it; a new run is never written inside the package
or onto a mount point (issue 34, class 1 and 6)."""

import os
from pathlib import Path

import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.store import folder as store
from crlso_core.store.examples import EXAMPLES
from crlso_core.store.folder import RunClaim, RunFolder


def test_a_linked_subfolder_of_a_run_is_refused_not_followed(tmp_path):
    run, outside = tmp_path / "run", tmp_path / "outside"
    run.mkdir()
    outside.mkdir()
    (outside / "rs.csv").write_text("index,arch\n")
    (run / "baselines").symlink_to(outside, target_is_directory=True)
    (run / "analysis").symlink_to(outside, target_is_directory=True)
    folder = RunFolder(run)
    for reach in (folder.baseline_files, lambda: folder.baseline_queries("rs"), lambda: folder.projection("pca", 2)):
        with pytest.raises(CRLSOError, match="is a link: a run's files must lie inside its own folder"):
            reach()


def test_a_run_file_that_is_a_link_is_not_the_runs_own(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (tmp_path / "secret").write_text("{}")
    (run / "config.json").symlink_to(tmp_path / "secret")
    folder = RunFolder(run)
    assert not folder.has("config.json")
    with pytest.raises(CRLSOError, match="is a link"):
        folder.config()


@pytest.mark.parametrize("inside", [EXAMPLES / "example-evil-crls", EXAMPLES.parent / "x", EXAMPLES / "example-nb201-crls"])
def test_a_new_run_is_never_written_inside_the_package(inside, tmp_path):
    with pytest.raises(CRLSOError, match="inside the crlso_core package"):
        store.check_new_run(inside)
    with pytest.raises(CRLSOError, match="inside the crlso_core package"):
        RunClaim(inside).__enter__()
    assert not (EXAMPLES / "example-evil-crls").exists() and not (EXAMPLES.parent / "x").exists()
    link = tmp_path / "link"  # through a link in a folder of one's own
    link.symlink_to(EXAMPLES, target_is_directory=True)
    with pytest.raises(CRLSOError, match="inside the crlso_core package"):
        store.check_new_run(link / "example-evil-crls")


def test_an_empty_mount_point_is_refused_before_any_work_with_a_true_message(tmp_path, monkeypatch):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mnt or real(p))  # a tmpfs mounted there (S12)
    with pytest.raises(CRLSOError, match="is a mount point.*new folder inside it"):
        store.check_new_run(mnt)
    assert store.check_new_run(mnt / "run") == mnt / "run"


def test_a_claim_that_cannot_be_put_in_place_says_why(tmp_path, monkeypatch):
    out = tmp_path / "out"
    claim = RunClaim(out)
    with claim:
        monkeypatch.setattr(os, "rename", lambda *a: (_ for _ in ()).throw(OSError(16, "Device or resource busy")))
        with pytest.raises(CRLSOError, match="could not take the run \\(Device or resource busy\\)"):
            claim.commit()


def test_a_link_as_out_is_refused_before_any_work(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "empty", target_is_directory=True)
    with pytest.raises(CRLSOError, match="is a link; give the folder it points to"):
        store.check_new_run(tmp_path / "link")
