
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import read_json, write_json


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "summary.json"
    write_json(path, {"a": 1})
    monkeypatch.setattr("crlso_core.common.files.os.replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        write_json(path, {"a": 2})
    assert read_json(path) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temp file left behind


def test_corrupt_json_is_a_clear_error(tmp_path):
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(CRLSOError, match="corrupt"):
        read_json(tmp_path / "summary.json")


def test_a_csv_stored_gzipped_reads_as_the_same_rows_and_a_damaged_one_is_one_message(tmp_path):
    import gzip

    from crlso_core.common.errors import CRLSOError
    from crlso_core.common.files import read_csv

    plain, packed = tmp_path / "a.csv", tmp_path / "b.csv"
    plain.write_text("x,y\n1,2\n3,4\n")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_csv(packed, ["x"]) == read_csv(plain, ["x"]) == [{"x": "1", "y": "2"}, {"x": "3", "y": "4"}]
    packed.write_bytes(packed.read_bytes()[:12])
    with pytest.raises(CRLSOError, match="corrupt"):
        read_csv(packed)


# --- a folder's files are reached without following a link (issue 34, class 1) -------------------

import json  # noqa: E402
import os  # noqa: E402

from crlso_core.common import files  # noqa: E402


def _tree(path):
    return {p.relative_to(path).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(path.rglob("*"))}


def _linked_run(tmp_path):
    """A folder whose baselines/ is a link to a folder outside it (which holds a secret)."""
    run, outside = tmp_path / "run", tmp_path / "outside"
    run.mkdir()
    outside.mkdir()
    (outside / ".secret").write_text("not the run's")
    (run / "baselines").symlink_to(outside, target_is_directory=True)
    (run / "summary.json").write_text("{}")
    return run, outside


@pytest.mark.parametrize("journal", [
    {"baselines/planted.csv": ".tmp.written"},  # S05: creates a file in the outside folder
    {"baselines/planted.csv": "baselines/.tmp.written"},  # the same, its temporary name beside it
    {"queries.old.csv": "baselines/.secret"},  # S06: moves the outside folder's file into the run
])
def test_a_journal_through_a_linked_subfolder_is_refused_and_nothing_outside_changes(tmp_path, journal):
    run, outside = _linked_run(tmp_path)
    (run / ".tmp.written").write_text("planted")
    (outside / ".tmp.written").write_text("planted")
    (run / files.GROUP_JOURNAL).write_text(json.dumps(journal))
    before, run_before = _tree(outside), _tree(run)
    with pytest.raises(CRLSOError, match="not a journal this program wrote"):
        files.finish_group(run)
    assert _tree(outside) == before and _tree(run) == run_before


@pytest.mark.parametrize("journal", [
    {"../escaped.csv": ".tmp"}, {"/tmp/escaped.csv": ".tmp"}, {"queries.csv": "../.tmp"}, {"queries.csv": "/tmp/.tmp"},
    {"queries.csv": "sub/.tmp"},  # a temporary name in another folder than its target: never one of ours
    {"queries.csv": "./.tmp"}, {"queries.csv": "queries.csv"}, {"queries.csv": 3}, ["queries.csv"],
])
def test_a_journal_entry_must_be_a_plain_name_in_the_folder(tmp_path, journal):
    run = tmp_path / "run"
    (run / "sub").mkdir(parents=True)
    (run / "sub" / ".tmp").write_text("x")
    (run / ".tmp").write_text("x")
    (run / files.GROUP_JOURNAL).write_text(json.dumps(journal))
    before = _tree(tmp_path)
    with pytest.raises(CRLSOError, match="not a journal this program wrote"):
        files.finish_group(run)
    assert _tree(tmp_path) == before


def test_a_group_never_writes_through_a_linked_subfolder(tmp_path):
    run, outside = _linked_run(tmp_path)
    before, run_before = _tree(outside), _tree(run)
    group = files.FileGroup(run)
    group.add("baselines/rs.csv", b"a,b\n")
    group.add("summary.json", b'{"a": 1}')
    with pytest.raises(CRLSOError, match="is a link or not a folder.*inside its own folder"):
        group.commit()
    assert _tree(outside) == before and _tree(run) == run_before  # nothing written, the summary kept


def test_a_group_makes_its_own_subfolders_inside_the_folder(tmp_path):
    group = files.FileGroup(tmp_path)
    group.add("baselines/rs.csv", b"a,b\n")
    group.add("summary.json", b"{}")
    group.commit()
    assert _tree(tmp_path) == {"baselines": None, "baselines/rs.csv": b"a,b\n", "summary.json": b"{}"}


def test_a_group_never_makes_a_deleted_folder_again(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    group = files.FileGroup(run)
    group.add("queries.csv", b"a\n")
    group.add("summary.json", b"{}")
    os.rmdir(run)  # deleted (the Runs page) while the search ran
    with pytest.raises(CRLSOError, match="is gone"):
        group.commit()
    assert not run.exists()



def test_one_file_written_inside_a_folder_never_goes_through_a_link(tmp_path):
    run, outside = _linked_run(tmp_path)
    (run / "analysis").symlink_to(outside, target_is_directory=True)
    before = _tree(outside)
    with pytest.raises(CRLSOError, match="is a link or not a folder"):
        files.write_inside(run, "analysis/pca-2d.npz", b"x")
    assert _tree(outside) == before
    files.write_inside(tmp_path / "outside", "analysis/pca-2d.npz", b"x")
    assert (outside / "analysis" / "pca-2d.npz").read_bytes() == b"x" and not (outside / files.GROUP_JOURNAL).exists()
