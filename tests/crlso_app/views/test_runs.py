from crlso_core.store.index import list_runs


def test_without_runs_it_says_so(open_page, empty_store):
    assert "No runs yet" in open_page("runs", empty_store).info[0].value


def test_lists_compares_exports_and_deletes(open_page, smoke_pair, tmp_path, clean, copy_pair):
    root = copy_pair(smoke_pair, tmp_path / "store")
    at = open_page("runs", root)
    assert sorted(at.dataframe[0].value["run"]) == ["pair-crls", "pair-ls"]
    at.multiselect(key="chosen").select("pair-crls").select("pair-ls").run()
    clean(at)
    assert len(at.get("plotly_chart")) == 1  # both runs' curves on one chart
    labels = sorted(b.label for b in at.get("download_button"))
    assert labels == ["Export pair-crls.zip", "Export pair-ls.zip", "Export the 2 selected runs as one bundle"]  # each, and all as one
    next(b for b in at.button if b.label == "Delete").click().run()
    assert "Tick the box" in at.warning[0].value and len(list_runs(root)) == 2
    at.checkbox(key="sure").check()
    next(b for b in at.button if b.label == "Delete").click().run()
    clean(at)
    assert list_runs(root) == [] and not (root / "pair-crls").exists()


def test_runs_of_two_spaces_compare_each_on_its_own_benchmark(open_page, smoke_pair, toy_pair, tmp_path, clean, copy_pair):
    root = copy_pair(toy_pair, copy_pair(smoke_pair, tmp_path / "store"), "toy")
    at = open_page("runs", root)
    assert sorted(at.dataframe[0].value["space"]) == ["nb201", "nb201", "toy", "toy"]
    at.multiselect(key="chosen").select("pair-crls").select("toy-crls").run()
    clean(at)
    titles = sorted(c.proto.spec for c in at.get("plotly_chart"))
    assert len(titles) == 2  # one chart per space and dataset, never NB201's optimum on the toy's curves
    assert any("Toy chain space, Synthetic" in t for t in titles) and any("NAS-Bench-201, CIFAR-10" in t for t in titles)


def test_a_run_imported_from_a_bundle_is_listed_and_the_page_offers_imports(open_page, smoke_pair, tmp_path):
    from crlso_core.store.bundles import export_zip, import_zip  # the upload itself is driven in the browser test

    root = tmp_path / "class"
    import_zip(export_zip(smoke_pair / "pair-crls"), root)
    at = open_page("runs", root)
    assert list(at.dataframe[0].value["run"]) == ["pair-crls"]
    assert any("Import run bundles" in e.label for e in at.expander)


def test_with_only_the_shipped_examples_it_says_no_runs_of_your_own_and_they_compare_and_export(open_page, empty_store, monkeypatch):
    """The lesson trial: 'No runs yet in /<absolute path>' beside three examples, which could
    not be compared or exported, and "None" in the table."""
    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)
    at = open_page("runs", empty_store)
    note = at.info[0].value
    assert "No runs of your own yet" in note and "shipped example runs are listed below" in note and str(empty_store) not in note
    frame = at.dataframe[0].value
    assert {"example-nb201-ls", "example-nb201-crls", "example-nb301-ls", "example-nb101-crls"} <= set(frame["run"])
    assert set(frame["folder"]) == {"shipped example (read only)"}
    assert not frame.isna().any().any() and not (frame.astype(str) == "None").any().any()
    at.multiselect(key="chosen").select("example-nb201-ls").select("example-nb201-crls").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1
    labels = sorted(b.label for b in at.get("download_button"))
    assert labels == ["Export example-nb201-crls.zip", "Export example-nb201-ls.zip", "Export the 2 selected runs as one bundle"]
    assert not any(b.label == "Delete" for b in at.button) and "never deleted" in " ".join(c.value for c in at.caption)

