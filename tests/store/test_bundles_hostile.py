"""Bundles are verified, not believed (issue 34, class 3): a run whose parts disagree, a name
the runs root or a shipped example owns, and any zip the standard library cannot read are
each one CRLSOError, and then the runs root is exactly as it was (no staging folder, no
index). Every bundle is crafted here from the smoke pair's own export."""

import io
import json
import time
import tracemalloc
import zipfile

import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.store.bundles import export_zip, import_zip, merged
from crlso_core.store.index import list_runs
from tests.store.hostile_zips import PDF, header_only_npz, patched, rewritten


@pytest.fixture(scope="module")
def bundle(smoke_pair) -> bytes:
    return export_zip(smoke_pair / "pair-crls")


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    (root / "kept.txt").write_text("the store before")
    return root


def _refused(data: bytes, root, expected: str) -> str:
    with pytest.raises(CRLSOError, match=expected) as caught:
        import_zip(data, root)
    assert sorted(p.name for p in root.iterdir()) == ["kept.txt"]  # nothing kept, hidden staging and the index included
    return str(caught.value)


def test_a_summary_that_names_another_space_than_its_config_models_and_cells_is_refused(bundle, root):
    message = _refused(rewritten(bundle, summary={"space": "nb301"}), root, "does not agree with itself")
    assert "summary.json says space 'nb301' where config.json says space 'nb201'" in message


@pytest.mark.parametrize("key, value", [("dataset", "cifar100"), ("seed", 99), ("latent_regularised", False), ("pool_size", 7)])
def test_a_summary_that_misreports_the_run_is_refused(bundle, root, key, value):
    message = _refused(rewritten(bundle, summary={key: value}), root, "does not agree with itself")
    assert key in message


def test_a_best_cell_of_another_space_is_refused(bundle, root):
    _refused(rewritten(bundle, summary={"best_arch": "adjacency=0110/0001/0001/0000 ops=input,conv3x3-bn-relu,maxpool3x3,output"}),
             root, "best_arch holds a cell that is not a NAS-Bench-201 cell")


@pytest.mark.parametrize("name", ["index.sqlite", "INDEX.SQLITE", "index.sqlite-journal", "index.sqlite.corrupt-20260101"])
def test_a_run_named_like_the_index_is_refused(bundle, tmp_path, name):
    root = tmp_path / "fresh"  # no index yet: the run would have taken its name
    with pytest.raises(CRLSOError, match="keeps for its index"):
        import_zip(rewritten(bundle, rename={"pair-crls": name}), root)
    assert not root.exists() or list(root.iterdir()) == []


def test_a_run_named_like_a_shipped_example_is_refused(bundle, root):
    _refused(rewritten(bundle, rename={"pair-crls": "example-nb201-crls"}, summary={"pair": "example-nb201"}), root,
             "belong to the examples shipped with crlso")


def test_a_pair_named_like_a_shipped_example_is_refused(bundle, root):
    _refused(rewritten(bundle, rename={"pair-crls": "mine-crls"}, summary={"pair": "example-nb201"}), root,
             "a name of the examples shipped with crlso")


def test_a_pair_side_the_root_already_holds_is_refused(bundle, tmp_path):
    root = tmp_path / "class"
    import_zip(bundle, root)
    before = sorted(p.name for p in root.iterdir())
    with pytest.raises(CRLSOError, match="already holds the crls run of the pair 'pair'"):
        import_zip(rewritten(bundle, rename={"pair-crls": "copy-crls"}), root)  # it would hide one of the two in the sidebar
    assert sorted(p.name for p in root.iterdir()) == before and [r.name for r in list_runs(root)] == ["pair-crls"]


@pytest.mark.parametrize("case, spoil, expected", [
    ("encrypted", lambda b: patched(b, flags=0x1), "is encrypted"),
    ("method-99", lambda b: patched(b, method=99), "compression method 99"),
    ("pdf", lambda b: PDF, "not a run bundle"),
    ("truncated", lambda b: b[: len(b) // 2], "not a run bundle"),
])
def test_a_zip_the_standard_library_cannot_read_is_one_message(bundle, root, case, spoil, expected):
    _refused(spoil(bundle), root, expected)


def test_uploads_joined_into_one_bundle_are_checked_and_named(bundle):
    for spoilt, expected in ((patched(bundle, flags=0x1), "is encrypted"), (PDF, "not a run bundle")):
        with pytest.raises(CRLSOError, match=expected) as caught:
            merged([bundle, spoilt], ["good.zip", "report.zip"])
        assert "report.zip" in str(caught.value)


def test_a_member_twice_is_refused(bundle, root):
    out = io.BytesIO(bundle)
    with zipfile.ZipFile(out, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("pair-crls/queries.csv", archive.read("pair-crls/queries.csv"))  # the same twice: still ambiguous
    _refused(out.getvalue(), root, "'pair-crls/queries.csv' twice")


def test_latent_cells_longer_than_the_space_has_are_refused_from_the_header(bundle, smoke_pair, root):
    """B17: 100,000 strings of <U4096 (1.6 GB once unpacked) in a bundle of a few hundred kB,
    with codes of the config's own width: only the space and the pool say it cannot be."""
    width = json.loads((smoke_pair / "pair-crls" / "config.json").read_text())["gvae"]["latent"]
    huge = header_only_npz({"arch": ((100_000,), "<U4096"), "mu": ((100_000, width), "<f4")})
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        message = _refused(rewritten(bundle, replace={"pair-crls/latent.npz": huge}), root, "does not hold one code")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 20 and peak < 200 * 2**20  # the models load; the arrays never do
    assert "latent.npz" in message and "'arch' has items of 16,384 bytes (<U4096)" in message


def test_an_analysis_array_larger_than_the_run_can_hold_is_refused(bundle, root):
    """B19's file, brought in a bundle: a found map whose header promises a (4e8, 2) array."""
    found = header_only_npz({"methods": ((400_000_000,), "<U6"), "archs": ((400_000_000,), "<U95"),
                             "valid": ((400_000_000,), "<f8"), "xy": ((400_000_000, 2), "<f4")})
    _refused(rewritten(bundle, replace={"pair-crls/analysis/found-0123456789ab.npz": found}), root, "found-0123456789ab.npz")
    projection = header_only_npz({"coords": ((10**9, 2), "<f4"), "seconds": ((), "<f8")})
    _refused(rewritten(bundle, replace={"pair-crls/analysis/tsne-2d.npz": projection}), root, "tsne-2d.npz")


def test_an_honest_bundle_still_imports(bundle, tmp_path):
    root = tmp_path / "class"
    (folder,) = import_zip(bundle, root)
    assert folder.name == "pair-crls" and json.loads((folder / "summary.json").read_text())["space"] == "nb201"
