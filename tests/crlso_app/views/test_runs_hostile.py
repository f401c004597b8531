"""The Runs page with hostile uploads and a folder it cannot write (W01-W03): each is one
message on the page (never "Something went wrong ... This is a bug"), nothing is kept
and the runs stay listed. Uploads are driven with AppTest's file_uploader."""

import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.store.bundles import export_zip
from crlso_core.store.index import list_runs
from tests.store.hostile_zips import PDF, patched


def _upload(at, files):
    at.file_uploader(key="bundle").set_value([(name, data, "application/zip") for name, data in files]).run()
    next(b for b in at.button if b.label == "Import").click().run()
    return at


def _one_error(at) -> str:
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1, [e.value for e in at.error]
    message = at.error[0].value
    assert "This is a bug" not in message and "Something went wrong" not in message
    return message


@pytest.mark.parametrize("case, spoil, expected", [
    ("W01-encrypted", lambda b: patched(b, flags=0x1), "is encrypted"),
    ("W02-pdf", lambda b: PDF, "not a run bundle"),
    ("method-99", lambda b: patched(b, method=99), "compression method 99"),
])
def test_a_bundle_that_cannot_be_read_is_one_message_and_nothing_is_kept(open_page, smoke_pair, tmp_path, copy_pair,
                                                                        case, spoil, expected):
    root = copy_pair(smoke_pair, tmp_path / "store")
    before = sorted(p.name for p in root.iterdir())
    bundle = spoil(export_zip(smoke_pair / "pair-crls"))
    at = _upload(open_page("runs", root), [("report.zip", bundle)])
    message = _one_error(at)
    assert expected in message and "report.zip" in message
    assert sorted(p.name for p in root.iterdir()) == before  # no staging folder, no new run
    assert sorted(at.dataframe[0].value["run"]) == ["pair-crls", "pair-ls"]  # the page goes on listing the runs


def test_a_delete_the_folder_refuses_is_one_message_and_the_run_is_kept(open_page, smoke_pair, tmp_path, copy_pair,
                                                                       monkeypatch):
    """W03's page side: delete_run says 'read-only' as a CRLSOError (helper confine); the page shows it."""
    import crlso_core.store.index as index

    def read_only(run_dir, root):
        raise CRLSOError(f"{root} is read-only: nothing was deleted. Delete runs where the runs folder can be written.")

    root = copy_pair(smoke_pair, tmp_path / "store")
    monkeypatch.setattr(index, "delete_run", read_only)
    at = open_page("runs", root)
    at.multiselect(key="chosen").select("pair-crls").run()
    at.checkbox(key="sure").check()
    next(b for b in at.button if b.label == "Delete").click().run()
    assert "is read-only: nothing was deleted" in _one_error(at)
    assert sorted(r.name for r in list_runs(root)) == ["pair-crls", "pair-ls"] and (root / "pair-crls").is_dir()


def test_a_pair_named_like_an_example_stays_pickable_beside_it(tmp_path):
    """B11's app side: a run of the root whose pair takes a shipped example's name (made by
    hand: an import now refuses it) is listed under a name of its own, not hidden by the example."""
    from crlso_app.run_picker import _by_name, _label
    from crlso_core.store.examples import EXAMPLES
    from crlso_core.store.index import IndexedRun
    from crlso_core.store.pairs import Pair
    from crlso_core.store.records import RunSummary

    def pair(path):
        return Pair("example-nb201", {"crls": IndexedRun(path, path.name, RunSummary(pair="example-nb201", side="crls"), 0.0, True)})

    mine, shipped = pair(tmp_path / "example-nb201-crls"), pair(EXAMPLES / "example-nb201-crls")
    by_name = _by_name([mine, shipped])
    assert by_name == {"example-nb201": mine, "example-nb201 (2)": shipped}
    assert [_label(n, p) for n, p in by_name.items()] == ["example-nb201", "example-nb201 (2) (example)"]
