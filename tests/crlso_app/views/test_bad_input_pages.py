"""The app's side of the bad-input matrix: a hostile URL, a 10 KB cell string, and run
folders with corrupt or oversized files each give one message that says what is wrong
(never 'Something went wrong' and a type name), and the Runs page still exports and
deletes a run it cannot draw."""

import json

import pytest

from crlso_core.store.index import list_runs


@pytest.mark.parametrize("query", [
    {"run": "../../../etc/passwd"}, {"run": "pair/../../x"}, {"cell": "-5"}, {"cell": "99999999999"}, {"cell": "1e3"},
    {"proj": "<script>"}, {"dataset": "../../nope"}, {"space": "nb999"},
])
@pytest.mark.parametrize("name", ["benchmark", "latent"])
def test_hostile_url_parameters_are_ignored(open_page, smoke_pair, name, query):
    open_page(name, smoke_pair, **query)  # open_page asserts no error and no traceback


def test_a_10kb_cell_string_is_quoted_not_echoed(open_page, empty_store):
    at = open_page("benchmark", empty_store)
    at.text_input(key="typed-cell").input("|nor_conv_3x3~0|" * 700).run()
    assert not at.exception and len(at.error) == 1
    message = at.error[0].value
    assert "Not a NAS-Bench-201 cell string" in message and "characters)" in message and len(message) < 400


@pytest.mark.parametrize("file, content, expected", [
    ("config.json", lambda c: c["gvae"].update(latent=10**8) or c, "latent must be between 1 and 512"),
    ("config.json", lambda c: [c], "not an object of settings"),
    ("config.json", lambda c: c["gvae"].update(hidden="wide") or c, "hidden must be int"),
    ("latent.npz", b"\x00" * 64, "latent.npz is corrupt"),
    ("gvae.pt", b"PK\x03\x04 truncated", "could not be loaded as a model state"),
], ids=["latent-1e8", "config-list", "config-wrong-type", "npz-garbage", "state-truncated"])
def test_a_run_folder_with_a_bad_file_is_one_message(open_page, smoke_pair, tmp_path, copy_pair, file, content, expected):
    root = copy_pair(smoke_pair, tmp_path / "store")
    path = root / "pair-crls" / file
    if callable(content):
        path.write_text(json.dumps(content(json.loads(path.read_text()))))
    else:
        path.write_bytes(content)
    at = open_page("latent", root, expect_clean=False, run="pair")
    assert not at.exception and len(at.error) == 1, [e.value for e in at.error]
    assert expected in at.error[0].value and "Something went wrong" not in at.error[0].value


def test_a_run_that_cannot_be_drawn_can_still_be_exported_and_deleted(open_page, smoke_pair, tmp_path, copy_pair, clean):
    root = copy_pair(smoke_pair, tmp_path / "store")
    (root / "pair-crls" / "queries.csv").write_bytes(bytes(range(256)) * 8)
    at = open_page("runs", root)
    at.multiselect(key="chosen").select("pair-crls").run()
    assert not at.exception and not at.error
    assert "queries.csv is corrupt" in at.warning[0].value
    assert len(at.get("download_button")) == 1
    at.checkbox(key="sure").check()
    next(b for b in at.button if b.label == "Delete").click().run()
    assert not at.exception and [r.name for r in list_runs(root)] == ["pair-ls"] and not (root / "pair-crls").exists()
