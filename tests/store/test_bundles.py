"""Run bundles: an export opens elsewhere as it does here, and an import trusts nothing in
the zip it is handed: every refused bundle leaves the runs root exactly as it was."""

import io
import json
import pickle
import stat
import zipfile

import numpy as np
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.store.bundles import export_zip, import_zip
from crlso_core.store.index import list_runs
from crlso_core.store.pairs import list_pairs
from crlso_core.store.view import load_view


def _pair_bundle(smoke_pair) -> bytes:
    """Both sides of the smoke pair in one zip, as two exports joined."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as joined:
        for side in ("ls", "crls"):
            with zipfile.ZipFile(io.BytesIO(export_zip(smoke_pair / f"pair-{side}"))) as one:
                for info in one.infolist():
                    joined.writestr(info, one.read(info))
    return out.getvalue()


def _with(bundle: bytes, name: str, data: bytes, attr: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
        extra = zipfile.ZipInfo(name)
        extra.external_attr = attr
        target.writestr(extra, data)
    return out.getvalue()


def test_an_exported_pair_imports_whole_and_opens(smoke_pair, tmp_path):
    root = tmp_path / "class"
    folders = import_zip(_pair_bundle(smoke_pair), root)
    assert sorted(f.name for f in folders) == ["pair-crls", "pair-ls"]
    (pair,) = list_pairs(root)
    assert pair.sides == ["ls", "crls"] and sorted(r.name for r in list_runs(root)) == ["pair-crls", "pair-ls"]
    original, imported = load_view(smoke_pair / "pair-crls"), load_view(root / "pair-crls")
    assert np.array_equal(original.codes, imported.codes) and original.summary == imported.summary
    again, first = (zipfile.ZipFile(io.BytesIO(export_zip(d / "pair-crls"))) for d in (root, smoke_pair))
    assert sorted(again.namelist()) == sorted(first.namelist())
    assert all(again.read(n) == first.read(n) for n in first.namelist())  # the round trip is exact, file by file


def _evil_pickle() -> bytes:
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    return pickle.dumps({"weight": Evil()})


def _object_npz() -> bytes:
    out = io.BytesIO()
    np.savez(out, arch=np.array(["x"], dtype=object), mu=np.zeros((1, 8), dtype=object))
    return out.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("r/queries.csv", b"0" * (200 * 2**20))  # 200 MB of zeros, a few hundred KB packed
    return out.getvalue()


REFUSED = [
    ("path-traversal", lambda b: _with(b, "../escape/config.json", b"{}"), "not a file of a run folder"),
    ("deep-traversal", lambda b: _with(b, "pair-crls/../../x.json", b"{}"), "not a file of a run folder"),
    ("absolute-path", lambda b: _with(b, "/tmp/config.json", b"{}"), "not a file of a run folder"),
    ("symlink", lambda b: _with(b, "pair-crls/queries.csv", b"/etc/passwd", attr=(stat.S_IFLNK | 0o777) << 16), "a link"),
    ("unknown-file", lambda b: _with(b, "pair-crls/run.sh", b"rm -rf /"), "not a file of a run folder"),
    ("pickle-in-model", lambda b: _with(b, "pair-crls/gvae.pt", _evil_pickle()), "could not be loaded as a model state"),
    ("object-arrays", lambda b: _with(b, "pair-crls/latent.npz", _object_npz()), "latent.npz"),
    ("config-bounds", lambda b: _with(b, "pair-crls/config.json", json.dumps({"gvae": {"latent": 10**8}}).encode()),
     "latent must be between"),
    ("zip-bomb", lambda b: _bomb(), "more than such a file ever holds"),
    ("not-a-zip", lambda b: b"PK\x03\x04 not really", "not a run bundle"),
    ("missing-models", lambda b: _only(b, "pair-crls/config.json"), "lacks files a trained run has"),
]


def _only(bundle: bytes, name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(out, "w") as target:
        target.writestr(name, source.read(name))
    return out.getvalue()


@pytest.mark.parametrize("case, spoil, expected", REFUSED, ids=[c[0] for c in REFUSED])
def test_a_hostile_bundle_is_refused_and_nothing_is_kept(smoke_pair, tmp_path, case, spoil, expected):
    root = tmp_path / "class"
    root.mkdir()
    (root / "kept.txt").write_text("the store before")
    with pytest.raises(CRLSOError, match=expected):
        import_zip(spoil(_pair_bundle(smoke_pair)), root)
    assert sorted(p.name for p in root.iterdir()) == ["kept.txt"]  # nothing half-imported, not even a staging folder
    assert not (tmp_path / "escape").exists() and not (tmp_path / "x.json").exists()


def test_a_run_name_already_in_the_store_is_refused(smoke_pair, tmp_path):
    root = tmp_path / "class"
    import_zip(_pair_bundle(smoke_pair), root)
    before = sorted(p.name for p in root.iterdir())
    with pytest.raises(CRLSOError, match="already in"):
        import_zip(_pair_bundle(smoke_pair), root)
    assert sorted(p.name for p in root.iterdir()) == before
