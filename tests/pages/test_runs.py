import shutil

from crlso_core.runs import index_run, list_runs, read_json


def _copy(smoke_pair, root):
    for side in ("ls", "crls"):
        shutil.copytree(smoke_pair / f"pair-{side}", root / f"pair-{side}")
        index_run(root / f"pair-{side}", read_json(root / f"pair-{side}" / "summary.json"))


def test_without_runs_it_says_so(open_page, empty_store):
    assert "No runs yet" in open_page("runs", empty_store).info[0].value


def test_lists_compares_exports_and_deletes(open_page, smoke_pair, tmp_path, clean):
    root = tmp_path / "store"
    _copy(smoke_pair, root)
    at = open_page("runs", root)
    assert sorted(at.dataframe[0].value["run"]) == ["pair-crls", "pair-ls"]
    at.multiselect(key="chosen").select("pair-crls").select("pair-ls").run()
    clean(at)
    assert len(at.get("plotly_chart")) == 1  # both runs' curves on one chart
    assert len(at.get("download_button")) == 2
    next(b for b in at.button if b.label == "Delete").click().run()
    assert "Tick the box" in at.warning[0].value and len(list_runs(root)) == 2
    at.checkbox(key="sure").check()
    next(b for b in at.button if b.label == "Delete").click().run()
    clean(at)
    assert list_runs(root) == [] and not (root / "pair-crls").exists()
